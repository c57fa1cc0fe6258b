"""Benchmark oauth_provider against plain django-oauth-toolkit, side by side.

    python bench/run.py --db sqlite --db postgres

For each database the driver gives each bench site a fresh database, migrates and seeds
it, and serves it with gunicorn (a fixed number of sync workers, no access log) on a free
loopback port. The sites are this package's ``provider_site``, once for each token store
(``--store``: ``sql``, the default store, and ``orm``), and ``dot_site``, plain
django-oauth-toolkit with its defaults. Each of this package's sites is also served a
second time, on the same database, with the token cache on, for the cached scenario.
Every site keeps its cache in Redis, whose database the driver empties first.

It checks that every scenario answers 200, warms the workers up, then runs the scenarios
with wrk in rounds: each round runs every scenario for a fixed time on each site in
turn. The table shows the median over rounds of requests/s, p50 and p99, the ratios of
the two stores and of the default store to django-oauth-toolkit, and the targets; the
same goes, with every round, to ``bench/results/latest-<db>.json``.

With ``--scale ROWS`` (repeatable, PostgreSQL only) it measures one of this package's
sites alone instead (the first ``--store``), with its token tables padded to each size
(``bench_fill``), and writes ``bench/results/scale-<db>.json``.

Every load run is bounded by wrk's ``--duration`` and a subprocess timeout; servers
are stopped however the run ends. A scenario that got any answer but 200, or ran out
of single-use tokens, is reported and makes the exit status 1. A missed target does not.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

BENCH_DIR = Path(__file__).resolve().parent
VAR_DIR = BENCH_DIR / "var"
RESULTS_DIR = BENCH_DIR / "results"
LUA_DIR = BENCH_DIR / "lua"
FORM = "application/x-www-form-urlencoded"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")

#: ``TOKEN_STORE`` values; the first is the package's default, which the targets are for.
STORES = ["sql", "orm"]
#: ``ACCESS_TOKEN_CACHE_SECONDS`` of the server that answers the cached scenario.
TOKEN_CACHE_SECONDS = 5


@dataclass(frozen=True)
class Site:
    key: str
    title: str
    module: str  # the bench site's Django project package
    database: str  # bench_common.settings.database(name)
    environment: tuple[tuple[str, str], ...] = ()  # what the site's settings read
    package: bool = True  # this package's site, not the reference site


def provider_site(store: str) -> Site:
    """This package's site on the token store ``store``, with a database of its own."""
    title = f"oauth_provider, {store} store"
    return Site(store, title, "provider_site", f"oauth_provider_{store}", (("BENCH_TOKEN_STORE", store),))


DOT_SITE = Site("dot", "django-oauth-toolkit", "dot_site", "dot", package=False)


def client_credentials_form(manifest: dict[str, Any]) -> dict[str, str]:
    return {"grant_type": "client_credentials", "scope": manifest["scope"]}


def password_form(manifest: dict[str, Any]) -> dict[str, str]:
    return {
        "grant_type": "password",
        "username": manifest["username"],
        "password": manifest["password"],
        "scope": manifest["scope"],
    }


def introspection_form(manifest: dict[str, Any]) -> dict[str, str]:
    """The check's body; under load, ``cycle.lua`` sends one for each token of the pool."""
    return {"token": manifest["access_token"], "token_type_hint": "access_token"}


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    url: str  # a key of the manifest's "urls"
    method: str = "POST"
    form: Callable[[dict[str, Any]], dict[str, str]] | None = None  # the same body every request
    single_use: str | None = None  # or a new body every request, from the manifest's "body_files"
    cycle: str | None = None  # or the pool's tokens in turn, from the manifest's "pool_files"
    client: str | None = None  # a key of the manifest's "clients", sent with HTTP Basic
    bearer: bool = False  # send an access token of the pool
    expect: str = "access_token"  # a key every 200 body has
    server: str = "default"  # or "token_cache": the site's server with the token cache on
    package_only: bool = False  # this package's sites only

    def body(self, manifest: dict[str, Any]) -> str:
        return urlencode(self.form(manifest)) if self.form else ""

    def headers(self, manifest: dict[str, Any], access_token: str | None = None) -> dict[str, str]:
        """wrk's fixed headers; ``access_token`` is the bearer token of a single request
        (under load, ``cycle.lua`` sends one of the pool's instead)."""
        headers = {}
        if self.client:
            client_id, secret = manifest["clients"][self.client]
            basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
            headers["Authorization"] = f"Basic {basic}"
        if self.bearer and access_token:
            headers["Authorization"] = f"Bearer {access_token}"
        if self.method == "POST":
            headers["Content-Type"] = FORM
        return headers


