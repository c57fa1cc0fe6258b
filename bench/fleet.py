"""One server against two, behind the same HAProxy: make bench's fleet run.

    python bench/fleet.py [--rounds 3] [--duration 3] [--workers 2]

This package's bench site (``provider_site``, the default ``sql`` store, its documented
production settings, prepared statements on) on one PostgreSQL database, seeded once,
served by gunicorn servers of sync workers. One HAProxy (Debian's package) has three
frontends, round robin: ``one`` sends every request to one server of ``--workers``
workers; ``two`` spreads them over two such servers; ``split`` over two servers of half
as many workers each, as many workers in all as ``one``. So the balancer, the database,
Redis and the site are the same in every run, and only the servers differ.

It runs ``client_credentials`` and ``protected_get`` (docs/performance.rst) with wrk
through each frontend in turn, in rounds that alternate the order, and prints the median
requests/s, p50 and p99, the gunicorn workers' CPU time per request, and the ratios of
``two`` and ``split`` to ``one``, in the same run. The JSON goes to ``bench/results/fleet-postgres.json``.

Every process (wrk, HAProxy, the servers, PostgreSQL, Redis) shares this machine's
cores, as in the rest of the bench: with two cores, a second server adds workers but no
CPU, so ``two/one`` shows what more worker processes on the same cores cost, and
``split/one`` what spreading the same workers over two servers costs; neither shows how a
fleet of machines scales (docs/performance.rst, "Two servers").
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import run

FLEET_SCENARIOS = ["client_credentials", "protected_get"]
#: The sql store's site, on a database of its own (bench_oauth_provider_fleet).
FLEET_SITE = run.Site(
    "fleet",
    "oauth_provider, sql store, fleet",
    "provider_site",
    "oauth_provider_fleet",
    (("BENCH_TOKEN_STORE", "sql"), ("BENCH_SITE_DATABASE", "oauth_provider_fleet")),
)
HAPROXY = "/usr/sbin/haproxy"

CONFIG = """\
global
    maxconn 4096

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s

frontend one_server
    bind 127.0.0.1:{one}
    default_backend one_server

frontend two_servers
    bind 127.0.0.1:{two}
    default_backend two_servers

frontend split
    bind 127.0.0.1:{split}
    default_backend split

backend one_server
    server app1 127.0.0.1:{app1}

backend two_servers
    balance roundrobin
    server app1 127.0.0.1:{app1}
    server app2 127.0.0.1:{app2}

backend split
    balance roundrobin
    server app3 127.0.0.1:{app3}
    server app4 127.0.0.1:{app4}
