"""What the rate limits and lockouts cost a client credentials request, with Redis.

    python bench/limiter.py [--requests 3000]

Runs the bench site for this package (``provider_site``, the "sql" store, its Redis cache)
in this process, on a SQLite file of its own under ``bench/var/limiter/``: migrates,
seeds, then sends client credentials requests through Django's WSGI handler. For each
request it counts the commands sent to Redis, and the time spent in the checks
(``oauth_provider.server.throttling.check``) against the whole request, both as this
process's CPU time and as wall time (a Redis round trip is mostly waiting). Prints one
JSON object.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import shutil
import sys
import time
from pathlib import Path
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

BENCH_DIR = Path(__file__).resolve().parent
VAR_DIR = BENCH_DIR / "var" / "limiter"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    options = parser.parse_args()

    shutil.rmtree(VAR_DIR, ignore_errors=True)
    VAR_DIR.mkdir(parents=True)
    os.environ.update(
        BENCH_VAR_DIR=str(VAR_DIR), BENCH_DATABASE="sqlite", DJANGO_SETTINGS_MODULE="provider_site.settings"
    )
    sys.path[:0] = [str(BENCH_DIR), str(BENCH_DIR.parent)]

    import django

    django.setup()
    import redis
    from django.core.cache import cache
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command

    from oauth_provider.server import throttling

    call_command("migrate", verbosity=0)
    call_command("bench_seed", count=1, pool=1, out=str(VAR_DIR / "seed"), verbosity=0)
    cache.clear()
    manifest = json.loads((VAR_DIR / "seed" / "manifest.json").read_text())
    client_id, secret = manifest["clients"]["service"]
    body = urlencode({"grant_type": "client_credentials", "scope": manifest["scope"]}).encode()
    authorization = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    application = WSGIHandler()

    def request() -> None:
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/oauth/token/",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_AUTHORIZATION": authorization,
            "SERVER_NAME": "127.0.0.1",
            "wsgi.input": io.BytesIO(body),
        }
        setup_testing_defaults(environ)
        status: list[str] = []
        b"".join(application(environ, lambda line, headers: status.append(line)))
        if not status[0].startswith("200"):
            raise SystemExit(f"client credentials answered {status[0]}")

    commands = 0
    real_execute = redis.Redis.execute_command

    def counting(self, *args, **kwargs):
        nonlocal commands
        commands += 1
        return real_execute(self, *args, **kwargs)

    in_check = {"cpu": 0.0, "wall": 0.0}
    real_check = throttling.check

    def timed_check(*args, **kwargs):
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return real_check(*args, **kwargs)
        finally:
            in_check["cpu"] += time.process_time() - cpu
            in_check["wall"] += time.perf_counter() - wall

    for _ in range(200):  # warm up: scripts loaded, statements compiled, client in memory
        request()
    redis.Redis.execute_command = counting
    throttling.check = timed_check
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(options.requests):
        request()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    redis.Redis.execute_command = real_execute
    throttling.check = real_check

    n = options.requests
    print(
        json.dumps(
            {
                "requests": n,
                "redis_commands_per_request": round(commands / n, 3),
                "request_cpu_us": round(cpu / n * 1e6, 1),
                "checks_cpu_us": round(in_check["cpu"] / n * 1e6, 1),
                "checks_cpu_share": round(in_check["cpu"] / cpu, 3),
                "request_wall_us": round(wall / n * 1e6, 1),
                "checks_wall_us": round(in_check["wall"] / n * 1e6, 1),
                "checks_wall_share": round(in_check["wall"] / wall, 3),
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
