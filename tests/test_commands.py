"""The ``oauth_provider_*`` management commands: JSON out, effects in the database,
``CommandError`` (non-zero exit) for every mistake."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
    set_token_value,
)

from oauth_provider.core import signals
from oauth_provider.core.hashing import hash_client_secret, hash_token
from oauth_provider.models import get_consent_model
from oauth_provider.storage import maintenance

from .conftest import CLIENT_SECRET, basic_auth, pkce_pair
from .factories import ApplicationFactory, PublicApplicationFactory, UserFactory

Application = get_application_model()
AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
Grant = get_grant_model()
IDToken = get_id_token_model()

COMMANDS = [
    "oauth_provider_activate_signing_key",
    "oauth_provider_clear_expired",
    "oauth_provider_create_client",
    "oauth_provider_create_initial_access_token",
    "oauth_provider_create_signing_key",
    "oauth_provider_disable_client",
    "oauth_provider_import_dot",
    "oauth_provider_list_signing_keys",
    "oauth_provider_migrate_after_dot",
    "oauth_provider_reencrypt_signing_keys",
    "oauth_provider_retire_signing_key",
    "oauth_provider_revoke_tokens",
    "oauth_provider_rotate_keys",
    "oauth_provider_rotate_secret",
]
FIXED_SECRET = "fixed-secret-" + "y" * 40


def run(*args: str, stdin: str | None = None) -> tuple[dict, str]:
    """Run a command as ``manage.py`` would; returns its JSON output and its stderr."""
    out, err = io.StringIO(), io.StringIO()
    extra = {"stdin": io.StringIO(stdin)} if stdin is not None else {}
    call_command(*args, stdout=out, stderr=err, **extra)
    return json.loads(out.getvalue()), err.getvalue()


def fails(*args: str, stdin: str | None = None) -> str:
    """Run a command that must fail; returns its error message."""
    with pytest.raises(CommandError) as raised:
        run(*args, stdin=stdin)
    return str(raised.value)


def client_credentials(flow, client_id: str, secret: str):
    return flow.token({"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic_auth(client_id, secret))


def call_api(flow, access_token: str):
    return flow.api.get("/api/scoped/", HTTP_AUTHORIZATION=f"Bearer {access_token}")


@pytest.fixture
def sent():
    """Names of the client signals sent during a test."""
    events: list[str] = []
    names = ["client_created", "client_secret_rotated", "client_disabled", "token_revoked", "consent_revoked"]
    for name in names:
        getattr(signals, name).connect(
            lambda name=name, **kwargs: events.append(name), weak=False, dispatch_uid=f"cmd-{name}"
        )
    yield events
    for name in names:
        getattr(signals, name).disconnect(dispatch_uid=f"cmd-{name}")


def test_every_command_shares_the_prefix():
    assert sorted(name for name in get_commands() if name.startswith("oauth_provider")) == COMMANDS


def test_a_command_error_exits_non_zero_with_the_message():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run(
        [sys.executable, "-m", "django", "oauth_provider_revoke_tokens"],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "CommandError: Give --client-id, --user, or both." in result.stderr


# --- oauth_provider_create_client --------------------------------------------------------------


@pytest.mark.django_db
def test_create_a_confidential_client_with_every_option(sent):
    maker = UserFactory(username="ops")
    output, _ = run(
        "oauth_provider_create_client",
        "--name", "Bookings web",
        "--client-type", "confidential",
        "--grant-type", "authorization_code",
        "--grant-type", "refresh_token",
        "--redirect-uri", "https://bookings.example/callback",
        "--redirect-uri", "http://127.0.0.1/callback",
        "--scope", "read",
        "--scope", "bookings:read",
        "--allowed-origin", "https://bookings.example",
        "--description", "The bookings site",
        "--homepage-url", "https://bookings.example/",
        "--logo-url", "https://bookings.example/logo.png",
        "--user", "ops",
        "--skip-authorization",
        "--can-introspect-any-token",
    )  # fmt: skip
    application = Application.objects.get()
    secret = output.pop("client_secret")
    assert output == {
        "client_id": application.client_id,
        "client_type": "confidential",
        "name": "Bookings web",
        "grant_types": ["authorization_code", "refresh_token"],
        "redirect_uris": ["https://bookings.example/callback", "http://127.0.0.1/callback"],
        "allowed_scopes": ["read", "bookings:read"],
        "allowed_resources": [],
        "registration_source": "manual",
        "skip_authorization": True,
        "can_introspect_any_token": True,
        "is_active": True,
        "post_logout_redirect_uris": [],
        "first_party": False,
        "algorithm": "",
        "subject_type": "public",
        "sector_identifier": "",
        "token_format": "opaque",
        "access_token_audience": [],
        "require_pushed_authorization_requests": False,
        "dpop_bound_access_tokens": False,
        "token_exchange_audiences": [],
        "access_token_lifetime": None,
        "refresh_token_lifetime": None,
        "refresh_token_absolute_lifetime": None,
        "authorization_code_lifetime": None,
        "created": True,
    }
    assert len(secret) >= 32
    assert application.client_secret == hash_client_secret(secret)
    assert application.description == "The bookings site"
    assert application.homepage_url == "https://bookings.example/"
    assert application.logo_url == "https://bookings.example/logo.png"
    assert application.allowed_origins == "https://bookings.example"
    assert application.user == maker
    assert sent == ["client_created"]


def test_the_printed_secret_works_at_the_token_endpoint(flow):
    output, _ = run("oauth_provider_create_client", "--name", "Nightly", "--grant-type", "client_credentials")
    assert client_credentials(flow, output["client_id"], output["client_secret"]).status_code == 200


def test_create_an_openid_connect_client_with_every_option(openid_connect, settings):
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "PAIRWISE_SUBJECT_KEY": "k" * 32,
        "SIGNING_ALGORITHMS": ["RS256", "ES256"],
    }
    output, _ = run(
        "oauth_provider_create_client",
        "--name", "Staff portal",
        "--redirect-uri", "https://portal.example/signin/callback",
        "--post-logout-redirect-uri", "https://portal.example/signed-out",
        "--post-logout-redirect-uri", "https://portal.example/",
        "--first-party",
        "--algorithm", "ES256",
        "--subject-type", "pairwise",
        "--sector-identifier", "portal.example",
    )  # fmt: skip
    assert output["post_logout_redirect_uris"] == [
        "https://portal.example/signed-out",
        "https://portal.example/",
    ]
    assert output["first_party"] is True
    assert output["algorithm"] == "ES256"
    assert output["subject_type"] == "pairwise"
    assert output["sector_identifier"] == "portal.example"
    application = Application.objects.get()
    assert application.post_logout_redirect_uri_allowed("https://portal.example/signed-out")
    assert not application.post_logout_redirect_uri_allowed("https://portal.example/signed-out/")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--post-logout-redirect-uri", "http://evil.example/bye"], "post_logout_redirect_uris: "),
        (["--subject-type", "pairwise"], "subject_type: Pairwise subjects need"),
        (["--algorithm", "HS256"], "invalid choice: 'HS256'"),
    ],
)
def test_an_invalid_openid_connect_option_is_a_command_error(openid_connect, args, expected):
    message = fails(
        "oauth_provider_create_client", "--name", "Bad", "--redirect-uri", "https://ok.example/cb", *args
    )
    assert expected in message
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_create_a_public_client():
    output, _ = run(
        "oauth_provider_create_client",
        "--name", "Mobile",
        "--client-type", "public",
        "--redirect-uri", "https://app.example/cb",
        "--redirect-uri", "http://127.0.0.1/cb",
    )  # fmt: skip
    assert output["client_secret"] is None
    assert output["client_type"] == "public"
    assert output["grant_types"] == ["authorization_code"]
    assert output["skip_authorization"] is False
    assert Application.objects.get().client_secret == ""


@pytest.mark.django_db
def test_defaults_of_a_new_client():
    output, _ = run(
        "oauth_provider_create_client", "--name", "Web", "--redirect-uri", "https://web.example/cb"
    )
    assert output["client_type"] == "confidential"
    assert output["grant_types"] == ["authorization_code"]
    assert output["allowed_scopes"] == []
    assert output["can_introspect_any_token"] is False


@pytest.mark.django_db
def test_create_with_a_fixed_client_id_and_secret():
    output, _ = run(
        "oauth_provider_create_client",
        "--name", "Provisioned",
        "--grant-type", "client_credentials",
        "--client-id", "reports-service",
        "--client-secret", FIXED_SECRET,
    )  # fmt: skip
    assert output["client_id"] == "reports-service"
    assert output["client_secret"] == FIXED_SECRET
    stored = Application.objects.get(client_id="reports-service").client_secret
    assert stored == hash_client_secret(FIXED_SECRET)


@pytest.mark.django_db
def test_the_secret_can_come_from_standard_input():
    output, _ = run(
        "oauth_provider_create_client",
        "--name", "Provisioned",
        "--grant-type", "client_credentials",
        "--client-secret", "-",
        stdin=FIXED_SECRET + "\n",
    )  # fmt: skip
    assert output["client_secret"] == FIXED_SECRET
    assert Application.objects.get().client_secret == hash_client_secret(FIXED_SECRET)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--redirect-uri", "http://evil.example/cb"], "redirect_uris: "),
        (
            ["--redirect-uri", "https://ok.example/cb", "--scope", "admin"],
            "allowed_scopes: Unknown scopes: admin",
        ),
        (
            ["--client-type", "public", "--grant-type", "client_credentials"],
            "grant_types: A public client cannot use client_credentials",
        ),
        (["--grant-type", "authorization_code"], "redirect_uris: The authorization code and implicit grants"),
        (["--grant-type", "client_credentials", "--homepage-url", "not a url"], "homepage_url: "),
        (
            ["--grant-type", "client_credentials", "--allowed-origin", "https://spa.example/"],
            "allowed_origins: 'https://spa.example/' has a path, query or fragment",
        ),
    ],
)
@pytest.mark.django_db
def test_an_invalid_client_is_a_command_error_naming_the_field(args, expected, sent):
    message = fails("oauth_provider_create_client", "--name", "Bad", *args)
    assert message.startswith("The client is not valid:")
    assert expected in message
    assert not Application.objects.exists()
    assert sent == []


@pytest.mark.django_db
def test_every_invalid_field_is_listed():
    message = fails(
        "oauth_provider_create_client",
        "--name", "Bad",
        "--client-type", "public",
        "--grant-type", "client_credentials",
        "--redirect-uri", "http://evil.example/cb",
        "--scope", "admin",
    )  # fmt: skip
    lines = message.splitlines()[1:]
    assert [line.split(":")[0].strip() for line in lines] == [
        "grant_types",
        "redirect_uris",
        "allowed_scopes",
    ]


@pytest.mark.django_db
def test_a_duplicate_client_id_is_a_command_error():
    ApplicationFactory(client_id="taken")
    message = fails(
        "oauth_provider_create_client", "--name", "Again", "--client-id", "taken",
        "--grant-type", "client_credentials",
    )  # fmt: skip
    assert "client_id: " in message
    assert "already exists" in message
    assert Application.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "--name is required"),
        (["--name", "X", "--client-secret", "short"], "--client-secret must be at least 32 characters"),
        (
            ["--name", "X", "--client-secret", hash_client_secret("x")],
            "--client-secret looks like a password hash",
        ),
        (
            ["--name", "X", "--client-type", "public", "--client-secret", FIXED_SECRET],
            "--client-secret is for confidential clients",
        ),
        (["--name", "X", "--user", "nobody"], "No user with username 'nobody'."),
        (["--name", "X", "--grant-type", "device_code"], "invalid choice: 'device_code'"),
    ],
)
@pytest.mark.django_db
def test_bad_options_are_command_errors(args, expected):
    assert expected in fails("oauth_provider_create_client", "--grant-type", "client_credentials", *args)
    assert not Application.objects.exists()


@pytest.fixture
def provisioned(db):
    output, _ = run(
        "oauth_provider_create_client",
        "--name", "Reports",
        "--grant-type", "client_credentials",
        "--client-id", "reports",
        "--client-secret", FIXED_SECRET,
    )  # fmt: skip
    return Application.objects.get(client_id="reports")


def test_update_if_exists_sets_the_given_fields_and_prints_no_secret(provisioned, sent):
    output, _ = run(
        "oauth_provider_create_client",
        "--update-if-exists",
        "--client-id", "reports",
        "--scope", "read",
        "--description", "Nightly reports",
        "--can-introspect-any-token",
    )  # fmt: skip
    assert "client_secret" not in output
    assert output["created"] is False
    assert output["changed"] == ["allowed_scopes", "can_introspect_any_token", "description"]
    assert output["name"] == "Reports"
    provisioned.refresh_from_db()
    assert provisioned.allowed_scopes == "read"
    assert provisioned.description == "Nightly reports"
    assert provisioned.can_introspect_any_token is True
    assert provisioned.client_secret == hash_client_secret(FIXED_SECRET)
    assert sent == []


def test_update_if_exists_is_idempotent(provisioned):
    args = [
        "oauth_provider_create_client", "--update-if-exists", "--client-id", "reports",
        "--name", "Reports", "--grant-type", "client_credentials", "--client-secret", FIXED_SECRET,
    ]  # fmt: skip
    output, _ = run(*args)
    assert output["changed"] == []
    assert output["client_secret"] == FIXED_SECRET
    assert Application.objects.count() == 1


def test_update_if_exists_rotates_a_changed_secret(flow, provisioned, sent):
    new_secret = "rotated-secret-" + "z" * 40
    output, _ = run(
        "oauth_provider_create_client", "--update-if-exists", "--client-id", "reports",
        "--client-secret", new_secret,
    )  # fmt: skip
    assert output["changed"] == ["client_secret"]
    assert output["client_secret"] == new_secret
    assert sent == ["client_secret_rotated"]
    assert client_credentials(flow, "reports", new_secret).status_code == 200
    # The previous secret keeps working for the grace period, as with any rotation.
    assert client_credentials(flow, "reports", FIXED_SECRET).status_code == 200


def test_update_if_exists_can_turn_a_flag_off(provisioned):
    Application.objects.filter(pk=provisioned.pk).update(skip_authorization=True)
    output, _ = run(
        "oauth_provider_create_client", "--update-if-exists", "--client-id", "reports",
        "--no-skip-authorization",
    )  # fmt: skip
    assert output["changed"] == ["skip_authorization"]
    provisioned.refresh_from_db()
    assert provisioned.skip_authorization is False


def test_update_if_exists_validates(provisioned):
    message = fails(
        "oauth_provider_create_client", "--update-if-exists", "--client-id", "reports", "--scope", "admin"
    )
    assert "allowed_scopes: Unknown scopes: admin" in message
    provisioned.refresh_from_db()
    assert provisioned.allowed_scopes == ""


def test_update_if_exists_cannot_change_the_client_type(provisioned):
    message = fails(
        "oauth_provider_create_client", "--update-if-exists", "--client-id", "reports",
        "--client-type", "public",
    )  # fmt: skip
    assert "cannot change the client type" in message
    provisioned.refresh_from_db()
    assert provisioned.client_type == "confidential"


@pytest.mark.django_db
def test_update_if_exists_creates_a_missing_client(sent):
    output, _ = run(
        "oauth_provider_create_client", "--update-if-exists", "--client-id", "new-one", "--name", "New",
        "--grant-type", "client_credentials",
    )  # fmt: skip
    assert output["created"] is True
    assert output["client_id"] == "new-one"
    assert output["client_secret"]
    assert sent == ["client_created"]


# --- oauth_provider_rotate_secret --------------------------------------------------------------


def test_rotate_secret_prints_the_new_secret_and_the_end_of_the_grace_period(flow, confidential_client):
    before = timezone.now()
    output, _ = run(
        "oauth_provider_rotate_secret", "--client-id", confidential_client.client_id, "--grace-seconds", "600"
    )
    assert set(output) == {"client_id", "client_secret", "previous_secret_valid_until"}
    assert output["client_id"] == confidential_client.client_id
    valid_until = timezone.datetime.fromisoformat(output["previous_secret_valid_until"])
    assert before + timedelta(seconds=599) < valid_until <= timezone.now() + timedelta(seconds=600)
    confidential_client.refresh_from_db()
    assert confidential_client.client_secret == hash_client_secret(output["client_secret"])
    assert confidential_client.previous_client_secret == hash_client_secret(CLIENT_SECRET)


def test_rotate_secret_without_grace(flow):
    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    output, _ = run("oauth_provider_rotate_secret", "--client-id", service.client_id, "--grace-seconds", "0")
    assert output["previous_secret_valid_until"] is None
    assert client_credentials(flow, service.client_id, CLIENT_SECRET).status_code == 401
    assert client_credentials(flow, service.client_id, output["client_secret"]).status_code == 200


def test_rotate_secret_with_a_fixed_secret(flow):
    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    output, _ = run(
        "oauth_provider_rotate_secret", "--client-id", service.client_id, "--secret", FIXED_SECRET
    )
    assert output["client_secret"] == FIXED_SECRET
    assert client_credentials(flow, service.client_id, FIXED_SECRET).status_code == 200
    assert client_credentials(flow, service.client_id, CLIENT_SECRET).status_code == 200


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--client-id", "nope"], "No client with client_id 'nope'."),
        (["--client-id", "public-app"], "Client 'public-app' is public; it has no secret to rotate."),
        (["--client-id", "web", "--grace-seconds", "-1"], "--grace-seconds must be 0 or more."),
        (["--client-id", "web", "--secret", "short"], "--secret must be at least 32 characters"),
        ([], "the following arguments are required: --client-id"),
    ],
)
@pytest.mark.django_db
def test_rotate_secret_errors(args, expected, sent):
    web = ApplicationFactory(client_id="web")
    PublicApplicationFactory(client_id="public-app")
    assert expected in fails("oauth_provider_rotate_secret", *args)
    web.refresh_from_db()
    assert web.client_secret == hash_client_secret(CLIENT_SECRET)
    assert sent == []


# --- oauth_provider_revoke_tokens --------------------------------------------------------------


@pytest.fixture
def two_owners_two_clients(flow, owner):
    """Tokens (access + refresh) for two owners at each of two clients."""
    first, second = ApplicationFactory(), ApplicationFactory()
    other = UserFactory()
    for user in (owner, other):
        flow.browser.force_login(user)
        for client in (first, second):
            flow.tokens_for(client)
    return first, second, owner, other


def live(application=None, user=None) -> int:
    filters = {key: value for key, value in {"application": application, "user": user}.items() if value}
    return (
        AccessToken.objects.filter(**filters).count()
        + RefreshToken.objects.filter(revoked__isnull=True, **filters).count()
    )


def test_revoke_a_clients_tokens(two_owners_two_clients, sent):
    first, second, owner, other = two_owners_two_clients
    output, _ = run("oauth_provider_revoke_tokens", "--client-id", first.client_id)
    assert output == {"revoked": 4}
    assert live(first) == 0
    assert live(second) == 4
    assert sent == ["token_revoked"]


def test_revoke_a_users_tokens_at_every_client(two_owners_two_clients, sent):
    first, second, owner, other = two_owners_two_clients
    ApplicationFactory()  # holds none of the user's tokens: not touched, not signalled
    output, _ = run("oauth_provider_revoke_tokens", "--user", owner.username)
    assert output == {"revoked": 4}
    assert live(user=owner) == 0
    assert live(user=other) == 4
    assert sent == ["token_revoked", "token_revoked"]
    assert get_consent_model().objects.filter(revoked__isnull=False).count() == 0


def test_revoke_a_users_tokens_at_one_client(two_owners_two_clients):
    first, second, owner, other = two_owners_two_clients
    output, _ = run("oauth_provider_revoke_tokens", "--client-id", first.client_id, "--user", owner.username)
    assert output == {"revoked": 2}
    assert live(first, owner) == 0
    assert live(second, owner) == 2
    assert live(first, other) == 2


def test_revoke_with_consents(two_owners_two_clients, sent):
    first, second, owner, other = two_owners_two_clients
    output, _ = run("oauth_provider_revoke_tokens", "--user", owner.username, "--consents")
    assert output == {"revoked": 4, "consents_revoked": 2}
    assert set(get_consent_model().objects.filter(revoked__isnull=False).values_list("user", flat=True)) == {
        owner.pk
    }
    assert get_consent_model().objects.filter(user=other, revoked__isnull=True).count() == 2
    assert sorted(sent) == ["consent_revoked"] * 2 + ["token_revoked"] * 2


def test_revoke_a_clients_consents(two_owners_two_clients):
    first, second, owner, other = two_owners_two_clients
    output, _ = run("oauth_provider_revoke_tokens", "--client-id", first.client_id, "--consents")
    assert output == {"revoked": 4, "consents_revoked": 2}
    assert set(
        get_consent_model().objects.filter(revoked__isnull=False).values_list("application", flat=True)
    ) == {first.pk}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "Give --client-id, --user, or both."),
        (["--consents"], "Give --client-id, --user, or both."),
        (["--client-id", "nope"], "No client with client_id 'nope'."),
        (["--user", "nobody"], "No user with username 'nobody'."),
    ],
)
def test_revoke_errors(two_owners_two_clients, args, expected):
    assert fails("oauth_provider_revoke_tokens", *args) == expected
    assert live() == 8


# --- oauth_provider_disable_client -------------------------------------------------------------


def test_disable_a_client(flow, confidential_client, sent):
    tokens = flow.tokens_for(confidential_client, scope="read")
    output, _ = run("oauth_provider_disable_client", "--client-id", confidential_client.client_id)
    assert output == {"client_id": confidential_client.client_id, "is_active": False, "changed": True}
    confidential_client.refresh_from_db()
    assert confidential_client.is_active is False
    assert call_api(flow, tokens["access_token"]).status_code == 401
    assert sent == ["client_disabled"]


def test_disabling_twice_changes_nothing_the_second_time(confidential_client, sent):
    run("oauth_provider_disable_client", "--client-id", confidential_client.client_id)
    output, _ = run("oauth_provider_disable_client", "--client-id", confidential_client.client_id)
    assert output["changed"] is False
    assert sent == ["client_disabled"]


@pytest.mark.django_db
def test_disable_an_unknown_client():
    assert fails("oauth_provider_disable_client", "--client-id", "nope") == "No client with client_id 'nope'."


# --- oauth_provider_clear_expired --------------------------------------------------------------

LIFETIME = 30 * 24 * 3600  # REFRESH_TOKEN_EXPIRE_SECONDS's default


def make_access_token(application, user, expires):
    token = AccessToken(application=application, user=user, expires=expires, scope="read")
    set_token_value(token, uuid.uuid4().hex)
    token.save()
    return token


def make_refresh_token(application, user, *, created, access_token=None, revoked=None):
    token = RefreshToken(application=application, user=user, access_token=access_token, scope="read")
    set_token_value(token, uuid.uuid4().hex)
    token.save()
    RefreshToken.objects.filter(pk=token.pk).update(created=created, revoked=revoked)
    return token


def make_grant(application, user, *, expires, consumed=None):
    return Grant.objects.create(
        application=application,
        user=user,
        code=hash_token(uuid.uuid4().hex),
        expires=expires,
        consumed=consumed,
        redirect_uri=application.redirect_uri_list[0],
        scope="read",
    )


@pytest.fixture
def rows(confidential_client, owner):
    """One row of each kind on each side of the rules, keyed by what should happen to it."""
    now = timezone.now()
    app, user = confidential_client, owner
    day = timedelta(days=1)
    old = now - timedelta(seconds=LIFETIME) - day
    bound_live = make_access_token(app, user, now - timedelta(hours=1))
    bound_old = make_access_token(app, user, old + timedelta(hours=1))
    # A refresh ends its access token (it expires) and revokes the refresh token, which
    # still points at it.
    rotated_out = make_access_token(app, user, now - timedelta(hours=2))
    return {
        "delete": {
            "access": [make_access_token(app, user, now - timedelta(minutes=1)), bound_old, rotated_out],
            "refresh": [
                make_refresh_token(app, user, created=old, access_token=bound_old),
                make_refresh_token(app, user, created=old, revoked=old + day),
            ],
            "grant": [
                make_grant(app, user, expires=now - timedelta(minutes=1)),
                make_grant(
                    app, user, expires=now - timedelta(minutes=11), consumed=now - timedelta(minutes=12)
                ),
            ],
        },
        "keep": {
            "access": [make_access_token(app, user, now + timedelta(minutes=5)), bound_live],
            "refresh": [
                make_refresh_token(app, user, created=now - day, access_token=bound_live),
                # Revoked (rotated) but young: a replay of it must still revoke its family.
                make_refresh_token(
                    app, user, created=now - day, access_token=rotated_out, revoked=now - timedelta(hours=2)
                ),
            ],
            "grant": [
                make_grant(app, user, expires=now + timedelta(seconds=30)),
                make_grant(
                    app, user, expires=now - timedelta(minutes=5), consumed=now - timedelta(minutes=6)
                ),
                make_grant(app, user, expires=now + timedelta(seconds=30), consumed=now),
            ],
        },
    }


def pks(rows_by_kind, kind):
    return {row.pk for row in rows_by_kind[kind]}


MODELS = {"access": AccessToken, "refresh": RefreshToken, "grant": Grant}


def test_clear_expired_deletes_exactly_the_expired_rows(rows):
    output, _ = run("oauth_provider_clear_expired")
    assert output == {
        "deleted": {
            "refresh_tokens": 2,
            "access_tokens": 3,
            "id_tokens": 0,
            "grants": 2,
            "device_authorizations": 0,
            "pushed_authorization_requests": 0,
        }
    }
    for kind, model in MODELS.items():
        assert set(model.objects.values_list("pk", flat=True)) == pks(rows["keep"], kind), kind
    rotated = RefreshToken.objects.get(revoked__isnull=False)
    assert rotated.access_token_id is None


def test_clear_expired_dry_run_deletes_nothing(rows):
    output, _ = run("oauth_provider_clear_expired", "--dry-run")
    assert output == {
        "would_delete": {
            "refresh_tokens": 2,
            "access_tokens": 3,
            "id_tokens": 0,
            "grants": 2,
            "device_authorizations": 0,
            "pushed_authorization_requests": 0,
        }
    }
    for kind, model in MODELS.items():
        assert model.objects.count() == len(rows["keep"][kind]) + len(rows["delete"][kind])


def test_clear_expired_works_in_batches(confidential_client, owner):
    expired = timezone.now() - timedelta(minutes=1)
    for _ in range(7):
        make_access_token(confidential_client, owner, expired)
    output, progress = run("oauth_provider_clear_expired", "--batch-size", "3")
    assert output["deleted"]["access_tokens"] == 7
    assert progress.splitlines() == [
        "access_tokens: deleted 3 (3 so far)",
        "access_tokens: deleted 3 (6 so far)",
        "access_tokens: deleted 1 (7 so far)",
    ]
    assert not AccessToken.objects.exists()


def test_without_a_refresh_token_lifetime_no_refresh_token_is_deleted(rows, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "REFRESH_TOKEN_EXPIRE_SECONDS": None}
    output, progress = run("oauth_provider_clear_expired")
    assert output["deleted"]["refresh_tokens"] == 0
    assert output["deleted"]["access_tokens"] == 2  # bound_old is still pointed at by a live one
    assert "REFRESH_TOKEN_EXPIRE_SECONDS is not set" in progress
    assert RefreshToken.objects.count() == 4


@pytest.mark.parametrize(
    ("args", "expected"), [(["--batch-size", "0"], "--batch-size"), (["--pause", "-1"], "--pause")]
)
@pytest.mark.django_db
def test_clear_expired_errors(args, expected):
    assert fails("oauth_provider_clear_expired", *args).startswith(expected)


def test_refreshing_still_works_after_clearing(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    AccessToken.objects.update(expires=timezone.now() - timedelta(minutes=1))
    run("oauth_provider_clear_expired")
    response = flow.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
    )
    assert response.status_code == 200, response.content


def test_a_rotated_refresh_token_replayed_after_clearing_still_revokes_its_family(flow, confidential_client):
    first = flow.tokens_for(confidential_client)
    auth = basic_auth(confidential_client.client_id, CLIENT_SECRET)
    second = flow.token({"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
                        HTTP_AUTHORIZATION=auth).json()  # fmt: skip
    run("oauth_provider_clear_expired")
    replay = flow.token({"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
                        HTTP_AUTHORIZATION=auth)  # fmt: skip
    assert replay.json()["error"] == "invalid_grant"
    assert call_api(flow, second["access_token"]).status_code == 401


def test_a_code_replayed_after_clearing_still_revokes_what_it_issued(flow, confidential_client):
    verifier, challenge = pkce_pair()
    code = flow.get_code(confidential_client, challenge=challenge)["code"]
    tokens = flow.exchange(confidential_client, code, verifier=verifier).json()
    Grant.objects.update(expires=timezone.now() - timedelta(minutes=5))
    run("oauth_provider_clear_expired")
    replay = flow.exchange(confidential_client, code, verifier=verifier)
    assert replay.json()["error"] == "invalid_grant"
    assert call_api(flow, tokens["access_token"]).status_code == 401


# --- maintenance: the boundaries ----------------------------------------------------------------


def test_the_boundaries_match_the_validators_expiry_rules(confidential_client, owner):
    now = timezone.now()
    app, user = confidential_client, owner
    cutoff = now - timedelta(seconds=LIFETIME)
    second = timedelta(seconds=1)
    retention = maintenance.CONSUMED_CODE_RETENTION
    # Access tokens expire when now >= expires; refresh tokens when created + lifetime <= now.
    access_at, access_after = make_access_token(app, user, now), make_access_token(app, user, now + second)
    refresh_at = make_refresh_token(app, user, created=cutoff)
    refresh_after = make_refresh_token(app, user, created=cutoff + second)
    grant_at = make_grant(app, user, expires=now)
    consumed_at = make_grant(app, user, expires=now - retention, consumed=now - retention - second)
    consumed_after = make_grant(app, user, expires=now - retention + second, consumed=now - retention)

    counts = maintenance.clear_expired(now=now)

    assert counts == {
        "refresh_tokens": 1,
        "access_tokens": 1,
        "id_tokens": 0,
        "grants": 2,
        "device_authorizations": 0,
        "pushed_authorization_requests": 0,
    }
    assert set(AccessToken.objects.values_list("pk", flat=True)) == {access_after.pk}
    assert set(RefreshToken.objects.values_list("pk", flat=True)) == {refresh_after.pk}
    assert set(Grant.objects.values_list("pk", flat=True)) == {consumed_after.pk}
    assert not Grant.objects.filter(pk__in=[grant_at.pk, consumed_at.pk]).exists()
    assert access_at.pk not in AccessToken.objects.values_list("pk", flat=True)
    assert refresh_at.pk not in RefreshToken.objects.values_list("pk", flat=True)


def test_expired_id_tokens_are_deleted_unless_an_access_token_points_at_them(confidential_client, owner):
    now = timezone.now()
    expired = now - timedelta(minutes=1)
    orphan = IDToken.objects.create(application=confidential_client, user=owner, expires=expired)
    bound = IDToken.objects.create(application=confidential_client, user=owner, expires=expired)
    live = IDToken.objects.create(
        application=confidential_client, user=owner, expires=now + timedelta(hours=1)
    )
    access = make_access_token(confidential_client, owner, now + timedelta(hours=1))
    AccessToken.objects.filter(pk=access.pk).update(id_token=bound)

    counts = maintenance.clear_expired(now=now)

    assert counts["id_tokens"] == 1
    assert set(IDToken.objects.values_list("pk", flat=True)) == {bound.pk, live.pk}
    assert not IDToken.objects.filter(pk=orphan.pk).exists()
    assert AccessToken.objects.filter(pk=access.pk).exists()


def test_delete_in_batches_reports_each_batch(confidential_client, owner):
    expired = timezone.now() - timedelta(minutes=1)
    for _ in range(4):
        make_access_token(confidential_client, owner, expired)
    seen = []
    total = maintenance.delete_in_batches(
        AccessToken.objects.all(), 2, label="access", progress=lambda *args: seen.append(args)
    )
    assert total == 4
    assert seen == [("access", 2, 2), ("access", 2, 4)]


@pytest.mark.django_db
def test_delete_in_batches_refuses_an_empty_batch():
    with pytest.raises(ValueError):
        maintenance.delete_in_batches(AccessToken.objects.all(), 0)


@pytest.mark.django_db
def test_create_client_takes_resources_rfc8707(settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "RESOURCES": ["https://api.example/mcp"]}
    output, _ = run(
        "oauth_provider_create_client", "--name", "Agent", "--client-type", "public",
        "--redirect-uri", "http://127.0.0.1/cb", "--resource", "https://api.example/mcp",
    )  # fmt: skip
    assert output["allowed_resources"] == ["https://api.example/mcp"]
    assert Application.objects.get().allowed_resources == "https://api.example/mcp"
    message = fails(
        "oauth_provider_create_client", "--name", "Agent 2", "--client-type", "public",
        "--redirect-uri", "http://127.0.0.1/cb", "--resource", "https://elsewhere.example/",
    )  # fmt: skip
    assert "allowed_resources: https://elsewhere.example/ is not in OAUTH_PROVIDER['RESOURCES']" in message
