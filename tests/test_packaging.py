"""What an installed copy holds, and what ``make demo`` installs.

A site installs the package with ``pip install``, not from a checkout: every template must
be in the distribution. ``make demo`` installs the ``demo`` extra only (not the test and
docs extras), so that extra must cover every module the demo imports.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from importlib.metadata import packages_distributions, requires
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
DISTRIBUTION = "django-oauth-provider-kit"
EXAMPLE_PROJECT = ROOT / "example_project"
# The demo's own packages, and psycopg, which only DEMO_DATABASE=postgres imports (the
# postgres extra, which the Makefile adds then).
# prometheus_client: the fleet's metrics (demo/gunicorn.conf.py), imported only where the
# metrics extra is installed; psycopg: DEMO_DATABASE=postgres adds the postgres extra.
LOCAL_OR_OPTIONAL = {"demo", "hotels", "partner", "manage", "oauth_provider", "psycopg", "prometheus_client"}


def test_every_template_is_in_the_distribution(tmp_path):
    """setuptools' package data lists the templates by folder; a new folder needs a line."""
    build = tmp_path / "build"
    setup = "from setuptools import setup; setup()"
    subprocess.run(
        [sys.executable, "-c", setup, "-q", "build_py", "--build-lib", build],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    templates = ROOT / "oauth_provider" / "templates"
    shipped = {path.relative_to(build / "oauth_provider" / "templates") for path in build.rglob("*.html")}
    assert shipped == {path.relative_to(templates) for path in templates.rglob("*.html")}


def imported_top_level_modules(folder: Path) -> set[str]:
    found: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


def requirements_with(extra: str) -> set[str]:
    """The distributions the package requires, with ``extra`` (its installed metadata, which
    ``make`` refreshes whenever pyproject.toml changes)."""
    found = set()
    for line in requires(DISTRIBUTION) or []:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate({"extra": extra}):
            found.add(requirement.name.lower())
    return found


def test_the_demo_extra_covers_what_the_demo_imports():
    direct = requirements_with("demo")
    # What those require in turn (oauthlib comes with django-oauth-toolkit, say).
    installed = set(direct)
    for distribution in direct:
        installed |= {Requirement(line).name.lower() for line in requires(distribution) or []}
    distributions = packages_distributions()
    missing = {}
    for module in imported_top_level_modules(EXAMPLE_PROJECT) - LOCAL_OR_OPTIONAL:
        if module in sys.stdlib_module_names:
            continue
        provided_by = {name.lower() for name in distributions.get(module, [])}
        if not provided_by & installed:
            missing[module] = sorted(provided_by) or ["?"]
    assert not missing, f"make demo would not install: {missing}"


@pytest.mark.parametrize("extra", ["test", "docs"])
def test_make_demo_does_not_install_the_test_or_docs_extras(extra):
    makefile = (ROOT / "Makefile").read_text()
    demo_install = [line for line in makefile.splitlines() if "pip install" in line and "DEMO_EXTRAS" in line]
    assert demo_install, "the Makefile's demo install line is missing"
    assert all(extra not in line for line in demo_install)
