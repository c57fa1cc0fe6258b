"""Sphinx configuration for the oauth_provider documentation."""

import re
import sys
from pathlib import Path

import django
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The API reference imports the package, which needs configured settings: the
# smallest site that installs it.
settings.configure(
    SECRET_KEY="docs-only",
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "rest_framework",
        "oauth2_provider",
        "oauth_provider",
    ],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    USE_TZ=True,
)
django.setup()

# Read the version without importing the package (importing it needs Django settings).
_init = (ROOT / "oauth_provider" / "__init__.py").read_text(encoding="utf-8")
release = re.search(r'__version__ = "([^"]+)"', _init).group(1)
version = ".".join(release.split(".")[:2])

project = "oauth_provider"
author = "oauth_provider developers"
copyright = "oauth_provider developers"

extensions = ["sphinx.ext.autodoc"]

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
# Names from Django, DRF, django-oauth-toolkit, oauthlib and the standard library have
# no inventory here (no network at build time); every name of this package must resolve.
nitpick_ignore_regex = [
    (r"py:.*", r"(django|rest_framework|oauth2_provider|oauthlib|collections|contextlib|datetime|uuid|typing|jwcrypto)(\..*)?"),
    (r"py:.*", r"(Any|HttpRequest|HttpResponse|Request|QuerySet|Model|Iterable|datetime|UUID)"),
    (r"py:.*", r"(AbstractContextManager|ContextManager|ClassVar|Callable|NoReturn)"),
]

exclude_patterns = ["_build"]
root_doc = "index"
language = "en"
highlight_language = "python"
pygments_style = "sphinx"
nitpicky = True

html_theme = "alabaster"
html_title = f"oauth_provider {release}"
html_theme_options = {
    "description": "A secure-by-default OAuth 2.0 authorization server for Django",
    "fixed_sidebar": True,
    "show_relbars": True,
}
html_sidebars = {"**": ["about.html", "navigation.html", "relations.html", "searchbox.html"]}
html_static_path: list[str] = []
