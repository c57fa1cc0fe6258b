"""Migrate and seed the demo, then run the hotel site and the partner app until Ctrl-C."""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from demo import credentials

MANAGE = [sys.executable, str(settings.BASE_DIR / "manage.py")]


def create_postgres_database() -> None:
    """``DEMO_DATABASE=postgres`` on a fresh server: create the demo's database."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        return
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        dbname="postgres",
        host=database["HOST"],
        port=database["PORT"],
        user=database["USER"],
        autocommit=True,
    ) as connection:
        if not connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database["NAME"]]
        ).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database["NAME"])))


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def stop(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Migrate and seed the demo, then serve the hotel site and the partner app until Ctrl-C."

    def handle(self, *args, **options):
        create_postgres_database()
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo", stdout=self.stdout)
        connections.close_all()
        partner = ["--settings=partner.settings"]
        subprocess.run([*MANAGE, "migrate", "--noinput", "--verbosity=0", *partner], check=True)
        signal.signal(signal.SIGTERM, stop)
        servers = {}
        try:
            servers[credentials.AS_URL] = self.serve(credentials.AS_ADDR, "--settings=demo.settings")
            servers[credentials.CLIENT_URL] = self.serve(credentials.CLIENT_ADDR, *partner)
            waiting = set(servers)
            while waiting:
                self.check_running(servers)
                waiting = {url for url in waiting if not answers(url + "/")}
                time.sleep(0.2)
            call_command("demo_instructions", stdout=self.stdout)
            while True:
                self.check_running(servers)
                time.sleep(0.5)
        except KeyboardInterrupt:
            self.stdout.write("Stopping the demo.")
        finally:
            for server in servers.values():
                if server.poll() is None:
                    server.terminate()
            for server in servers.values():
                server.wait()

    def serve(self, address: str, *arguments: str) -> subprocess.Popen:
        return subprocess.Popen([*MANAGE, "runserver", "--noreload", address, *arguments], env=os.environ)

    def check_running(self, servers: dict) -> None:
        for url, server in servers.items():
            if server.poll() is not None:
                raise CommandError(f"The server for {url} stopped (exit status {server.returncode}).")