SCENARIOS = [
    Scenario(
        "client_credentials",
        "token endpoint, client credentials grant",
        url="token",
        form=client_credentials_form,
        client="service",
    ),
    Scenario(
        "password",
        "token endpoint, password grant",
        url="token",
        form=password_form,
        client="legacy",
    ),
    Scenario(
        "refresh_token",
        "token endpoint, refresh token grant, a different refresh token each request",
        url="token",
        single_use="refresh",
        client="web",
    ),
    Scenario(
        "authorization_code",
        "token endpoint, authorization code with PKCE, a different code each request",
        url="token",
        single_use="code",
        client="web",
    ),
    Scenario(
        "protected_get",
        "DRF GET with a bearer token (read scope), a different token of the pool each request; "
        "the token checked in the database (no token cache, the default)",
        url="protected",
        method="GET",
        cycle="bearer",
        bearer=True,
        expect="message",
    ),
    Scenario(
        "protected_get_cached",
        f"the same GET and tokens, on a server of the same site with ACCESS_TOKEN_CACHE_SECONDS "
        f"= {TOKEN_CACHE_SECONDS}",
        url="protected",
        method="GET",
        cycle="bearer",
        bearer=True,
        expect="message",
        server="token_cache",
        package_only=True,
    ),
    Scenario(
        "protected_get_jwt",
        "the same DRF GET with a JWT access token (RFC 9068) of a pool, verified by its signature "
        "(RESOURCE_SERVER_JWT on): no query, no call",
        url="protected",
        method="GET",
        cycle="jwt_bearer",
        bearer=True,
        expect="message",
        package_only=True,
    ),
    Scenario(
        "floor",
        "the open GET plus one raw SELECT by the token's checksum (unique index), same tokens",
        url="floor",
        method="GET",
        cycle="bearer",
        bearer=True,
        expect="message",
        package_only=True,
    ),
    Scenario(
        "open_get",
        "the same DRF GET, no authentication",
        url="open",
        method="GET",
        expect="message",
    ),
    Scenario(
        "introspection",
        "introspection (RFC 7662) of a valid access token, a different token of the pool each request",
        url="introspect",
        form=introspection_form,
        cycle="introspection",
        client="service",
        expect="active",
    ),
]

#: The sides of a target's ratio: the same site of this package, or the reference site.
PACKAGE, REFERENCE = "package", "reference"


@dataclass(frozen=True)
class Target:
    label: str
    numerator: tuple[str, str]  # (scenario name, PACKAGE or REFERENCE), compared by requests/s
    denominator: tuple[str, str]
    minimum: float | None  # None: shown, not a target


TARGETS = [
    Target("protected GET / floor", ("protected_get", PACKAGE), ("floor", PACKAGE), 0.95),
    Target(
        "client credentials / plain DOT",
        ("client_credentials", PACKAGE),
        ("client_credentials", REFERENCE),
        20.0,
    ),
    Target("client credentials / no-auth GET", ("client_credentials", PACKAGE), ("open_get", PACKAGE), 0.3),
    Target("refresh / client credentials", ("refresh_token", PACKAGE), ("client_credentials", PACKAGE), 0.5),
    Target(
        "code exchange / client credentials",
        ("authorization_code", PACKAGE),
        ("client_credentials", PACKAGE),
        0.5,
    ),
    Target("protected GET JWT / open GET", ("protected_get_jwt", PACKAGE), ("open_get", PACKAGE), 0.95),
    Target("protected GET / open GET", ("protected_get", PACKAGE), ("open_get", PACKAGE), None),
    Target("protected GET cached / open GET", ("protected_get_cached", PACKAGE), ("open_get", PACKAGE), None),
    Target("floor / open GET", ("floor", PACKAGE), ("open_get", PACKAGE), None),
]


class BenchError(Exception):
    """The run cannot go on: a server did not start, or a scenario does not answer 200."""


# -- databases -----------------------------------------------------------------------


def pg_params() -> dict[str, str]:
    return {
        "host": os.environ.get("PGHOST", "127.0.0.1"),
        "port": os.environ.get("PGPORT", "5432"),
        "user": os.environ.get("PGUSER", "postgres"),
    }


def postgres_reachable() -> bool:
    try:
        import psycopg

        psycopg.connect(dbname="postgres", connect_timeout=3, **pg_params()).close()
    except Exception:
        return False
    return True


