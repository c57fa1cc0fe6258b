"""How long oauth_provider_import_dot takes for many tokens, on PostgreSQL.

    python bench/import_dot.py [--tokens 1000000] [--batch-size 10000]

Creates the database ``bench_import_dot`` (dropped first), migrates django-oauth-toolkit
into it and fills it with SQL: 100 clients, one user per 100 sessions, and ``--tokens``
live sessions, each a cleartext access token and its refresh token, as django-oauth-toolkit
3.4 stores them by default. Then switches the site as docs/switching.rst says and times
the import. Prints one JSON object (docs/performance.rst).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

BENCH_DIR = Path(__file__).resolve().parent
DATABASE = "bench_import_dot"

FILL = """
INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email,
                       is_staff, is_active, date_joined)
SELECT n, '!', false, 'user' || n, '', '', '', false, true, now()
FROM generate_series(1, %(users)s) AS n;

INSERT INTO oauth2_provider_application (id, client_id, redirect_uris, post_logout_redirect_uris,
    client_type, authorization_grant_type, client_secret, hash_client_secret, name, skip_authorization,
    created, updated, algorithm, allowed_origins, registration_source)
SELECT n, 'client-' || n, 'https://client' || n || '.example/callback', '', 'confidential',
       'authorization-code', 'pbkdf2_sha256$1000000$salt$' || md5(n::text), true, 'Client ' || n, false,
       now(), now(), '', '', 'manual'
FROM generate_series(1, 100) AS n;

INSERT INTO oauth2_provider_accesstoken (id, user_id, token, token_checksum, application_id, expires,
                                          scope, created, updated, resource)
SELECT n, 1 + n %% %(users)s, 'at-' || md5(n::text) || md5('a' || n), encode(sha256(('at-' || md5(n::text)
       || md5('a' || n))::bytea), 'hex'), 1 + n %% 100, now() + interval '10 hours', 'read write',
       now(), now(), '[]'
FROM generate_series(1, %(tokens)s) AS n;

INSERT INTO oauth2_provider_refreshtoken (id, user_id, token, token_checksum, application_id,
                                           access_token_id, token_family, created, updated, revoked, resource)
SELECT n, 1 + n %% %(users)s, 'rt-' || md5(n::text) || md5('r' || n), encode(sha256(('rt-' || md5(n::text)
       || md5('r' || n))::bytea), 'hex'), 1 + n %% 100, n, md5('f' || n)::uuid, now(), now(), NULL, '[]'
FROM generate_series(1, %(tokens)s) AS n;
"""


def connect(dbname: str) -> psycopg.Connection:
    return psycopg.connect(
        dbname=dbname,
        user=os.environ.get("PGUSER", "postgres"),
        host=os.environ.get("PGHOST", "127.0.0.1"),
        port=os.environ.get("PGPORT", "5432"),
        autocommit=True,
    )


def manage(settings: str, *args: str) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "BENCH_IMPORT_DATABASE": DATABASE,
        "PYTHONPATH": os.pathsep.join([str(BENCH_DIR), str(BENCH_DIR.parent)]),
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        sys.stderr.write(result.stderr)
        raise SystemExit(result.returncode)
    return result.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    options = parser.parse_args()

    with connect("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DATABASE}"')
    try:
        manage("dot_import.dot_settings", "migrate", "-v0")
        started = time.monotonic()
        with connect(DATABASE) as connection:
            values = {"tokens": options.tokens, "users": max(1, options.tokens // 100)}
            for statement in FILL.split(";\n\n"):
                connection.execute(statement.strip().rstrip(";"), values)
            connection.execute("ANALYZE")
        fill_seconds = time.monotonic() - started

        manage("dot_import.switched_settings", "oauth_provider_migrate_after_dot")
        manage("dot_import.switched_settings", "migrate", "-v0")
        started = time.monotonic()
        report = json.loads(
            manage(
                "dot_import.switched_settings",
                "oauth_provider_import_dot",
                "--batch-size",
                str(options.batch_size),
            )
        )
        import_seconds = time.monotonic() - started
        started = time.monotonic()
        again = json.loads(
            manage(
                "dot_import.switched_settings",
                "oauth_provider_import_dot",
                "--batch-size",
                str(options.batch_size),
            )
        )
        rerun_seconds = time.monotonic() - started
    finally:
        if not options.keep:
            with connect("postgres") as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    result = {
        "database": "postgresql",
        "sessions": options.tokens,
        "batch_size": options.batch_size,
        "fill_seconds": round(fill_seconds, 1),
        "import_seconds": round(import_seconds, 1),
        "imported": {
            "applications": report["applications"]["imported"],
            "access_tokens": report["access_tokens"]["imported"],
            "refresh_tokens": report["refresh_tokens"]["imported"],
            "consents": report["consents"]["imported"],
        },
        "rows_per_second": round(
            (report["access_tokens"]["imported"] + report["refresh_tokens"]["imported"]) / import_seconds
        ),
        "rerun_seconds": round(rerun_seconds, 1),
        "rerun_imported": again["access_tokens"]["imported"] + again["refresh_tokens"]["imported"],
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
