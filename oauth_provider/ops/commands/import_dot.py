"""Import what django-oauth-toolkit wrote: clients, live tokens, codes in flight, and consents.

Read with plain SQL from the tables django-oauth-toolkit's models (its own or a site's
swapped ones, which share their columns) created, on any database alias, and written
through this package's models. Nobody logs in again and no client registers again:

* clients keep their id, client id, secret, redirect URIs, owner and dates; a secret hashed
  with a Django password hasher is kept as it is, verified with that hasher on first use
  and then rewritten in place with this package's keyed hash (``core/hashing.py``);
* live access and refresh tokens, and unexpired codes, are stored as their SHA-256 only,
  with their expiry, scope, owner and token family;
* each owner's consent is what their live tokens show they approved.

Each batch records the source rows it imported (``ImportedDotRow``) in its own transaction.
A re-run skips every recorded row, whether or not the package still has it: a token revoked
here is deleted from the package's table and a client deleted here is gone, while
django-oauth-toolkit's tables still hold both, and importing them again would bring them
back. Rows the package has under the same client id, token checksum or code hash (imported
before the record existed) are skipped too, and recorded. So an interrupted import resumes
where it stopped, and a re-run after the switch brings back nothing it recorded.
See docs/switching.rst.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import identify_hasher
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction
from django.utils import timezone
from django.utils.connection import ConnectionDoesNotExist
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)

from ...core.grant_types import DOT_GRANT_NAMES, GrantType
from ...core.hashing import SECRET_HASH_PREFIX, hash_client_secret
from ...core.jose import ALGORITHMS
from ...core.redirect_uris import redirect_uri_error
from ...core.resources import join_resources
from ...settings import provider_settings
from ...storage.models import ImportedDotRow, get_consent_model
from .common import write_json

__all__ = ["DEFAULT_TABLES", "Command", "Importer", "secrets_awaiting_upgrade"]

#: django-oauth-toolkit's tables when its own models are used.
DEFAULT_TABLES = {
    "application": "oauth2_provider_application",
    "access_token": "oauth2_provider_accesstoken",
    "refresh_token": "oauth2_provider_refreshtoken",
    "grant": "oauth2_provider_grant",
}

# The columns read from each table; those missing in older versions are left out.
APPLICATION_COLUMNS = (
    "id client_id user_id redirect_uris post_logout_redirect_uris client_type authorization_grant_type "
    "client_secret hash_client_secret name skip_authorization created updated algorithm allowed_origins"
).split()
ACCESS_TOKEN_COLUMNS = (
    "id user_id token token_checksum application_id expires scope created updated resource".split()
)
REFRESH_TOKEN_COLUMNS = (
    "id user_id token token_checksum application_id access_token_id token_family created updated resource"
).split()
GRANT_COLUMNS = (
    "id user_id code application_id expires redirect_uri scope created updated "
    "code_challenge code_challenge_method nonce claims resource"
).split()

#: django-oauth-toolkit's grant names this package serves, besides ``DOT_GRANT_NAMES``.
HYBRID_GRANT = "openid-hybrid"
# django-oauth-toolkit lets a client of these grants refresh without naming refresh_token
# (its validator's GRANT_TYPE_MAPPING); client credentials get no refresh token from oauthlib.
REFRESHING_GRANTS = {"authorization-code", "password", HYBRID_GRANT}

# A token family for a refresh token that django-oauth-toolkit stored without one (before
# its 3.0): derived from the row's id, so the access and refresh token passes agree.
FAMILY_NAMESPACE = uuid.UUID("0f5b8a8e-6a55-4c4e-9d4e-5d0f1c1a7e21")


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def aware(value: Any) -> datetime | None:
    """A datetime read with plain SQL: SQLite gives naive UTC values."""
    if value is None:
        return None
    if isinstance(value, str):
        from django.utils.dateparse import parse_datetime

        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = value.replace(tzinfo=dt_timezone.utc)
    return value


def as_uuid(value: Any) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def resources(value: Any) -> list[str]:
    """RFC 8707 resource indicators as django-oauth-toolkit stored them (a JSON array)."""
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, str):
        try:
            value = json.loads(value or "[]")
        except ValueError:
            value = value.split()
    return [str(entry) for entry in value] if isinstance(value, list) else []


def family_of(refresh_token_id: Any, stored: Any) -> uuid.UUID:
    return as_uuid(stored) or uuid.uuid5(FAMILY_NAMESPACE, str(refresh_token_id))


def secrets_awaiting_upgrade(using: str | None = None) -> int:
    """Confidential clients whose secret is still a legacy hash (rewritten on first use)."""
    Application = get_application_model()
    manager = Application._default_manager.db_manager(using)
    return manager.exclude(client_secret="").exclude(client_secret__startswith=SECRET_HASH_PREFIX).count()


@contextlib.contextmanager
def dates_kept(*models: Any) -> Iterator[None]:
    """Save ``created`` and ``updated`` as given instead of the current time."""
    changed = []
    for model in models:
        for field in model._meta.concrete_fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                changed.append((field, field.auto_now, field.auto_now_add))
                field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in changed:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


class Importer:
    """One run of the import; :meth:`run` returns the report."""

    def __init__(
        self,
        *,
        source: str,
        tables: dict[str, str],
        batch_size: int = 10000,
        include_tokens: bool = True,
        include_codes: bool = True,
        include_consents: bool = True,
        implicit_refresh_grant: bool = True,
        hs256_algorithm: str = "",
        redact_source: bool = False,
    ) -> None:
        self.source = connections[source]
        self.source_alias = source
        self.tables = tables
        self.batch_size = batch_size
        self.include_tokens = include_tokens
        self.include_codes = include_codes
        self.include_consents = include_consents
        self.implicit_refresh_grant = implicit_refresh_grant
        self.hs256_algorithm = hs256_algorithm
        self.redact_source = redact_source
        self.now = timezone.now()
        self.Application = get_application_model()
        self.AccessToken = get_access_token_model()
        self.RefreshToken = get_refresh_token_model()
        self.Grant = get_grant_model()
        self.User = get_user_model()
        self.using = router.db_for_write(self.Application)
        self.applications: dict[Any, Any] = {}  # source id -> target id
        self.warnings: list[str] = []
        self._present: dict[str, set[str]] = {}
        self.report: dict[str, Any] = {}

    # Reading ---------------------------------------------------------------------------

    def columns(self, kind: str, wanted: list[str]) -> list[str]:
        """The ``wanted`` columns the source table has (older versions lack some)."""
        if kind not in self._present:
            self._present[kind] = self.table_columns(kind)
        return [name for name in wanted if name in self._present[kind]]

    def table_columns(self, kind: str) -> set[str]:
        table = self.tables[kind]
        with self.source.cursor() as cursor:
            if table not in self.source.introspection.table_names(cursor):
                raise CommandError(
                    f"No table {table!r} in database {self.source_alias!r}; "
                    f"name django-oauth-toolkit's {kind.replace('_', ' ')} table with "
                    f"--{kind.replace('_', '-')}-table."
                )
            present = {
                column.name for column in self.source.introspection.get_table_description(cursor, table)
            }
        required = {"id", "client_id"} if kind == "application" else {"id", "application_id"}
        if required - present:
            raise CommandError(
                f"{table!r} has no column {sorted(required - present)}: not a django-oauth-toolkit table."
            )
        return present

    def rows(self, kind: str, wanted: list[str], where: str = "", params: tuple = ()) -> Iterator[list[dict]]:
        """Batches of rows as dicts, in id order (keyset pagination)."""
        columns = self.columns(kind, wanted)
        quote = self.source.ops.quote_name
        select = ", ".join(quote(name) for name in columns)
        table = quote(self.tables[kind])
        condition = f" AND ({where})" if where else ""
        last: Any = None
        while True:
            after = f"{quote('id')} > %s" if last is not None else "1 = 1"
            sql = f"SELECT {select} FROM {table} WHERE {after}{condition} ORDER BY {quote('id')} LIMIT %s"
            arguments = ((last,) if last is not None else ()) + params + (self.batch_size,)
            with self.source.cursor() as cursor:
                cursor.execute(sql, arguments)
                batch = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
            if not batch:
                return
            yield batch
            last = batch[-1]["id"]

    def count(self, kind: str, where: str = "", params: tuple = ()) -> int:
        table = self.source.ops.quote_name(self.tables[kind])
        with self.source.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table}" + (f" WHERE {where}" if where else ""), params)
            return int(cursor.fetchone()[0])

    def source_value(self, value: datetime) -> Any:
        """A datetime as the source database compares it."""
        return self.source.ops.adapt_datetimefield_value(value)

    # Helpers ---------------------------------------------------------------------------

    def existing_users(self, rows: list[dict]) -> set[Any]:
        ids = {row["user_id"] for row in rows if row.get("user_id") is not None}
        if not ids:
            return set()
        field = self.User._meta.pk
        users = self.User._default_manager.db_manager(self.using).filter(
            pk__in=[field.to_python(value) for value in ids]
        )
        return {str(pk) for pk in users.values_list("pk", flat=True)}

    def existing(self, model: Any, field: str, values: list[Any]) -> set[Any]:
        """The ``values`` of ``field`` that rows of ``model`` here already have."""
        if not values:
            return set()
        connection = connections[self.using]
        if connection.vendor != "postgresql":
            found = model._default_manager.db_manager(self.using).filter(**{f"{field}__in": values})
            return set(found.values_list(field, flat=True))
        # One array parameter rather than thousands of placeholders (bench/import_dot.py).
        column = (model._meta.pk if field == "pk" else model._meta.get_field(field)).column
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote(column)} FROM {quote(model._meta.db_table)} WHERE {quote(column)} = ANY(%s)",
                [list(values)],
            )
            return {row[0] for row in cursor.fetchall()}

    def recorded(self, kind: str, source_ids: list[Any]) -> set[Any]:
        """The ``source_ids`` of ``kind`` an earlier run imported, whether or not the package
        still has them (docs/switching.rst)."""
        if not source_ids:
            return set()
        connection = connections[self.using]
        if connection.vendor != "postgresql":
            found = ImportedDotRow._default_manager.db_manager(self.using).filter(
                kind=kind, source_id__in=source_ids
            )
            return set(found.values_list("source_id", flat=True))
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('source_id')} FROM {quote(ImportedDotRow._meta.db_table)} "
                f"WHERE {quote('kind')} = %s AND {quote('source_id')} = ANY(%s)",
                [kind, list(source_ids)],
            )
            return {row[0] for row in cursor.fetchall()}

    def record(self, kind: str, source_ids: list[Any]) -> None:
        """Record source rows as imported; called inside the batch's transaction, so a batch
        and its record are written together or not at all."""
        self.insert(ImportedDotRow, [ImportedDotRow(kind=kind, source_id=value) for value in source_ids])

    def source_in(self, column: str, values: list[Any]) -> tuple[str, list[Any]]:
        """``column`` IN ``values`` for the source database, and its parameters."""
        quote = self.source.ops.quote_name
        if self.source.vendor == "postgresql":
            return f"{quote(column)} = ANY(%s)", [list(values)]
        return f"{quote(column)} IN ({', '.join(['%s'] * len(values))})", list(values)

    def insert(self, model: Any, objs: list[Any]) -> None:
        """Write ``objs`` in one statement: ``bulk_create``, or on PostgreSQL ``COPY``, which
        bench/import_dot.py measured faster for the token tables (docs/switching.rst)."""
        if not objs:
            return
        connection = connections[self.using]
        if connection.vendor != "postgresql":
            model._default_manager.db_manager(self.using).bulk_create(objs)
            return
        # A row without an id takes the next one from the table's sequence.
        fields = [
            field for field in model._meta.concrete_fields if not (field.primary_key and objs[0].pk is None)
        ]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields)
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
                for obj in objs:
                    copy.write_row(
                        [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
                    )

    def reset_sequences(self, *models: Any) -> None:
        connection = connections[self.using]
        statements = connection.ops.sequence_reset_sql(no_style(), list(models))
        if statements:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)

    @staticmethod
    def resource_value(model: Any, stored: Any) -> Any:
        """RFC 8707 resource indicators as ``model`` keeps them: a JSON list, as
        django-oauth-toolkit does, or space-separated text, as the package does."""
        values = resources(stored)
        if isinstance(model._meta.get_field("resource"), models.JSONField):
            return values
        return join_resources(values)

    @staticmethod
    def tally(section: dict[str, Any], reason: str) -> None:
        skipped = section.setdefault("skipped", {})
        skipped[reason] = skipped.get(reason, 0) + 1

    # Applications ----------------------------------------------------------------------

    def grant_types(self, dot_grant: str) -> list[str] | None:
        grant = DOT_GRANT_NAMES.get(dot_grant)
        if dot_grant == HYBRID_GRANT:
            grant = GrantType.AUTHORIZATION_CODE.value
        if grant is None:
            return None
        grants = [grant]
        if self.implicit_refresh_grant and dot_grant in REFRESHING_GRANTS:
            grants.append(GrantType.REFRESH_TOKEN.value)
        return grants

    def application_from(self, row: dict, section: dict, secrets: dict) -> Any | None:
        grants = self.grant_types(row["authorization_grant_type"])
        if grants is None:
            self.tally(section, "unsupported_grant_type")
            self.warnings.append(
                f"Client {row['client_id']!r} uses django-oauth-toolkit's "
                f"{row['authorization_grant_type']!r} grant, which this package does not serve; "
                "it was not imported."
            )
            return None
        if row["authorization_grant_type"] == HYBRID_GRANT:
            section["hybrid_as_authorization_code"] += 1
        secret = row.get("client_secret") or ""
        if row["client_type"] == self.Application.CLIENT_PUBLIC:
            secret = ""
        elif secret and not row.get("hash_client_secret", True):
            secret = hash_client_secret(secret)  # cleartext in django-oauth-toolkit's table
            secrets["hashed_from_cleartext"] += 1
        elif secret:
            try:
                identify_hasher(secret)
            except ValueError:
                self.tally(section, "unknown_password_hasher")
                self.warnings.append(
                    f"The secret of client {row['client_id']!r} was hashed with a hasher that is not "
                    "in PASSWORD_HASHERS; add it there and run the import again."
                )
                return None
            secrets["legacy_hashed"] += 1
        algorithm = row.get("algorithm") or ""
        if algorithm and algorithm not in ALGORITHMS:
            section["algorithm_replaced"] += 1
            self.warnings.append(
                f"Client {row['client_id']!r} had ID tokens signed with {algorithm}, which needs the "
                "client secret in cleartext; it now gets "
                f"{self.hs256_algorithm or 'the server default'} (docs/switching.rst)."
            )
            algorithm = self.hs256_algorithm
        refused = [
            message
            for uri in (row.get("redirect_uris") or "").split()
            if (
                message := redirect_uri_error(
                    uri,
                    provider_settings.ALLOWED_REDIRECT_URI_SCHEMES,
                    provider_settings.ALLOW_HTTP_LOOPBACK_REDIRECT_URIS,
                )
            )
        ]
        if refused:
            section["redirect_uris_refused"] += 1
            self.warnings.append(
                f"Client {row['client_id']!r} has redirect URIs the package's rules refuse "
                f"(docs/switching.rst): {' '.join(refused)}"
            )
        return self.Application(
            id=row["id"],
            client_id=row["client_id"],
            user_id=row.get("user_id"),
            redirect_uris=row.get("redirect_uris") or "",
            post_logout_redirect_uris=row.get("post_logout_redirect_uris") or "",
            client_type=row["client_type"],
            grant_types=" ".join(grants),
            client_secret=secret,
            name=row.get("name") or "",
            skip_authorization=bool(row.get("skip_authorization")),
            created=aware(row.get("created")) or self.now,
            updated=aware(row.get("updated")) or self.now,
            algorithm=algorithm,
            allowed_origins=row.get("allowed_origins") or "",
        )

    def import_applications(self) -> None:
        section: dict[str, Any] = {
            "read": 0,
            "imported": 0,
            "existing": 0,
            "owner_missing": 0,
            "redirect_uris_refused": 0,
            "hybrid_as_authorization_code": 0,
            "algorithm_replaced": 0,
        }
        secrets = {"legacy_hashed": 0, "hashed_from_cleartext": 0}
        Application = self.Application
        for rows in self.rows("application", APPLICATION_COLUMNS):
            section["read"] += len(rows)
            recorded = self.recorded("application", [row["id"] for row in rows])
            known = dict(
                Application._default_manager.db_manager(self.using)
                .filter(client_id__in=[row["client_id"] for row in rows])
                .values_list("client_id", "pk")
            )
            fresh = [row for row in rows if row["id"] not in recorded]
            users = self.existing_users(fresh)
            taken = self.existing(Application, "pk", [row["id"] for row in fresh])
            new = []
            found = []
            for row in rows:
                if row["client_id"] in known:
                    self.applications[row["id"]] = known[row["client_id"]]
                    section["existing"] += 1
                    if row["id"] not in recorded:
                        found.append(row["id"])  # imported before the record existed
                    continue
                if row["id"] in recorded:
                    # Imported, then deleted here: it stays deleted, and so do its tokens.
                    section["existing"] += 1
                    continue
                application = self.application_from(row, section, secrets)
                if application is None:
                    continue
                if application.user_id is not None and str(application.user_id) not in users:
                    application.user_id = None
                    section["owner_missing"] += 1
                if row["id"] in taken:
                    application.id = None  # another client has the id here: a new one
                new.append((row["id"], application))
            with transaction.atomic(using=self.using), dates_kept(Application):
                for source_id, application in new:
                    # One by one: applications are few, and a new id must be read back.
                    application.save(using=self.using, force_insert=True)
                    self.applications[source_id] = application.pk
                self.record("application", [source_id for source_id, _ in new] + found)
            section["imported"] += len(new)
        self.reset_sequences(Application)
        self.report["applications"] = section
        self.report["client_secrets"] = secrets

    # Tokens ----------------------------------------------------------------------------

    def token_checksum(self, row: dict) -> str | None:
        return sha256(row["token"]) if row.get("token") else (row.get("token_checksum") or None)

    def common_checks(self, row: dict, section: dict, users: set[Any], user_required: bool) -> bool:
        if row["application_id"] not in self.applications:
            self.tally(section, "client_not_imported")
            return False
        if row.get("user_id") is None:
            if user_required:
                self.tally(section, "owner_missing")
                return False
        elif str(row["user_id"]) not in users:
            self.tally(section, "owner_missing")
            return False
        return True

    def token_checks(
        self,
        row: dict,
        checksum: str | None,
        taken: set[Any],
        section: dict,
        users: set[Any],
        user_required: bool,
    ) -> bool:
        """Whether an access or refresh token row is imported; each reason it is not is counted."""
        if not checksum:
            self.tally(section, "no_token_value")
            return False
        if not self.common_checks(row, section, users, user_required):
            return False
        if row["id"] in taken:
            self.tally(section, "id_taken")
            return False
        return True

    def not_imported(
        self, kind: str, rows: list[dict], section: dict, model: Any, field: str, checksums: dict[Any, Any]
    ) -> tuple[list[dict], list[Any]]:
        """The rows no run imported yet, and the ids of those the package has by ``field``
        though no record says so (imported before the record existed: recorded now, so that
        they too stay deleted once revoked). Both kinds of skipped row count as existing."""
        recorded = self.recorded(kind, [row["id"] for row in rows])
        unrecorded = [row for row in rows if row["id"] not in recorded]
        present = self.existing(
            model, field, [checksums[row["id"]] for row in unrecorded if checksums[row["id"]]]
        )
        fresh = [row for row in unrecorded if checksums[row["id"]] not in present]
        found = [row["id"] for row in unrecorded if checksums[row["id"]] in present]
        section["existing"] += len(rows) - len(fresh)
        return fresh, found

    def families(self, access_token_ids: list[Any]) -> dict[Any, uuid.UUID]:
        """Source access token id -> the family of the refresh token issued with it."""
        if not access_token_ids:
            return {}
        quote = self.source.ops.quote_name
        has_family = "token_family" in self.columns("refresh_token", ["id", "token_family"])
        family = quote("token_family") if has_family else "NULL"
        condition, params = self.source_in("access_token_id", access_token_ids)
        with self.source.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('access_token_id')}, {quote('id')}, {family} "
                f"FROM {quote(self.tables['refresh_token'])} WHERE {condition}",
                params,
            )
            return {row[0]: family_of(row[1], row[2]) for row in cursor.fetchall()}

    def import_access_tokens(self) -> None:
        section: dict[str, Any] = {"read": 0, "imported": 0, "existing": 0}
        now = self.source_value(self.now)
        expires = self.source.ops.quote_name("expires")
        section["expired"] = self.count("access_token", f"{expires} <= %s", (now,))
        AccessToken = self.AccessToken
        for rows in self.rows("access_token", ACCESS_TOKEN_COLUMNS, f"{expires} > %s", (now,)):
            section["read"] += len(rows)
            checksums = {row["id"]: self.token_checksum(row) for row in rows}
            fresh, found = self.not_imported(
                "access_token", rows, section, AccessToken, "token_checksum", checksums
            )
            users = self.existing_users(fresh)
            taken = self.existing(AccessToken, "pk", [row["id"] for row in fresh])
            families = self.families([row["id"] for row in fresh])
            new = []
            for row in fresh:
                checksum = checksums[row["id"]]
                if not self.token_checks(row, checksum, taken, section, users, user_required=False):
                    continue
                token = AccessToken(
                    id=row["id"],
                    user_id=row.get("user_id"),
                    token="",
                    token_checksum=checksum,
                    application_id=self.applications[row["application_id"]],
                    expires=aware(row["expires"]),
                    scope=row.get("scope") or "",
                    created=aware(row.get("created")) or self.now,
                    updated=aware(row.get("updated")) or self.now,
                    token_family=families.get(row["id"]),
                )
                token.resource = self.resource_value(AccessToken, row.get("resource"))
                new.append(token)
            with transaction.atomic(using=self.using), dates_kept(AccessToken):
                self.insert(AccessToken, new)
                self.record("access_token", [token.id for token in new] + found)
            section["imported"] += len(new)
        self.reset_sequences(AccessToken)
        self.report["access_tokens"] = section

    def import_refresh_tokens(self) -> None:
        section: dict[str, Any] = {"read": 0, "imported": 0, "existing": 0}
        quote = self.source.ops.quote_name
        lifetime = provider_settings.REFRESH_TOKEN_EXPIRE_SECONDS
        oldest = self.source_value(self.now - timedelta(seconds=lifetime))
        live = f"{quote('revoked')} IS NULL AND {quote('created')} > %s"
        section["revoked"] = self.count("refresh_token", f"{quote('revoked')} IS NOT NULL")
        section["expired"] = self.count(
            "refresh_token", f"{quote('revoked')} IS NULL AND {quote('created')} <= %s", (oldest,)
        )
        RefreshToken = self.RefreshToken
        for rows in self.rows("refresh_token", REFRESH_TOKEN_COLUMNS, live, (oldest,)):
            section["read"] += len(rows)
            checksums = {row["id"]: self.token_checksum(row) for row in rows}
            fresh, found = self.not_imported(
                "refresh_token", rows, section, RefreshToken, "token_checksum", checksums
            )
            users = self.existing_users(fresh)
            taken = self.existing(RefreshToken, "pk", [row["id"] for row in fresh])
            scopes = self.access_token_scopes(
                [row["access_token_id"] for row in fresh if row["access_token_id"]]
            )
            imported = self.existing(
                self.AccessToken, "pk", [row["access_token_id"] for row in fresh if row["access_token_id"]]
            )
            new = []
            for row in fresh:
                checksum = checksums[row["id"]]
                if not self.token_checks(row, checksum, taken, section, users, user_required=True):
                    continue
                if row["access_token_id"] not in scopes:
                    # django-oauth-toolkit keeps the scope on the access token only.
                    self.tally(section, "scope_unknown")
                    continue
                token = RefreshToken(
                    id=row["id"],
                    user_id=row["user_id"],
                    token="",
                    token_checksum=checksum,
                    application_id=self.applications[row["application_id"]],
                    access_token_id=row["access_token_id"] if row["access_token_id"] in imported else None,
                    token_family=family_of(row["id"], row.get("token_family")),
                    scope=scopes[row["access_token_id"]],
                    created=aware(row.get("created")) or self.now,
                    updated=aware(row.get("updated")) or self.now,
                )
                token.resource = self.resource_value(RefreshToken, row.get("resource"))
                new.append(token)
            with transaction.atomic(using=self.using), dates_kept(RefreshToken):
                self.insert(RefreshToken, new)
                self.record("refresh_token", [token.id for token in new] + found)
            section["imported"] += len(new)
        self.reset_sequences(RefreshToken)
        self.report["refresh_tokens"] = section

    def access_token_scopes(self, access_token_ids: list[Any]) -> dict[Any, str]:
        if not access_token_ids:
            return {}
        quote = self.source.ops.quote_name
        condition, params = self.source_in("id", access_token_ids)
        with self.source.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('id')}, {quote('scope')} FROM {quote(self.tables['access_token'])} "
                f"WHERE {condition}",
                params,
            )
            return {row[0]: row[1] or "" for row in cursor.fetchall()}

    def import_codes(self) -> None:
        section: dict[str, Any] = {"read": 0, "imported": 0, "existing": 0}
        now = self.source_value(self.now)
        expires = self.source.ops.quote_name("expires")
        section["expired"] = self.count("grant", f"{expires} <= %s", (now,))
        Grant = self.Grant
        for rows in self.rows("grant", GRANT_COLUMNS, f"{expires} > %s", (now,)):
            section["read"] += len(rows)
            checksums = {row["id"]: sha256(row["code"]) for row in rows}
            fresh, found = self.not_imported("grant", rows, section, Grant, "code", checksums)
            users = self.existing_users(fresh)
            new = []
            sources = []
            for row in fresh:
                if not self.common_checks(row, section, users, user_required=True):
                    continue
                code = Grant(
                    user_id=row["user_id"],
                    code=checksums[row["id"]],
                    application_id=self.applications[row["application_id"]],
                    expires=aware(row["expires"]),
                    redirect_uri=row.get("redirect_uri") or "",
                    scope=row.get("scope") or "",
                    created=aware(row.get("created")) or self.now,
                    updated=aware(row.get("updated")) or self.now,
                    code_challenge=row.get("code_challenge") or "",
                    code_challenge_method=row.get("code_challenge_method") or "",
                    nonce=row.get("nonce") or "",
                    claims=row.get("claims") or "",
                    resource=self.resource_value(Grant, row.get("resource")),
                )
                new.append(code)
                sources.append(row["id"])
            with transaction.atomic(using=self.using), dates_kept(Grant):
                Grant._default_manager.db_manager(self.using).bulk_create(new)
                self.record("grant", sources + found)
            section["imported"] += len(new)
        self.report["authorization_codes"] = section

    # Consents --------------------------------------------------------------------------

    def import_consents(self) -> None:
        """An owner with a live token for a client approved its scope: store that decision,
        so the consent page does not come back for what was approved before."""
        section = {"imported": 0, "existing": 0}
        targets = list(set(self.applications.values()))
        approved: dict[tuple[Any, Any], set[str]] = {}
        for model in (self.AccessToken, self.RefreshToken):
            live = model._default_manager.db_manager(self.using).filter(
                application_id__in=targets, user__isnull=False
            )
            if model is self.AccessToken:
                live = live.filter(expires__gt=self.now)
            else:
                live = live.filter(revoked__isnull=True)
            for user_id, application_id, scope in live.values_list(
                "user_id", "application_id", "scope"
            ).iterator():
                approved.setdefault((user_id, application_id), set()).update((scope or "").split())
        consents = get_consent_model()._default_manager.db_manager(self.using)
        have = set(consents.filter(application_id__in=targets).values_list("user_id", "application_id"))
        new = [
            get_consent_model()(
                user_id=user_id, application_id=application_id, scope=" ".join(sorted(scopes))
            )
            for (user_id, application_id), scopes in sorted(approved.items(), key=str)
            if (user_id, application_id) not in have and scopes
        ]
        section["existing"] = len(approved) - len(new)
        for start in range(0, len(new), self.batch_size):
            with transaction.atomic(using=self.using):
                consents.bulk_create(new[start : start + self.batch_size])
        section["imported"] = len(new)
        self.report["consents"] = section

    def redact(self) -> None:
        """Blank django-oauth-toolkit's cleartext token column; its 3.x finds tokens by
        ``token_checksum``, which stays, so a rollback still works."""
        quote = self.source.ops.quote_name
        redacted = {}
        for kind in ("access_token", "refresh_token"):
            if "token_checksum" not in self.columns(kind, ["id", "token_checksum"]):
                self.warnings.append(f"{self.tables[kind]} has no token_checksum column: not redacted.")
                continue
            with self.source.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {quote(self.tables[kind])} SET {quote('token')} = '' "
                    f"WHERE {quote('token')} <> '' AND {quote('token_checksum')} <> ''"
                )
                redacted[kind + "s"] = cursor.rowcount
        self.report["source_redacted"] = redacted

    def run(self) -> dict[str, Any]:
        started = time.monotonic()
        # Every table named must be there before anything is written.
        self.columns("application", APPLICATION_COLUMNS)
        if self.include_tokens or self.include_codes or self.redact_source:
            self.columns("access_token", ACCESS_TOKEN_COLUMNS)
            self.columns("refresh_token", REFRESH_TOKEN_COLUMNS)
        if self.include_codes:
            self.columns("grant", GRANT_COLUMNS)
        self.import_applications()
        if self.include_tokens:
            self.import_access_tokens()
            self.import_refresh_tokens()
        if self.include_codes:
            self.import_codes()
        if self.include_consents:
            self.import_consents()
        if self.redact_source:
            self.redact()
        self.report["client_secrets"]["awaiting_upgrade"] = secrets_awaiting_upgrade(self.using)
        self.report["warnings"] = self.warnings
        self.report["seconds"] = round(time.monotonic() - started, 3)
        return self.report


class Command(BaseCommand):
    help = (
        "Import django-oauth-toolkit's clients, live tokens, authorization codes and consents "
        "from its tables, keeping secrets and tokens working. Prints a JSON report; a re-run "
        "skips what was imported already."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source-database",
            default=DEFAULT_DB_ALIAS,
            help="The DATABASES alias holding django-oauth-toolkit's tables. Default: default.",
        )
        for kind, table in DEFAULT_TABLES.items():
            parser.add_argument(
                f"--{kind.replace('_', '-')}-table",
                default=table,
                help=f"django-oauth-toolkit's {kind.replace('_', ' ')} table (a swapped model's "
                f"table, if the site swapped it). Default: {table}.",
            )
        parser.add_argument(
            "--batch-size", type=int, default=10000, help="Rows read and written at a time. Default: 10000."
        )
        parser.add_argument(
            "--without-tokens", action="store_true", help="Import no access or refresh tokens."
        )
        parser.add_argument("--without-codes", action="store_true", help="Import no authorization codes.")
        parser.add_argument(
            "--without-consents", action="store_true", help="Store no consent for the owners of live tokens."
        )
        parser.add_argument(
            "--without-implicit-refresh-grant",
            action="store_true",
            help="Do not add refresh_token to the grants of clients django-oauth-toolkit let refresh "
            "(authorization code, password, hybrid).",
        )
        parser.add_argument(
            "--hs256-algorithm",
            default="",
            choices=["", *ALGORITHMS],
            help="The ID token algorithm of clients that had HS256, which needs a cleartext secret. "
            "Default: the server's (the first of SIGNING_ALGORITHMS).",
        )
        parser.add_argument(
            "--redact-source",
            action="store_true",
            help="Afterwards, blank the cleartext token column of django-oauth-toolkit's tables "
            "(its 3.x still finds tokens by checksum).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be imported; change nothing."
        )
        parser.add_argument(
            "--status",
            action="store_true",
            help="Only report how many imported secrets still wait for their upgrade to the keyed hash.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["status"]:
            write_json(self, {"client_secrets": {"awaiting_upgrade": secrets_awaiting_upgrade()}})
            return
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            connections[options["source_database"]]
        except ConnectionDoesNotExist as exc:
            raise CommandError(f"No database {options['source_database']!r} in DATABASES.") from exc
        importer = Importer(
            source=options["source_database"],
            tables={kind: options[f"{kind}_table"] for kind in DEFAULT_TABLES},
            batch_size=options["batch_size"],
            include_tokens=not options["without_tokens"],
            include_codes=not options["without_codes"],
            include_consents=not options["without_consents"],
            implicit_refresh_grant=not options["without_implicit_refresh_grant"],
            hs256_algorithm=options["hs256_algorithm"],
            redact_source=options["redact_source"] and not options["dry_run"],
        )
        if options["dry_run"]:
            with transaction.atomic(using=importer.using):
                report = importer.run()
                transaction.set_rollback(True, using=importer.using)
        else:
            report = importer.run()
        write_json(self, {"dry_run": options["dry_run"], **report})
