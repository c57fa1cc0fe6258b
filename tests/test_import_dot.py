"""``oauth_provider_import_dot`` against a database django-oauth-toolkit itself wrote.

tests/dot_site is a site with django-oauth-toolkit alone; a subprocess migrates it into a
database of its own (a SQLite file, or a PostgreSQL database in the PostgreSQL run) and
fills it through its own endpoints: clients with PBKDF2-hashed and cleartext secrets, live
and expired tokens, a rotated refresh token, a code not yet exchanged. The import reads that
database; then the old clients, with their old secrets and tokens, use this package's
endpoints, and nobody logs in again or registers again (docs/switching.rst).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.db.utils import load_backend
from django.urls import reverse
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)

from oauth_provider.core.hashing import SECRET_HASH_PREFIX, hash_token
from oauth_provider.models import Consent, ImportedDotRow
from oauth_provider.ops.commands.import_dot import Importer
from oauth_provider.storage.revocation import revoke_token

from .conftest import basic_auth, query_of

Application = get_application_model()
AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
Grant = get_grant_model()
User = get_user_model()

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "dot_site"
REDIRECT_URI = "https://client.example/callback"


def build_dot_site(location: str) -> dict:
    """Migrate and fill a django-oauth-toolkit site's database; what its clients hold."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.dot_site.settings", "DOT_SITE_DATABASE": location}
    env.pop("TEST_DATABASE", None)
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    filled = subprocess.run(
        [sys.executable, "-m", "tests.dot_site.populate"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return json.loads(filled.stdout)


def fresh_location(tmp_path: Path, purpose: str) -> str:
    """A new, empty database for the site, on the engine the suite runs on."""
    if connection.vendor != "postgresql":
        return str(tmp_path / "dot_site.sqlite3")
    import psycopg

    options = connection.settings_dict
    name = f"{options['TEST']['NAME'] or 'test'}_dot_site_{purpose}"
    with psycopg.connect(
        dbname="postgres", user=options["USER"], host=options["HOST"], port=options["PORT"], autocommit=True
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"postgres:{name}"


def drop_location(location: str) -> None:
    """Drop a PostgreSQL database fresh_location() made (a SQLite file goes with tmp_path)."""
    if not location.startswith("postgres:"):
        return
    import psycopg

    options = connection.settings_dict
    with psycopg.connect(
        dbname="postgres", user=options["USER"], host=options["HOST"], port=options["PORT"], autocommit=True
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{location.removeprefix("postgres:")}" WITH (FORCE)')


@contextlib.contextmanager
def source_database(location: str) -> Iterator[str]:
    """The site's database as a DATABASES alias of this process, for the command to read."""
    if location.startswith("postgres:"):
        options = connection.settings_dict
        database = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": location.removeprefix("postgres:"),
            "USER": options["USER"],
            "HOST": options["HOST"],
            "PORT": options["PORT"],
        }
    else:
        database = {"ENGINE": "django.db.backends.sqlite3", "NAME": location}
    # Made here rather than listed in DATABASES: the test database setup leaves it alone.
    settings_dict = connections.configure_settings({"default": dict(database), SOURCE: database})[SOURCE]
    connections[SOURCE] = load_backend(database["ENGINE"]).DatabaseWrapper(settings_dict, SOURCE)
    try:
        yield SOURCE
    finally:
        connections[SOURCE].close()
        del connections[SOURCE]


def import_dot(*args: str) -> dict:
    out = io.StringIO()
    call_command("oauth_provider_import_dot", "--source-database", SOURCE, *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture(scope="module")
def dot_site_database(tmp_path_factory, django_db_blocker) -> Iterator[tuple[str, dict]]:
    """One site's database for the module's tests that only read it."""
    with django_db_blocker.unblock():
        location = fresh_location(tmp_path_factory.mktemp("dot"), "shared")
    held = build_dot_site(location)
    yield location, held
    drop_location(location)


@pytest.fixture
def dot_site(dot_site_database, db) -> Iterator[dict]:
    """The site's database as the command's source, and its users here, with the same ids
    (the users table is the site's, whichever database its tokens were in)."""
    location, held = dot_site_database
    for name, pk in held["users"].items():
        User.objects.create_user(name, password=f"{name}-password", id=pk)
    with source_database(location):
        yield held


def refresh(client, refresh_token: str, secret: str | None = None, client_id: str | None = None):
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    headers = {}
    if secret is not None:
        headers["HTTP_AUTHORIZATION"] = basic_auth(client_id, secret)
    elif client_id:
        data["client_id"] = client_id
    return client.post(
        reverse("oauth_provider:token"),
        urlencode(data),
        content_type="application/x-www-form-urlencoded",
        **headers,
    )


def bearer(client, path: str, token: str):
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_switch_keeps_every_client_and_session_working(dot_site, client):
    """The issue's "done when": old secret, old refresh token, old access token, nothing
    registered again."""
    report = import_dot()
    assert report["applications"]["imported"] == 3
    assert report["client_secrets"] == {"legacy_hashed": 1, "hashed_from_cleartext": 1, "awaiting_upgrade": 1}
    web, service = dot_site["web"], dot_site["service"]

    # The old access tokens reach protected views.
    answer = bearer(client, "/api/scoped/", dot_site["web_tokens"]["access_token"])
    assert answer.status_code == 200, answer.content
    assert answer.json()["user"] == "alice"
    assert bearer(client, "/api/scoped/", dot_site["mobile_tokens"]["access_token"]).status_code == 200
    answer = bearer(client, "/api/client-only/", dot_site["service_tokens"]["access_token"])
    assert answer.status_code == 200
    assert answer.json()["client_id"] == service["client_id"]

    # The confidential client authenticates with its old secret (PBKDF2, as
    # django-oauth-toolkit stored it) and its old refresh token refreshes.
    answer = refresh(client, dot_site["web_tokens"]["refresh_token"], web["secret"], web["client_id"])
    assert answer.status_code == 200, answer.content
    assert answer.json()["scope"] == "read write"
    assert bearer(client, "/api/scoped/", answer.json()["access_token"]).status_code == 200
    # ... and its secret is now stored with this package's keyed hash.
    assert Application.objects.get(client_id=web["client_id"]).client_secret.startswith(SECRET_HASH_PREFIX)
    assert import_dot("--status") == {"client_secrets": {"awaiting_upgrade": 0}}
    # The rotated token was replaced, as django-oauth-toolkit rotates them.
    assert (
        refresh(client, dot_site["web_tokens"]["refresh_token"], web["secret"], web["client_id"]).status_code
        == 400
    )

    # The public client refreshes with its client id alone.
    answer = refresh(
        client, dot_site["mobile_tokens"]["refresh_token"], client_id=dot_site["mobile"]["client_id"]
    )
    assert answer.status_code == 200, answer.content

    # The client whose secret was cleartext gets a client credentials token with it.
    answer = client.post(
        reverse("oauth_provider:token"),
        urlencode({"grant_type": "client_credentials", "scope": "read"}),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic_auth(service["client_id"], service["secret"]),
    )
    assert answer.status_code == 200, answer.content

    # The code issued before the switch is exchanged with its PKCE verifier.
    pending = dot_site["pending_code"]
    answer = client.post(
        reverse("oauth_provider:token"),
        urlencode(
            {
                "grant_type": "authorization_code",
                "code": pending["code"],
                "redirect_uri": REDIRECT_URI,
                "code_verifier": pending["verifier"],
            }
        ),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic_auth(web["client_id"], web["secret"]),
    )
    assert answer.status_code == 200, answer.content


def test_what_was_not_live_stays_behind(dot_site, client):
    """Expired access tokens and revoked (rotated) refresh tokens are not imported."""
    report = import_dot()
    assert report["access_tokens"]["expired"] == 1
    assert report["refresh_tokens"]["revoked"] == 1
    answer = bearer(client, "/api/scoped/", dot_site["expired_access_token"])
    assert answer.status_code == 401
    assert 'error="invalid_token"' in answer["WWW-Authenticate"]
    web = dot_site["web"]
    answer = refresh(client, dot_site["first_refresh_token"], web["secret"], web["client_id"])
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_the_owner_is_not_asked_again(dot_site, client):
    """Consent comes from the scopes the owner's live tokens show they approved."""
    import_dot()
    web = Application.objects.get(client_id=dot_site["web"]["client_id"])
    consent = Consent.objects.get(application=web, user__username="alice")
    assert consent.scope_list == ["read", "write"]
    client.force_login(User.objects.get(username="alice"))
    answer = client.get(
        reverse("oauth_provider:authorize")
        + "?"
        + urlencode(
            {
                "response_type": "code",
                "client_id": web.client_id,
                "redirect_uri": REDIRECT_URI,
                "scope": "read",
                "state": "s",
                "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                "code_challenge_method": "S256",
            }
        )
    )
    assert answer.status_code == 302, answer.content
    assert "code" in query_of(answer["Location"])


def test_clients_keep_their_ids_owner_dates_and_grants(dot_site):
    import_dot()
    web = Application.objects.get(client_id=dot_site["web"]["client_id"])
    assert web.pk == dot_site["web"]["id"]
    assert web.user.get_username() == "alice"
    assert web.redirect_uri_list == [REDIRECT_URI]
    assert web.grant_type_list == ["authorization_code", "refresh_token"]
    # Kept as django-oauth-toolkit stored it until the client next authenticates.
    assert web.client_secret == dot_site["web"]["stored"]
    service = Application.objects.get(client_id=dot_site["service"]["client_id"])
    assert service.grant_type_list == ["client_credentials"]
    assert service.client_secret.startswith(SECRET_HASH_PREFIX)  # cleartext never kept
    mobile = Application.objects.get(client_id=dot_site["mobile"]["client_id"])
    assert (mobile.client_type, mobile.client_secret, mobile.skip_authorization) == ("public", "", True)
    with connections[SOURCE].cursor() as cursor:
        cursor.execute("SELECT created FROM oauth2_provider_application WHERE id = %s", [web.pk])
        (created,) = cursor.fetchone()
    assert abs((web.created.replace(tzinfo=None) - created.replace(tzinfo=None)).total_seconds()) < 1
    # A client registered afterwards gets the next id, not one of the imported ones.
    assert Application.objects.create(name="new", client_type="public", redirect_uris=REDIRECT_URI).pk > 3


def test_tokens_are_stored_as_hashes_with_their_family(dot_site):
    import_dot()
    assert set(AccessToken.objects.values_list("token", flat=True)) == {""}
    assert set(RefreshToken.objects.values_list("token", flat=True)) == {""}
    access = AccessToken.objects.get(token_checksum=hash_token(dot_site["web_tokens"]["access_token"]))
    refresh_token = RefreshToken.objects.get(
        token_checksum=hash_token(dot_site["web_tokens"]["refresh_token"])
    )
    assert refresh_token.access_token == access
    assert refresh_token.scope == access.scope == "read write"
    assert access.token_family == refresh_token.token_family is not None
    code = Grant.objects.get()
    assert code.code == hash_token(dot_site["pending_code"]["code"])


def test_a_rerun_imports_nothing_twice(dot_site):
    first = import_dot()
    second = import_dot()
    assert second["applications"] == {**first["applications"], "imported": 0, "existing": 3}
    for section in ("access_tokens", "refresh_tokens", "authorization_codes"):
        assert second[section]["imported"] == 0
        assert second[section]["existing"] == first[section]["imported"] > 0
    assert second["consents"] == {"imported": 0, "existing": first["consents"]["imported"]}
    assert AccessToken.objects.count() == first["access_tokens"]["imported"]


def test_a_rerun_brings_back_no_revoked_token_and_no_deleted_client(dot_site, client):
    """Once the package serves the site, its tables are the truth: a token revoked here is
    deleted from them and a client deleted here is gone, while django-oauth-toolkit's tables
    still hold both. A re-run skips every row an earlier run imported (docs/switching.rst)."""
    first = import_dot()
    web_access = dot_site["web_tokens"]["access_token"]
    assert bearer(client, "/api/scoped/", web_access).status_code == 200
    assert revoke_token(AccessToken.objects.get(token_checksum=hash_token(web_access))) > 0
    assert bearer(client, "/api/scoped/", web_access).status_code == 401
    service = dot_site["service"]
    Application.objects.get(client_id=service["client_id"]).delete()

    second = import_dot()

    answer = bearer(client, "/api/scoped/", web_access)
    assert answer.status_code == 401
    assert 'error="invalid_token"' in answer["WWW-Authenticate"]
    assert not AccessToken.objects.filter(token_checksum=hash_token(web_access)).exists()
    web = dot_site["web"]
    answer = refresh(client, dot_site["web_tokens"]["refresh_token"], web["secret"], web["client_id"])
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"
    assert not Application.objects.filter(client_id=service["client_id"]).exists()
    assert bearer(client, "/api/client-only/", dot_site["service_tokens"]["access_token"]).status_code == 401
    answer = client.post(
        reverse("oauth_provider:token"),
        urlencode({"grant_type": "client_credentials", "scope": "read"}),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic_auth(service["client_id"], service["secret"]),
    )
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    # What the first run imported counts as existing, the deleted client and token included.
    assert second["applications"]["imported"] == 0
    assert second["applications"]["existing"] == first["applications"]["imported"] == 3
    for section in ("access_tokens", "refresh_tokens", "authorization_codes"):
        assert second[section]["imported"] == 0
        assert second[section]["existing"] == first[section]["imported"] > 0
        assert "skipped" not in second[section]
    # The client that stayed keeps working.
    assert bearer(client, "/api/scoped/", dot_site["mobile_tokens"]["access_token"]).status_code == 200


def test_the_import_records_each_row_it_brings_in(dot_site):
    report = import_dot()
    recorded = {
        kind: set(ImportedDotRow.objects.filter(kind=kind).values_list("source_id", flat=True))
        for kind in ("application", "access_token", "refresh_token", "grant")
    }
    assert recorded["application"] == set(Application.objects.values_list("pk", flat=True))
    assert recorded["access_token"] == set(AccessToken.objects.values_list("pk", flat=True))
    assert recorded["refresh_token"] == set(RefreshToken.objects.values_list("pk", flat=True))
    assert len(recorded["grant"]) == report["authorization_codes"]["imported"] == 1
    with connections[SOURCE].cursor() as cursor:
        cursor.execute("SELECT id FROM oauth2_provider_grant WHERE code <> ''")
        source_codes = {row[0] for row in cursor.fetchall()}
    assert recorded["grant"] <= source_codes


def test_rows_imported_before_the_record_existed_are_recorded_on_the_next_run(dot_site, client):
    """An import by an earlier version left no record: the next run finds those rows by
    client id and checksum, counts them as existing and records them, so that they too
    stay revoked or deleted afterwards."""
    first = import_dot()
    ImportedDotRow.objects.all().delete()
    second = import_dot()
    assert second["access_tokens"] == {**first["access_tokens"], "imported": 0, "existing": 3}
    assert ImportedDotRow.objects.count() == first["applications"]["imported"] + 3 + 2 + 1
    web_access = dot_site["web_tokens"]["access_token"]
    revoke_token(AccessToken.objects.get(token_checksum=hash_token(web_access)))
    third = import_dot()
    assert third["access_tokens"]["imported"] == 0
    assert bearer(client, "/api/scoped/", web_access).status_code == 401


def test_an_import_interrupted_mid_batch_resumes(dot_site, monkeypatch):
    """A batch and its record are one transaction: a batch that fails leaves neither, and
    the next run imports it."""
    record = Importer.record
    calls = []

    def failing_record(self, kind, source_ids):
        record(self, kind, source_ids)
        if kind == "access_token":
            calls.append(source_ids)
            if len(calls) == 2:
                raise RuntimeError("interrupted")

    monkeypatch.setattr(Importer, "record", failing_record)
    with pytest.raises(RuntimeError, match="interrupted"):
        import_dot("--batch-size", "1")
    assert AccessToken.objects.count() == 1
    assert ImportedDotRow.objects.filter(kind="access_token").count() == 1
    monkeypatch.setattr(Importer, "record", record)
    rest = import_dot("--batch-size", "1")
    assert rest["applications"]["existing"] == 3
    assert rest["access_tokens"]["existing"] == 1
    assert rest["access_tokens"]["imported"] == 2
    assert rest["refresh_tokens"]["imported"] == 2
    assert AccessToken.objects.count() == ImportedDotRow.objects.filter(kind="access_token").count() == 3


def test_an_interrupted_import_resumes(dot_site):
    """Clients first, in batches of one; the tokens on the next run."""
    partial = import_dot("--without-tokens", "--without-codes", "--without-consents", "--batch-size", "1")
    assert partial["applications"]["imported"] == 3
    assert "access_tokens" not in partial and AccessToken.objects.count() == 0
    rest = import_dot("--batch-size", "1")
    assert rest["applications"]["existing"] == 3
    assert rest["access_tokens"]["imported"] == 3
    assert rest["refresh_tokens"]["imported"] == 2


def test_dry_run_changes_nothing(dot_site):
    report = import_dot("--dry-run")
    assert report["dry_run"] is True
    assert report["applications"]["imported"] == 3
    assert report["access_tokens"]["imported"] == 3
    assert Application.objects.count() == AccessToken.objects.count() == Consent.objects.count() == 0
    assert ImportedDotRow.objects.count() == 0


def test_owners_missing_here_are_reported(dot_site_database, db):
    """A token whose owner is not in this database is skipped, never attached to another."""
    location, held = dot_site_database
    with source_database(location):
        report = import_dot()
    assert report["access_tokens"]["skipped"] == {"owner_missing": 2}
    assert report["refresh_tokens"]["skipped"] == {"owner_missing": 2}
    assert Application.objects.get(client_id=held["web"]["client_id"]).user is None
    assert report["applications"]["owner_missing"] == 1


def test_swapped_tables_are_named_by_options(tmp_path, db, request):
    """A site that swapped django-oauth-toolkit's models has tables of its own names; after
    --redact-source its tables keep no cleartext token."""
    location = fresh_location(tmp_path, "swapped")
    request.addfinalizer(lambda: drop_location(location))
    held = build_dot_site(location)
    for name, pk in held["users"].items():
        User.objects.create_user(name, id=pk)
    renames = {
        "oauth2_provider_application": "accounts_application",
        "oauth2_provider_accesstoken": "accounts_accesstoken",
        "oauth2_provider_refreshtoken": "accounts_refreshtoken",
        "oauth2_provider_grant": "accounts_grant",
    }
    with source_database(location):
        with connections[SOURCE].cursor() as cursor:
            for old, new in renames.items():
                cursor.execute(f"ALTER TABLE {old} RENAME TO {new}")
            # django-oauth-toolkit allows http anywhere; the package only on loopback.
            cursor.execute(
                "UPDATE accounts_application SET redirect_uris = %s WHERE id = %s",
                ["http://partner.example/callback", held["mobile"]["id"]],
            )
        with pytest.raises(CommandError, match="oauth2_provider_application"):
            import_dot()
        report = import_dot(
            "--application-table=accounts_application",
            "--access-token-table=accounts_accesstoken",
            "--refresh-token-table=accounts_refreshtoken",
            "--grant-table=accounts_grant",
            "--redact-source",
        )
        assert report["access_tokens"]["imported"] == 3
        assert report["applications"]["redirect_uris_refused"] == 1
        assert any(held["mobile"]["client_id"] in warning for warning in report["warnings"])
        assert report["source_redacted"] == {"access_tokens": 4, "refresh_tokens": 3}
        with connections[SOURCE].cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM accounts_accesstoken WHERE token <> ''")
            assert cursor.fetchone()[0] == 0
            cursor.execute("SELECT COUNT(*) FROM accounts_refreshtoken WHERE token <> ''")
            assert cursor.fetchone()[0] == 0
    assert bearer_ok(held["web_tokens"]["access_token"])


def bearer_ok(token: str) -> bool:
    from django.test import Client

    return Client().get("/api/scoped/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--batch-size", "0"], "--batch-size must be at least 1"),
        (["--grant-table", "nowhere"], "No table 'nowhere'"),
    ],
)
def test_bad_options_fail_clearly(dot_site, arguments, message):
    with pytest.raises(CommandError, match=message):
        import_dot(*arguments)


def test_unknown_database_alias(db):
    with pytest.raises(CommandError, match="No database 'elsewhere'"):
        call_command("oauth_provider_import_dot", "--source-database", "elsewhere", stdout=io.StringIO())


def test_clients_configured_with_the_old_urls_keep_working(dot_site, client, settings):
    """oauth_provider.dot_urls serves the package at django-oauth-toolkit's paths."""
    settings.ROOT_URLCONF = "tests.dot_compat_urls"
    import_dot()
    web = dot_site["web"]
    answer = client.post(
        "/o/token/",
        urlencode({"grant_type": "refresh_token", "refresh_token": dot_site["web_tokens"]["refresh_token"]}),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic_auth(web["client_id"], web["secret"]),
    )
    assert answer.status_code == 200, answer.content
    new_access_token = answer.json()["access_token"]
    answer = client.post(
        "/o/introspect/",
        urlencode({"token": new_access_token}),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic_auth(web["client_id"], web["secret"]),
    )
    assert answer.status_code == 200 and answer.json()["active"] is True
    answer = client.post(
        "/o/revoke_token/",
        urlencode({"token": new_access_token}),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic_auth(web["client_id"], web["secret"]),
    )
    assert answer.status_code == 200
    assert bearer(client, "/api/scoped/", new_access_token).status_code == 401
    client.force_login(User.objects.get(username="alice"))
    answer = client.get(
        reverse("oauth2_provider:authorize")
        + "?"
        + urlencode(
            {
                "response_type": "code",
                "client_id": web["client_id"],
                "redirect_uri": REDIRECT_URI,
                "scope": "read",
                "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                "code_challenge_method": "S256",
            }
        )
    )
    assert reverse("oauth2_provider:authorize") == "/o/authorize/"
    assert answer.status_code == 302, answer.content
    assert "code" in query_of(answer["Location"])


def test_the_switching_guide_maps_every_django_oauth_toolkit_setting():
    """docs/switching.rst's settings table has a row for each key that E040 reports."""
    from oauth_provider.server.configuration import DOT_EQUIVALENTS, DOT_PASS_THROUGH

    guide = (ROOT / "docs" / "switching.rst").read_text()
    for key in [*DOT_EQUIVALENTS, *DOT_PASS_THROUGH]:
        assert f"\n``{key}`` " in guide, key


def test_migrate_after_dot_has_nothing_to_do_on_a_migrated_database(db):
    """The in-place switch (tests/test_switch_in_place.py) runs it for real; here every
    migration is applied already."""
    out = io.StringIO()
    call_command("oauth_provider_migrate_after_dot", "--plan", stdout=out)
    assert json.loads(out.getvalue()) == {"would_apply": []}
    out = io.StringIO()
    call_command("oauth_provider_migrate_after_dot", stdout=out)
    assert json.loads(out.getvalue()) == {"applied": []}


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ('["https://api.example/"]', ["https://api.example/"]),
        ("[]", []),
        ("", []),
        (b'["https://a.example/", "https://b.example/"]', ["https://a.example/", "https://b.example/"]),
        (["https://api.example/"], ["https://api.example/"]),
        ("https://a.example/ https://b.example/", ["https://a.example/", "https://b.example/"]),
        (None, []),
    ],
)
def test_resource_indicators_are_read_as_django_oauth_toolkit_stores_them(stored, expected):
    """RFC 8707 resources: a JSON array in django-oauth-toolkit's column (jsonb or text)."""
    from oauth_provider.ops.commands.import_dot import resources

    assert resources(stored) == expected
