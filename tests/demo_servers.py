"""The demo's two servers for the tests: ``manage.py run_demo`` (what ``make demo`` runs)
starts the hotel site and the partner app as subprocesses on free ports, each run on fresh
databases.

With ``TEST_DATABASE=postgres`` the hotel site runs on PostgreSQL, in a database named after
the test database with ``_demo`` appended, dropped before and afterwards.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = [
    "Demo",
    "create_postgres_database",
    "drop_postgres_database",
    "free_port",
    "postgres_server",
    "running_demo",
]

EXAMPLE_PROJECT = Path(__file__).resolve().parent.parent / "example_project"
READY = "Stop the demo with Ctrl-C."


def free_port(preferred: int = 0) -> int:
    """``preferred`` if it is free, else a free port the system picks."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
        except OSError:
            sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_database() -> str | None:
    """The demo's PostgreSQL database in a PostgreSQL run, else None."""
    if os.environ.get("TEST_DATABASE") != "postgres":
        return None
    return os.environ.get("TEST_DATABASE_NAME", "test_oauth_provider") + "_demo"


def postgres_server() -> dict[str, str]:
    """The test PostgreSQL server's address and user, as psycopg's connection arguments."""
    return {
        "host": os.environ.get("PGHOST", "127.0.0.1"),
        "port": os.environ.get("PGPORT", "5432"),
        "user": os.environ.get("PGUSER", "postgres"),
    }


def drop_postgres_database(name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(dbname="postgres", autocommit=True, **postgres_server()) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def create_postgres_database(name: str) -> None:
    """A new, empty database ``name`` (dropped first if it is left over)."""
    import psycopg
    from psycopg import sql

    drop_postgres_database(name)
    with psycopg.connect(dbname="postgres", autocommit=True, **postgres_server()) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@dataclass
class Demo:
    as_url: str
    client_url: str
    env: dict[str, str]
    log: Path

    cwd = EXAMPLE_PROJECT

    def command(self, *arguments: str) -> list[str]:
        """The command line of ``python manage.py ...`` in the example project."""
        return [sys.executable, "manage.py", *arguments]

    def manage(self, *arguments: str, **env: str) -> subprocess.CompletedProcess:
        """``python manage.py ...`` in the example project, against these servers (or ``env``'s)."""
        return subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=EXAMPLE_PROJECT,
            env={**self.env, **env},
            capture_output=True,
            text=True,
        )


@contextmanager
def running_demo(directory: Path, ports: tuple[int, int] = (0, 0)) -> Iterator[Demo]:
    """``manage.py run_demo`` on two free ports (``ports`` if they are free), with fresh
    databases; stopped afterwards."""
    as_addr, client_addr = (f"127.0.0.1:{free_port(port)}" for port in ports)
    env = {name: value for name, value in os.environ.items() if name != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DEMO_ADDR=as_addr,
        DEMO_CLIENT_ADDR=client_addr,
        PARTNER_DATABASE_NAME=str(directory / "partner.sqlite3"),
        PYTHONUNBUFFERED="1",
    )
    database = postgres_database()
    if database:
        drop_postgres_database(database)
        env.update(DEMO_DATABASE="postgres", DEMO_DATABASE_NAME=database)
    else:
        env.update(DEMO_DATABASE_NAME=str(directory / "demo.sqlite3"))
    log = directory / "run_demo.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_demo"],
            cwd=EXAMPLE_PROJECT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        while READY not in log.read_text():
            if process.poll() is not None:
                pytest.fail(f"run_demo stopped with status {process.returncode}:\n{log.read_text()}")
            time.sleep(0.1)
        yield Demo(f"http://{as_addr}", f"http://{client_addr}", env, log)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait()
        if database:
            drop_postgres_database(database)