def reset_database(db: str, site: Site) -> None:
    """An empty database for the site: its own SQLite file, or bench_<name> on PostgreSQL."""
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (VAR_DIR / f"{site.database}.sqlite3{suffix}").unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    name = sql.Identifier(f"bench_{site.database}")
    with psycopg.connect(dbname="postgres", autocommit=True, **pg_params()) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))


def settle_database(db: str, site: Site) -> None:
    """Write out what seeding left pending, so that it does not land in the first measurement:
    the WAL checkpoint (and, on PostgreSQL, the statistics autovacuum would gather soon)."""
    if db == "sqlite":
        with sqlite3.connect(VAR_DIR / f"{site.database}.sqlite3") as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    import psycopg

    with psycopg.connect(dbname=f"bench_{site.database}", autocommit=True, **pg_params()) as connection:
        connection.execute("VACUUM (ANALYZE)")
        try:
            connection.execute("CHECKPOINT")
        except psycopg.Error:
            pass  # CHECKPOINT needs a superuser (or pg_checkpoint); the measurement runs without it


def reset_redis() -> None:
    """Empty the Redis database the sites keep their cache in: no rate-limit counter or
    lockout of an earlier run is left over."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).flushdb()
    except redis.RedisError as error:
        raise BenchError(
            f"Redis not reachable at {REDIS_URL} ({error}); the sites keep their cache there "
            "(BENCH_REDIS_URL names another)"
        ) from None


def database_version(db: str) -> str:
    if db == "sqlite":
        return "SQLite " + sqlite3.sqlite_version
    import psycopg

    with psycopg.connect(dbname="postgres", **pg_params()) as connection:
        return "PostgreSQL " + connection.execute("SHOW server_version").fetchone()[0]


# -- the site under test ----------------------------------------------------------------


def site_env(db: str, site: Site, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH_DIR), env.get("PYTHONPATH")]))
    env["DJANGO_SETTINGS_MODULE"] = f"{site.module}.settings"
    env["BENCH_DATABASE"] = db
    env["BENCH_VAR_DIR"] = str(VAR_DIR)
    env["BENCH_REDIS_URL"] = REDIS_URL
    env.update(site.environment, **extra)
    return env


def manage(db: str, site: Site, *args: str, timeout: int = 300) -> None:
    subprocess.run(
        [sys.executable, "-m", "django", *args], env=site_env(db, site), check=True, timeout=timeout
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn serving one bench site on loopback; a context manager that always stops it."""

    def __init__(self, module: str, env: dict[str, str], workers: int, log: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("w")
        command = [
            sys.executable, "-m", "gunicorn", f"{module}.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(workers),
            "--worker-class", "sync",
            "--timeout", "60",
            "--graceful-timeout", "5",
            "--log-level", "warning",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def wait_ready(self, path: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(
                    f"gunicorn exited with status {self.process.returncode}; see {self.log.name}"
                )
            try:
                with urllib.request.urlopen(self.base_url + path, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer within {timeout:.0f} s; see {self.log.name}")

    def worker_cpu_seconds(self) -> float | None:
        """CPU time the gunicorn workers have used so far (Linux ``/proc``; None elsewhere)."""
        total = 0
        try:
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    # After the command in parentheses: ppid is field 2, utime and stime 12 and 13.
                    fields = (entry / "stat").read_text().rpartition(")")[2].split()
                except OSError:
                    continue
                if int(fields[1]) == self.process.pid:
                    total += int(fields[11]) + int(fields[12])
        except OSError:
            return None
        return total / os.sysconf("SC_CLK_TCK")

    def drain(self, path: str, workers: int) -> None:
        """Wait for the requests a finished run left queued: wrk stops sending at the deadline,
        but gunicorn still answers what it accepted. One request per worker, sent at once,
        queues up behind them."""

        def get(_: int) -> bytes:
            with urllib.request.urlopen(self.base_url + path, timeout=120) as response:
                return response.read()

        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(get, range(workers)))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.close()


class SiteUnderTest:
    """One bench site on one database: its files, its seeded manifest and its servers."""

    def __init__(self, db: str, site: Site, options: argparse.Namespace) -> None:
        self.db = db
        self.site = site
        self.options = options
        self.dir = VAR_DIR / db / site.key
        self.manifest: dict[str, Any] = {}
        self.servers: dict[str, Server] = {}

    def runs(self, scenario: Scenario) -> bool:
        return self.site.package or not scenario.package_only

    def prepare(self) -> None:
        """A fresh database, migrated and seeded; single-use bodies split into one file per round."""
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        print(f"[{self.db}] {self.site.title}: creating, migrating and seeding the database", flush=True)
        reset_database(self.db, self.site)
        manage(self.db, self.site, "migrate", "--noinput", "--verbosity=0")
        seed = [
            "bench_seed", f"--count={self.options.tokens}", f"--pool={self.options.pool}",
            f"--out={self.dir}", "--verbosity=0",
        ]  # fmt: skip
        manage(self.db, self.site, *seed)
        settle_database(self.db, self.site)
        self.manifest = json.loads((self.dir / "manifest.json").read_text())
        rounds = self.options.rounds
        for kind, name in self.manifest["body_files"].items():
            lines = (self.dir / name).read_text().splitlines(keepends=True)
            share = len(lines) // rounds
            for number in range(rounds):
                part = lines[number * share : (number + 1) * share]
                (self.dir / f"{kind}.round{number}.txt").write_text("".join(part))

    def start(self, stack: ExitStack, scenarios: list[Scenario]) -> None:
        """The site's server, and a second one with the token cache on if a scenario needs it."""
        variants = {"default": {}}
        if any(s.server == "token_cache" and self.runs(s) for s in scenarios):
            variants["token_cache"] = {"BENCH_TOKEN_CACHE_SECONDS": str(TOKEN_CACHE_SECONDS)}
        for name, extra in variants.items():
            env = site_env(self.db, self.site, **extra)
            log = self.dir / f"gunicorn-{name}.log"
            server = stack.enter_context(Server(self.site.module, env, self.options.workers, log))
            server.wait_ready(self.manifest["urls"]["open"])
            self.servers[name] = server

    def check(self, scenario: Scenario) -> None:
        """One request, outside the measurement: the scenario must answer 200 with the right body."""
        manifest = self.manifest
        if scenario.single_use:
            body = manifest["check_bodies"][scenario.single_use]
        else:
            body = scenario.body(manifest)
        request = urllib.request.Request(
            self.servers[scenario.server].base_url + manifest["urls"][scenario.url],
            data=body.encode() if scenario.method == "POST" else None,
            headers=scenario.headers(
                manifest, manifest.get("check_tokens", {}).get(scenario.cycle, manifest["access_token"])
            ),
            method=scenario.method,
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, content = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, content = error.code, error.read()
        data = json.loads(content or b"{}")
        if status != 200 or scenario.expect not in data or data.get("active") is False:
            raise BenchError(
                f"{self.site.title} {scenario.name}: expected 200 with {scenario.expect!r}, "
                f"got {status} {content[:300]!r}"
            )

    def wrk(self, scenario: Scenario, seconds: int, round_number: int | None = None) -> dict[str, Any]:
        """Run one scenario with wrk for ``seconds``; returns the report common.lua writes.

        Single-use scenarios read the bodies of their round (``round_number``); the others
        that use the token pool go through it from its start each time.
        """
        options, manifest, server = self.options, self.manifest, self.servers[scenario.server]
        report = self.dir / f"{scenario.name}.wrk.json"
        report.unlink(missing_ok=True)
        env = dict(os.environ)
        env.update(
            BENCH_LUA_DIR=str(LUA_DIR),
            BENCH_REPORT=str(report),
            BENCH_THREADS=str(options.threads),
            BENCH_METHOD=scenario.method,
            BENCH_BODY=scenario.body(manifest),
        )
        script = "fixed.lua"
        if scenario.single_use:
            script = "once.lua"
            env["BENCH_BODIES"] = str(self.dir / f"{scenario.single_use}.round{round_number}.txt")
        elif scenario.cycle:
            script = "cycle.lua"
            env["BENCH_LINES"] = str(self.dir / manifest["pool_files"][scenario.cycle])
            env["BENCH_PLACE"] = "bearer" if scenario.bearer else "body"
        command = [
            "wrk", f"--threads={options.threads}", f"--connections={options.connections}",
            f"--duration={seconds}s", "--timeout=30s", f"--script={LUA_DIR / script}",
        ]  # fmt: skip
        for name, value in scenario.headers(manifest).items():
            command += ["--header", f"{name}: {value}"]
        command.append(server.base_url + manifest["urls"][scenario.url])
        cpu_before = server.worker_cpu_seconds()
        subprocess.run(command, env=env, check=True, timeout=seconds + 60, stdout=subprocess.DEVNULL)
        server.drain(manifest["urls"]["open"], options.workers)
        cpu_after = server.worker_cpu_seconds()
        result = json.loads(report.read_text())
        # The workers also answer what each connection had in flight when wrk stopped.
        served = result["requests"] + options.connections
        if cpu_before is not None and cpu_after is not None:
            result["worker_cpu_ms"] = round((cpu_after - cpu_before) * 1000 / served, 3)
        return result


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def summarize(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The median round of a scenario: requests/s, p50 and p99 are each the median over rounds."""
    return {
        "rps": median([r["rps"] for r in rounds]),
        "p50_ms": median([r["p50_ms"] for r in rounds]),
        "p99_ms": median([r["p99_ms"] for r in rounds]),
        "worker_cpu_ms": median([r["worker_cpu_ms"] for r in rounds if "worker_cpu_ms" in r]),
        "requests": sum(r["requests"] for r in rounds),
        "problems": sorted({p for r in rounds for p in problems_of(r)}),
        "rounds": rounds,
    }


def selected_sites(options: argparse.Namespace) -> list[Site]:
    """This package's site once for each store, then the reference site."""
    sites = [provider_site(store) for store in options.store] if "oauth_provider" in options.site else []
    return sites + ([DOT_SITE] if "dot" in options.site else [])


def measure(db: str, options: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Serve every site at once and measure them in interleaved rounds.

    Only the site under load uses the CPU; running the same scenario on each site
    back to back, round after round, spreads any outside disturbance over all of them.
    Returns site key -> scenario name -> summary.
    """
    sites = [SiteUnderTest(db, site, options) for site in selected_sites(options)]
    scenarios = [s for s in SCENARIOS if not options.scenario or s.name in options.scenario]
    for site in sites:
        site.prepare()
    runs: dict[str, dict[str, list]] = {
        site.site.key: {s.name: [] for s in scenarios if site.runs(s)} for site in sites
    }
    with ExitStack() as stack:
        for site in sites:
            site.start(stack, scenarios)
            for scenario in scenarios:
                if site.runs(scenario):
                    site.check(scenario)
            # Every worker imports its views and connects before the measurement. Only
            # the GETs: the token endpoint's are cheap to warm with the checks above
            # and costly to drain after wrk on the reference site.
            if options.warmup:
                for scenario in scenarios:
                    if scenario.method == "GET" and site.runs(scenario):
                        site.wrk(scenario, options.warmup)
        for number in range(options.rounds):
            for scenario in scenarios:
                ordered = [site for site in sites if site.runs(scenario)]
                for site in ordered if number % 2 == 0 else ordered[::-1]:
                    runs[site.site.key][scenario.name].append(site.wrk(scenario, options.duration, number))
                rates = ", ".join(
                    f"{site.site.key} {runs[site.site.key][scenario.name][-1]['rps']:.1f}" for site in ordered
                )
                print(
                    f"[{db}] round {number + 1}/{options.rounds} {scenario.name}: {rates} req/s", flush=True
                )
    return {
        key: {name: summarize(rounds) for name, rounds in by_name.items()} for key, by_name in runs.items()
    }


# -- the report -------------------------------------------------------------------------


def ratio(results: dict[str, dict[str, Any]], numerator: tuple[str, str], denominator: tuple[str, str]):
    """requests/s of ``(site key, scenario name)`` over another's; None if either is missing."""
    try:
        top = results[numerator[0]][numerator[1]]["rps"]
        bottom = results[denominator[0]][denominator[1]]["rps"]
    except KeyError:
        return None
    return top / bottom if bottom else None


def problems_of(report: dict[str, Any]) -> list[str]:
    problems = []
    if report["non_200"]:
        problems.append("answers other than 200")
    if report["exhausted_threads"]:
        problems.append("ran out of single-use tokens (raise --tokens)")
    if sum(report["socket_errors"].values()):
        problems.append("socket errors or timeouts")
    return problems


def site_roles(sites: list[Site]) -> tuple[list[str], str | None]:
    """The keys of this package's sites, default store first, and the reference site's."""
    return [s.key for s in sites if s.package], next((s.key for s in sites if not s.package), None)


def ratio_pairs(sites: list[Site]) -> list[tuple[str, str]]:
    """The ratio columns: the default store over the other store, then over the reference site."""
    stores, reference = site_roles(sites)
    return [(stores[0], other) for other in [*stores[1:], reference] if stores and other]


def evaluate(results: dict[str, dict[str, Any]], sites: list[Site]) -> list[dict[str, Any]]:
    """Every target, measured on each store; ``measured`` and ``met`` are the default store's."""
    stores, reference = site_roles(sites)
    rows = []
    for target in TARGETS:
        by_store = {}
        for store in stores:
            side = {PACKAGE: store, REFERENCE: reference}
            numerator = (side[target.numerator[1]], target.numerator[0])
            denominator = (side[target.denominator[1]], target.denominator[0])
            by_store[store] = ratio(results, numerator, denominator)
        measured = by_store.get(stores[0]) if stores else None
        met = None if measured is None or target.minimum is None else measured >= target.minimum
        rows.append(
            {
                "target": target.label,
                "minimum": target.minimum,
                "store": stores[0] if stores else None,
                "measured": measured,
                "met": met,
                "by_store": by_store,
            }
        )
    return rows


def shown_ratio(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}x" if value < 10 else f"{value:.1f}x"


def table(results: dict[str, dict[str, Any]], sites: list[Site], targets: list[dict[str, Any]]) -> str:
    columns = f"{'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'cpu ms':>7}"
    pairs = ratio_pairs(sites)
    lines = [
        f"{'scenario':<22} "
        + "   ".join(f"{site.title:^31}" for site in sites)
        + "   "
        + ("req/s ratio" if len(pairs) > 1 else "ratio" if pairs else "").rjust(8 * len(pairs) - 1),
        f"{'':<22} "
        + "   ".join(columns for _ in sites)
        + "   "
        + " ".join(f"{a}/{b}".rjust(7) for a, b in pairs),
    ]
    problems = []
    for scenario in SCENARIOS:
        cells = []
        for site in sites:
            summary = results.get(site.key, {}).get(scenario.name)
            if summary is None:
                cells.append(f"{'-':>8} {'-':>7} {'-':>7} {'-':>7}")
                continue
            cells.append(
                f"{summary['rps']:>8.1f} {summary['p50_ms']:>7.1f} {summary['p99_ms']:>7.1f} "
                f"{summary['worker_cpu_ms']:>7.2f}"
            )
            problems += [f"{site.key} {scenario.name}: {problem}" for problem in summary["problems"]]
        if all(cell.lstrip().startswith("-") for cell in cells):
            continue
        shown = " ".join(
            shown_ratio(ratio(results, (a, scenario.name), (b, scenario.name))).rjust(7) for a, b in pairs
        )
        lines.append(f"{scenario.name:<22} " + "   ".join(cells) + f"   {shown}")
    stores, _ = site_roles(sites)
    if stores:
        lines.append("")
        lines.append(
            f"{'target (ratio of req/s)':<40} "
            + " ".join(f"{store:>7}" for store in stores)
            + f" {'goal':>9}"
        )
        for row in targets:
            values = " ".join(shown_ratio(row["by_store"][store]).rjust(7) for store in stores)
            if row["minimum"] is None:
                lines.append(f"{row['target']:<40} {values} {'-':>9}")
                continue
            goal = ">= " + format(row["minimum"], "g")
            mark = "-" if row["met"] is None else "PASS" if row["met"] else "MISS"
            lines.append(f"{row['target']:<40} {values} {goal:>9}  {mark}")
        if len(stores) > 1:
            lines.append(f"PASS and MISS are for the {stores[0]} store, the package's default.")
    if problems:
        lines.append("")
        lines += [f"INVALID: {problem}" for problem in problems]
    return "\n".join(lines)


def versions() -> dict[str, str]:
    found = {}
    for name in ("Django", "django-oauth-toolkit", "djangorestframework", "oauthlib", "gunicorn"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    found["wrk"] = wrk_version.split(" [")[0].removeprefix("wrk ").strip()
    found["Python"] = platform.python_version()
    return found


def run_database(db: str, options: argparse.Namespace) -> bool:
    """Bench every site on ``db``; prints the table, writes the JSON, True if every run was valid."""
    started = time.monotonic()
    reset_redis()
    load_before = os.getloadavg()[0]
    results = measure(db, options)
    load_after = os.getloadavg()[0]
    sites = selected_sites(options)
    targets = evaluate(results, sites)
    version = database_version(db)
    header = (
        f"{version}; {options.workers} gunicorn sync workers; wrk {options.threads} thread(s), "
        f"{options.connections} connections; median of {options.rounds} rounds of {options.duration} s; "
        f"{os.cpu_count()} CPUs, load average {load_before:.1f} before, {load_after:.1f} after"
    )
    text = table(results, sites, targets)
    print(f"\n{header}\n\n{text}\n", flush=True)
    if load_before > 0.5 * (os.cpu_count() or 1):
        print("note: the machine was busy before the run; the numbers are noisy.\n")
    RESULTS_DIR.mkdir(exist_ok=True)
    document = {
        "database": db,
        "database_version": version,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "system": platform.system(),
            "architecture": platform.machine(),
            "load_average_before": round(load_before, 2),
            "load_average_after": round(load_after, 2),
        },
        "versions": versions(),
        "options": {
            "workers": options.workers,
            "connections": options.connections,
            "threads": options.threads,
            "rounds": options.rounds,
            "seconds_per_round": options.duration,
            "warmup_seconds": options.warmup,
            "single_use_tokens": options.tokens,
            "access_token_pool": options.pool,
            "stores": options.store,
            "token_cache_seconds": TOKEN_CACHE_SECONDS,
        },
        "sites": {site.key: site.title for site in sites},
        "scenarios": {s.name: s.description for s in SCENARIOS},
        "results": results,
        "ratios": {
            f"{a}/{b}": {s.name: ratio(results, (a, s.name), (b, s.name)) for s in SCENARIOS}
            for a, b in ratio_pairs(sites)
        },
        "targets": targets,
        "table": text.splitlines(),
        "elapsed_seconds": round(time.monotonic() - started, 1),
    }
    path = RESULTS_DIR / f"latest-{db}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"wrote {path.relative_to(BENCH_DIR.parent)} ({document['elapsed_seconds']:.0f} s)", flush=True)
    return "INVALID" not in text


# -- scale mode -----------------------------------------------------------------------------

#: What --scale measures: lookups by an indexed value, and inserts into the big tables.
SCALE_SCENARIOS = ["protected_get", "introspection", "client_credentials"]


def measure_scale(db: str, options: argparse.Namespace) -> dict[int, dict[str, dict[str, Any]]]:
    """This package's site (the first --store) at each --scale size: size -> scenario name -> summary."""
    site = SiteUnderTest(db, provider_site(options.store[0]), options)
    scenarios = [s for s in SCENARIOS if s.name in SCALE_SCENARIOS]
    results: dict[int, dict[str, dict[str, Any]]] = {}
    for size in options.scale:
        site.prepare()
        print(f"[{db}] padding the token tables to {size:,} rows each", flush=True)
        started = time.monotonic()
        manage(db, site.site, "bench_fill", f"--size={size}", "--verbosity=0", timeout=3600)
        settle_database(db, site.site)
        print(f"[{db}] padded in {time.monotonic() - started:.0f} s", flush=True)
        runs: dict[str, list] = {s.name: [] for s in scenarios}
        with ExitStack() as stack:
            site.start(stack, scenarios)
            for scenario in scenarios:
                site.check(scenario)
                if options.warmup and scenario.method == "GET":
                    site.wrk(scenario, options.warmup)
            for number in range(options.rounds):
                for scenario in scenarios:
                    runs[scenario.name].append(site.wrk(scenario, options.duration, number))
                    rate = runs[scenario.name][-1]["rps"]
                    print(
                        f"[{db}] {size:,} rows, round {number + 1}: {scenario.name} {rate:.1f} req/s",
                        flush=True,
                    )
        results[size] = {name: summarize(rounds) for name, rounds in runs.items()}
    return results


def scale_table(results: dict[int, dict[str, dict[str, Any]]]) -> str:
    sizes = sorted(results)
    columns = f"{'req/s':>8} {'p50 ms':>7} {'cpu ms':>7}"
    lines = [
        f"{'scenario':<22} " + "   ".join(f"{f'{size:,} tokens':^24}" for size in sizes) + f"   {'ratio':>6}",
        f"{'':<22} " + "   ".join(columns for _ in sizes) + f"   {'req/s':>6}",
    ]
    problems = []
    for name in SCALE_SCENARIOS:
        cells = []
        for size in sizes:
            summary = results[size][name]
            cells.append(f"{summary['rps']:>8.1f} {summary['p50_ms']:>7.1f} {summary['worker_cpu_ms']:>7.2f}")
            problems += [f"{size:,} rows {name}: {problem}" for problem in summary["problems"]]
        first, last = results[sizes[0]][name]["rps"], results[sizes[-1]][name]["rps"]
        shown = f"{last / first:>5.2f}x" if first else f"{'-':>6}"
        lines.append(f"{name:<22} " + "   ".join(cells) + f"   {shown}")
    lines.append("")
    lines.append(f"ratio: req/s with {sizes[-1]:,} tokens over req/s with {sizes[0]:,}")
    if problems:
        lines.append("")
        lines += [f"INVALID: {problem}" for problem in problems]
    return "\n".join(lines)


def run_scale(db: str, options: argparse.Namespace) -> bool:
    """Scale mode on ``db``: prints the table, writes bench/results/scale-<db>.json."""
    started = time.monotonic()
    reset_redis()
    load_before = os.getloadavg()[0]
    results = measure_scale(db, options)
    text = scale_table(results)
    version = database_version(db)
    print(
        f"\n{version}; the {options.store[0]} store; {options.workers} gunicorn sync workers; "
        f"wrk {options.connections} connections; "
        f"median of {options.rounds} rounds of {options.duration} s; {os.cpu_count()} CPUs, "
        f"load average {load_before:.1f} before\n\n{text}\n",
        flush=True,
    )
    RESULTS_DIR.mkdir(exist_ok=True)
    document = {
        "database": db,
        "database_version": version,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_average_before": round(load_before, 2)},
        "versions": versions(),
        "options": {
            "workers": options.workers,
            "connections": options.connections,
            "rounds": options.rounds,
            "seconds_per_round": options.duration,
            "access_token_pool": options.pool,
            "store": options.store[0],
            "sizes": options.scale,
        },
        "scenarios": {s.name: s.description for s in SCENARIOS if s.name in SCALE_SCENARIOS},
        "results": {str(size): by_name for size, by_name in results.items()},
        "table": text.splitlines(),
        "elapsed_seconds": round(time.monotonic() - started, 1),
    }
    path = RESULTS_DIR / f"scale-{db}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"wrote {path.relative_to(BENCH_DIR.parent)} ({document['elapsed_seconds']:.0f} s)", flush=True)
    return "INVALID" not in text


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", action="append", choices=["sqlite", "postgres"], help="repeatable")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per scenario (default 3)")
    parser.add_argument("--duration", type=int, default=3, help="seconds per round (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="warm-up seconds per scenario (default 1)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections (default 4)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument(
        "--tokens", type=int, default=15000, help="refresh tokens and codes seeded per site (default 15000)"
    )
    parser.add_argument(
        "--pool",
        type=int,
        default=5000,
        help="access tokens seeded per site for the GETs and introspection (default 5000)",
    )
    parser.add_argument("--scenario", action="append", choices=[s.name for s in SCENARIOS], help="repeatable")
    parser.add_argument(
        "--site", action="append", choices=["oauth_provider", "dot"], help="repeatable (default both)"
    )
    parser.add_argument(
        "--store",
        action="append",
        choices=STORES,
        help="TOKEN_STORE of this package's site; repeatable, each store a site of its own (default both)",
    )
    parser.add_argument(
        "--scale",
        action="append",
        type=int,
        metavar="ROWS",
        help="scale mode (PostgreSQL): this package only, with the token tables padded to ROWS "
        "rows each; repeatable, e.g. --scale 1000 --scale 1000000",
    )
    options = parser.parse_args(argv)
    options.db = options.db or ["sqlite"]
    options.site = options.site or ["oauth_provider", "dot"]
    # The default store first: the targets are its.
    options.store = [store for store in STORES if store in (options.store or STORES)]
    if not 1 <= options.duration <= 60:
        parser.error("--duration must be between 1 and 60 seconds")
    if not 1 <= options.rounds <= 10:
        parser.error("--rounds must be between 1 and 10")
    if not 0 <= options.warmup <= 10:
        parser.error("--warmup must be between 0 and 10 seconds")
    if not 100 * options.rounds <= options.tokens <= 200_000:
        parser.error("--tokens must be between 100 per round and 200000")
    if not 1 <= options.pool <= 200_000:
        parser.error("--pool must be between 1 and 200000")
    if options.scale:
        if options.db != ["postgres"]:
            parser.error("--scale needs --db postgres (the tables are padded with generate_series)")
        if any(not 1_000 <= size <= 10_000_000 for size in options.scale):
            parser.error("--scale sizes must be between 1000 and 10000000")
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    VAR_DIR.mkdir(exist_ok=True)
    valid = True
    for db in options.db:
        if db == "postgres" and not postgres_reachable():
            params = pg_params()
            print(
                f"PostgreSQL not reachable at {params['host']}:{params['port']}; skipping the PostgreSQL run"
            )
            continue
        try:
            run = run_scale if options.scale else run_database
            valid = run(db, options) and valid
        except BenchError as error:
            print(f"[{db}] error: {error}", file=sys.stderr)
            valid = False
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main())
