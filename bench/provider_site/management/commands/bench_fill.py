"""``bench_fill``: pad the token tables to a given size, for ``bench/run.py --scale``.

Adds access tokens and refresh tokens (each live, each in a family of its own,
belonging to the bench user and the ``web`` client) until each table holds
``--size`` rows, with one ``INSERT ... SELECT`` over ``generate_series`` per table:
PostgreSQL computes every row's SHA-256 checksum itself, so a million rows take
seconds, not the hours a Python loop would. The padding is never used by a request;
it is there so that every lookup and every insert runs against tables of that size.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bench_common import credentials
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model


class Command(BaseCommand):
    help = "Pad the access and refresh token tables to --size rows each (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int, required=True, help="Rows each token table should hold.")

    def handle(self, *args: Any, size: int, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench_fill needs PostgreSQL (generate_series and sha256).")
        user = get_user_model().objects.get(username=credentials.USERNAME)
        client = get_application_model().objects.get(client_id=credentials.CLIENTS["web"][0])
        common = {
            "user": user,
            "application": client,
            "scope": credentials.SCOPE,
            "token": "",
        }
        AccessToken, RefreshToken = get_access_token_model(), get_refresh_token_model()
        expires = timezone.now() + timedelta(days=1)
        for model, template in (
            (AccessToken, AccessToken(expires=expires, **common)),
            (RefreshToken, RefreshToken(**common)),
        ):
            missing = size - model.objects.count()
            if missing > 0:
                self.fill(model, template, missing)
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
            if options["verbosity"]:
                self.stdout.write(f"{model._meta.db_table}: {model.objects.count()} rows")

    def fill(self, model: Any, template: Any, rows: int) -> None:
        quote = connection.ops.quote_name
        fields = [f for f in model._meta.local_concrete_fields if f is not model._meta.auto_field]
        # PostgreSQL computes each row's checksum and family; the other columns take one value.
        columns, values, params = [], [], []
        for field in fields:
            columns.append(quote(field.column))
            if field.name == "token_checksum":
                # Distinct from any real token's checksum: real ones hash random values.
                values.append("encode(sha256(('bench-fill-' || n || '-' || %s)::bytea), 'hex')")
                params.append(model._meta.db_table)
            elif field.name == "token_family":
                values.append("gen_random_uuid()")
            else:
                values.append("%s")
                params.append(field.get_db_prep_save(field.pre_save(template, True), connection))
        sql = (
            f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM generate_series(1, %s) AS n"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, rows])
