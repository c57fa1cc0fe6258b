"""The package's layers (docs/architecture.rst): who may import whom, and no cycles.

Every import counts, at module level or inside a function. ``settings`` and ``core`` sit
at the bottom; ``storage`` builds on them; the authorization server (``server``) and
the resource server (``resource``) build on storage and never on each other; ``ops``
(admin, commands, audit) builds on all of them; the modules at the top of the package
(the app config, the checks, the URLs and Django's entry points) wire it together.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "oauth_provider"

# Layer -> the layers it may import (itself included).
ALLOWED = {
    "settings": {"settings", "core"},
    "core": {"settings", "core"},
    "storage": {"settings", "core", "storage"},
    "server": {"settings", "core", "storage", "server"},
    "resource": {"settings", "core", "storage", "resource"},
    "ops": {"settings", "core", "storage", "server", "resource", "ops"},
}
LAYERS = set(ALLOWED)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str:
    """``oauth_provider.server.validator`` -> ``server``; a top-level module is ``top``,
    except ``settings``, which is a layer of its own at the bottom."""
    parts = module.split(".")
    if len(parts) < 2:
        return "top"
    return parts[1] if parts[1] in LAYERS else "top"


def imports_of(path: Path) -> set[str]:
    """The package modules ``path`` imports, resolved to absolute names."""
    module = module_name(path)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.add(candidate if is_module(candidate) else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "oauth_provider" or name.startswith("oauth_provider.")}


def is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


SOURCES = sorted(path for path in PACKAGE.rglob("*.py") if "migrations" not in path.parts)
GRAPH = {module_name(path): imports_of(path) for path in SOURCES}


@pytest.mark.parametrize("module", sorted(name for name in GRAPH if layer_of(name) != "top"))
def test_each_layer_imports_only_the_layers_below_it(module):
    layer = layer_of(module)
    upward = sorted(name for name in GRAPH[module] if layer_of(name) not in ALLOWED[layer])
    assert not upward, f"{module} ({layer}) imports {upward}; see docs/architecture.rst"


def test_the_resource_server_never_imports_the_authorization_server():
    offenders = {
        module: sorted(name for name in imports if layer_of(name) == "server")
        for module, imports in GRAPH.items()
        if layer_of(module) == "resource"
    }
    assert not any(offenders.values()), offenders


def test_there_are_no_import_cycles():
    edges = {
        module: {name for name in imports if name in GRAPH and name != module}
        for module, imports in GRAPH.items()
    }
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for target in sorted(edges[module]):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*stack[stack.index(target) :], target]))
            elif target not in state:
                visit(target)
        stack.pop()
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module)
    assert not cycles, cycles


def test_the_layer_table_knows_every_subpackage():
    subpackages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    assert subpackages - {"management", "migrations", "templates"} == LAYERS - {"settings"}


def test_public_modules_declare_all():
    """Every module of the layers says what it exports (STYLE: public modules declare __all__)."""
    missing = [
        module_name(path)
        for path in SOURCES
        if layer_of(module_name(path)) in LAYERS
        and path.name != "__init__.py"
        and "__all__" not in path.read_text()
    ]
    assert not missing, missing
