"""Sphinx configuration for the oauth_provider documentation."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Read the version without importing the package (importing it needs Django settings).
_init = (ROOT / "oauth_provider" / "__init__.py").read_text(encoding="utf-8")
release = re.search(r'__version__ = "([^"]+)"', _init).group(1)
version = ".".join(release.split(".")[:2])

project = "oauth_provider"
author = "oauth_provider developers"
copyright = "oauth_provider developers"

extensions: list[str] = []

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
