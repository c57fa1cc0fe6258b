"""docs/deployment.rst shows the configuration files and commands the fleet tests run
(tests/fleet.py), with fixed ports instead of free ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import fleet

GUIDE = (Path(__file__).resolve().parent.parent / "docs" / "deployment.rst").read_text()


def code_block(text: str) -> str:
    """``text`` as the body of an indented reStructuredText code block."""
    return "\n".join(f"   {line}" if line else "" for line in text.rstrip("\n").splitlines())


def test_the_haproxy_configuration():
    rendered = fleet.haproxy_config("/run/haproxy/admin.sock", 8000, [("app1", 8101), ("app2", 8102)])
    assert code_block(rendered) in GUIDE


def test_the_pgbouncer_configuration():
    rendered = fleet.pgbouncer_config("127.0.0.1", "5432", 6432, "/var/lib/pgbouncer", 20)
    assert code_block(rendered) in GUIDE


@pytest.mark.parametrize("kind", ["gunicorn", "uvicorn"])
def test_the_server_commands(kind):
    assert "$ " + " ".join(fleet.server_command(kind, 8101, 2)) in GUIDE


@pytest.mark.parametrize("command", sorted(fleet.RUNTIME_COMMANDS.values()))
def test_the_rolling_restart_commands(command):
    assert code_block(command.format(name="app1")) in GUIDE


def test_the_cache_settings():
    settings = (fleet.EXAMPLE_PROJECT / "demo" / "fleet_settings.py").read_text()
    start = settings.index("CACHES = {")
    block = settings[start : settings.index("\n}\n", start) + 2]
    assert code_block(block) in GUIDE