"""


class Balanced:
    """What ``SiteUnderTest.wrk`` needs of a server, for a frontend of the balancer."""

    def __init__(self, port: int, servers: list[run.Server]) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        self.servers = servers

    def worker_cpu_seconds(self) -> float | None:
        seconds = [server.worker_cpu_seconds() for server in self.servers]
        return None if None in seconds else sum(s for s in seconds if s is not None)

    def drain(self, path: str, workers: int) -> None:
        for server in self.servers:
            server.drain(path, workers)

    def wait_ready(self, path: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(self.base_url + path, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise run.BenchError(f"HAProxy did not answer at {self.base_url} within {timeout:.0f} s")
            time.sleep(0.1)


#: The runs: frontend -> the servers behind it, by index in :func:`measure`'s list.
RUNS = {"one": [0], "two": [0, 1], "split": [2, 3]}
TITLES = {"one": "one server", "two": "two servers", "split": "two, half the workers"}


class HAProxy:
    def __init__(self, directory: Path, app_ports: list[int]) -> None:
        self.ports = {key: run.free_port() for key in RUNS}
        config = directory / "haproxy.cfg"
        apps = {f"app{n + 1}": port for n, port in enumerate(app_ports)}
        config.write_text(CONFIG.format(**self.ports, **apps))
        self.log = (directory / "haproxy.log").open("w")
        self.process = subprocess.Popen(
            [HAPROXY, "-db", "-f", str(config)], stdout=self.log, stderr=subprocess.STDOUT
        )

    def __enter__(self) -> HAProxy:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()


def measure(options: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Run key (``one``, ``two``, ``split``) -> scenario name -> summary."""
    site = run.SiteUnderTest("postgres", FLEET_SITE, options)
    scenarios = [s for s in run.SCENARIOS if s.name in FLEET_SCENARIOS]
    site.prepare()
    runs: dict[str, dict[str, list]] = {key: {s.name: [] for s in scenarios} for key in RUNS}
    with ExitStack() as stack:
        env = run.site_env("postgres", site.site)
        workers = [
            options.workers,
            options.workers,
            max(1, options.workers // 2),
            max(1, options.workers // 2),
        ]
        servers = [
            stack.enter_context(run.Server(site.site.module, env, count, site.dir / f"gunicorn-{n + 1}.log"))
            for n, count in enumerate(workers)
        ]
        for server in servers:
            server.wait_ready(site.manifest["urls"]["open"])
        balancer = stack.enter_context(HAProxy(site.dir, [server.port for server in servers]))
        fronts = {
            key: Balanced(balancer.ports[key], [servers[n] for n in indexes]) for key, indexes in RUNS.items()
        }
        for front in fronts.values():
            front.wait_ready(site.manifest["urls"]["open"])
            site.servers["default"] = front  # type: ignore[assignment]
            for scenario in scenarios:
                site.check(scenario)
                if options.warmup:
                    site.wrk(scenario, options.warmup)
        for number in range(options.rounds):
            for scenario in scenarios:
                order = list(RUNS) if number % 2 == 0 else list(RUNS)[::-1]
                for key in order:
                    site.servers["default"] = fronts[key]  # type: ignore[assignment]
                    runs[key][scenario.name].append(site.wrk(scenario, options.duration, number))
                rates = ", ".join(f"{key} {runs[key][scenario.name][-1]['rps']:.1f}" for key in order)
                print(
                    f"[fleet] round {number + 1}/{options.rounds} {scenario.name}: {rates} req/s", flush=True
                )
    return {
        key: {name: run.summarize(rounds) for name, rounds in by_name.items()}
        for key, by_name in runs.items()
    }


def ratios(results: dict[str, dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    return {
        f"{key}/one": {name: run.ratio(results, (key, name), ("one", name)) for name in FLEET_SCENARIOS}
        for key in RUNS
        if key != "one"
    }


def table(results: dict[str, dict[str, Any]]) -> str:
    columns = f"{'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'cpu ms':>7}"
    shown_ratios = ratios(results)
    lines = [
        f"{'scenario':<20} " + "   ".join(f"{TITLES[key]:^31}" for key in RUNS) + "   req/s ratio",
        f"{'':<20} " + "   ".join(columns for _ in RUNS) + "   " + " ".join(f"{r:>9}" for r in shown_ratios),
    ]
    problems = []
    for name in FLEET_SCENARIOS:
        cells = []
        for key in RUNS:
            summary = results[key][name]
            cells.append(
                f"{summary['rps']:>8.1f} {summary['p50_ms']:>7.1f} {summary['p99_ms']:>7.1f} "
                f"{summary['worker_cpu_ms']:>7.2f}"
            )
            problems += [f"{key} {name}: {problem}" for problem in summary["problems"]]
        shown = " ".join(f"{run.shown_ratio(by_name[name]):>9}" for by_name in shown_ratios.values())
        lines.append(f"{name:<20} " + "   ".join(cells) + f"   {shown}")
    if problems:
        lines.append("")
        lines += [f"INVALID: {problem}" for problem in problems]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds per scenario (default 3)")
    parser.add_argument("--duration", type=int, default=3, help="seconds per round (default 3)")
    parser.add_argument(
        "--warmup", type=int, default=1, help="warm-up seconds per scenario and run (default 1)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server (default 2)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument(
        "--pool", type=int, default=5000, help="access tokens seeded for the GET (default 5000)"
    )
    options = parser.parse_args(argv)
    if not 1 <= options.duration <= 60 or not 1 <= options.rounds <= 10:
        parser.error("--duration must be 1 to 60 seconds and --rounds 1 to 10")
    # SiteUnderTest seeds single-use tokens too; these scenarios use none.
    options.tokens = 100 * options.rounds
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    for program, package in (("wrk", "wrk"), (HAPROXY, "haproxy")):
        if shutil.which(program) is None:
            print(f"{program} is not installed (Debian: apt-get install {package})", file=sys.stderr)
            return 2
    if not run.postgres_reachable():
        params = run.pg_params()
        print(f"PostgreSQL not reachable at {params['host']}:{params['port']}; skipping the fleet run")
        return 0
    run.VAR_DIR.mkdir(exist_ok=True)
    started = time.monotonic()
    try:
        run.reset_redis()
        load_before = os.getloadavg()[0]
        results = measure(options)
    except run.BenchError as error:
        print(f"[fleet] error: {error}", file=sys.stderr)
        return 1
    load_after = os.getloadavg()[0]
    version = run.database_version("postgres")
    header = (
        f"{version}; this package's sql store; gunicorn servers of {options.workers} sync workers "
        f"(split: {max(1, options.workers // 2)}), behind HAProxy; "
        f"wrk {options.threads} thread(s), {options.connections} connections; "
        f"median of {options.rounds} rounds of {options.duration} s; "
        f"{os.cpu_count()} CPUs, load average {load_before:.1f} before, {load_after:.1f} after"
    )
    text = table(results)
    print(f"\n{header}\n\n{text}\n", flush=True)
    if (os.cpu_count() or 1) <= 2:
        print(
            f"note: every process shares this machine's {os.cpu_count()} CPUs: two/one shows what more "
            "workers on the same cores cost, split/one what spreading the same workers over two "
            "servers costs; neither shows scaling.\n"
        )
    run.RESULTS_DIR.mkdir(exist_ok=True)
    document = {
        "database_version": version,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_before": round(load_before, 2),
            "load_average_after": round(load_after, 2),
        },
        "versions": {**run.versions(), "HAProxy": haproxy_version()},
        "options": {
            "workers_per_server": options.workers,
            "workers_per_server_split": max(1, options.workers // 2),
            "connections": options.connections,
            "threads": options.threads,
            "rounds": options.rounds,
            "seconds_per_round": options.duration,
            "warmup_seconds": options.warmup,
            "access_token_pool": options.pool,
        },
        "scenarios": {s.name: s.description for s in run.SCENARIOS if s.name in FLEET_SCENARIOS},
        "results": results,
        "ratios": ratios(results),
        "table": text.splitlines(),
        "elapsed_seconds": round(time.monotonic() - started, 1),
    }
    path = run.RESULTS_DIR / "fleet-postgres.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"wrote {path.relative_to(run.BENCH_DIR.parent)} ({document['elapsed_seconds']:.0f} s)", flush=True)
    return 0 if "INVALID" not in text else 1


def haproxy_version() -> str:
    output = subprocess.run([HAPROXY, "-v"], capture_output=True, text=True).stdout
    return output.split()[2] if output.startswith("HAProxy version") else output.strip()


if __name__ == "__main__":
    sys.exit(main())
