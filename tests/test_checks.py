"""System checks: each misconfiguration is reported with its stable id, and the test settings are clean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks as django_checks
from django.test import override_settings
from oauth2_provider.settings import oauth2_settings

from oauth_provider.checks import (
    check_clients_of_disabled_grants,
    check_deploy,
    check_django_oauth_toolkit_settings,
    check_issuer,
    check_legacy_grants,
    check_middleware,
    check_pooler,
    check_scopes_and_grants,
    check_sqlite,
    sqlite_problems,
)
from oauth_provider.server import configuration as dot

from .factories import ApplicationFactory

ROOT = Path(__file__).resolve().parent.parent


def ids(messages) -> list[str]:
    return [message.id for message in messages]


@pytest.fixture
def dot_state():
    """Snapshot and restore what configure_django_oauth_toolkit() remembers between calls."""
    conflicts = list(dot._conflicts)
    dot._conflicts.clear()
    yield
    dot._conflicts[:] = conflicts
    oauth2_settings.reload()


# --- silent on the test settings ------------------------------------------------------------


def test_the_test_settings_pass_every_check(dot_state):
    assert check_django_oauth_toolkit_settings(None) == []
    assert check_scopes_and_grants(None) == []
    assert check_middleware(None) == []


def test_manage_py_check_is_clean():
    """A fresh process, so nothing another test changed can hide or cause a message."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "oauth_provider." not in result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_checks_are_registered():
    registered = {
        check.__name__ for check in django_checks.registry.registry.get_checks(include_deployment_checks=True)
    }
    assert {
        "check_django_oauth_toolkit_settings",
        "check_scopes_and_grants",
        "check_middleware",
        "check_deploy",
        "check_legacy_grants",
        "check_clients_of_disabled_grants",
    } <= registered


# --- E001: django-oauth-toolkit settings written by the site ------------------------------


def test_e001_reports_a_conflicting_setting(monkeypatch):
    monkeypatch.setattr(dot, "_conflicts", ["OAUTH2_PROVIDER", "OAUTH2_PROVIDER_APPLICATION_MODEL"])
    messages = check_django_oauth_toolkit_settings(None)
    assert ids(messages) == ["oauth_provider.E001", "oauth_provider.E001"]
    assert messages[0].level == django_checks.ERROR
    assert messages[0].msg == (
        "OAUTH2_PROVIDER is set, but oauth_provider configures django-oauth-toolkit itself."
    )
    assert "OAUTH2_PROVIDER_APPLICATION_MODEL" in messages[1].msg
    assert "OAUTH_PROVIDER" in messages[0].hint


def test_e001_when_the_site_sets_oauth2_provider(dot_state):
    with override_settings(OAUTH2_PROVIDER={"ACCESS_TOKEN_EXPIRE_SECONDS": 36000}):
        dot.configure_django_oauth_toolkit()
        messages = check_django_oauth_toolkit_settings(None)
        # ours win: the site's value is replaced, and reported
        assert oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS == 3600
    assert ids(messages) == ["oauth_provider.E001"]
    assert messages[0].msg.startswith("OAUTH2_PROVIDER is set")


def test_e001_when_the_site_swaps_a_model_itself(dot_state):
    with override_settings(OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL="oauth2_provider.AccessToken"):
        dot.configure_django_oauth_toolkit()
        messages = check_django_oauth_toolkit_settings(None)
    assert ids(messages) == ["oauth_provider.E001"]
    assert messages[0].msg.startswith("OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL is set")


def test_reconfiguring_does_not_report_our_own_settings(dot_state):
    dot.configure_django_oauth_toolkit()
    dot.configure_django_oauth_toolkit()
    assert check_django_oauth_toolkit_settings(None) == []


def test_changing_oauth_provider_in_a_test_does_not_cause_e001(dot_state):
    """override_settings restores the earlier OAUTH2_PROVIDER dict; that dict is ours too."""
    with override_settings(OAUTH_PROVIDER={"ACCESS_TOKEN_EXPIRE_SECONDS": 120}):
        assert check_django_oauth_toolkit_settings(None) == []
    assert check_django_oauth_toolkit_settings(None) == []


# --- E002, E003: scopes and grant types ---------------------------------------------------

BAD_SCOPES = [
    # (SCOPES, the names the message lists)
    ({"read data": "Read"}, ["read data"]),
    ({'say"hi': "Quote"}, ['say"hi']),
    ({"back\\slash": "Backslash", "read": "Read"}, ["back\\slash"]),
    ({"": "Empty"}, [""]),
    ({}, ["<none>"]),
]


@pytest.mark.parametrize(("scopes", "bad"), BAD_SCOPES)
def test_e002_bad_scope_names(settings, scopes, bad):
    settings.OAUTH_PROVIDER = {"SCOPES": scopes, "DEFAULT_SCOPES": ["__all__"]}
    messages = check_scopes_and_grants(None)
    assert ids(messages) == ["oauth_provider.E002"]
    assert messages[0].level == django_checks.ERROR
    assert messages[0].msg.endswith(f"bad: {bad}.")


def test_e002_scopes_given_as_a_list(settings):
    """A list instead of a dict is a configuration mistake to report, not a crash."""
    settings.OAUTH_PROVIDER = {"SCOPES": ["read", "write"]}
    messages = check_scopes_and_grants(None)
    assert ids(messages) == ["oauth_provider.E002"]
    assert messages[0].msg.endswith("bad: ['<none>'].")


def test_e003_unknown_default_scope(settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "DEFAULT_SCOPES": ["read", "profile"]}
    messages = check_scopes_and_grants(None)
    assert ids(messages) == ["oauth_provider.E003"]
    assert messages[0].msg == "Unknown default scopes ['profile'] or grant types []."
    assert "DEFAULT_SCOPES must name keys of SCOPES" in messages[0].hint


def test_e003_unknown_grant_type(settings):
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "GRANT_TYPES": ["authorization_code", "urn:ietf:params:oauth:grant-type:jwt-bearer"],
    }
    messages = check_scopes_and_grants(None)
    assert ids(messages) == ["oauth_provider.E003"]
    assert messages[0].msg == (
        "Unknown default scopes [] or grant types ['urn:ietf:params:oauth:grant-type:jwt-bearer']."
    )


def test_e002_and_e003_together(settings):
    settings.OAUTH_PROVIDER = {"SCOPES": {"a b": "x"}, "DEFAULT_SCOPES": ["c"]}
    assert ids(check_scopes_and_grants(None)) == ["oauth_provider.E002", "oauth_provider.E003"]


def test_narrower_valid_grant_types_are_fine(settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "GRANT_TYPES": ["authorization_code"]}
    assert check_scopes_and_grants(None) == []


# --- E004 to E006: middleware the authorization endpoint needs -----------------------------

MIDDLEWARE = [
    ("django.contrib.sessions.middleware.SessionMiddleware", "oauth_provider.E004"),
    ("django.contrib.auth.middleware.AuthenticationMiddleware", "oauth_provider.E005"),
    ("django.middleware.csrf.CsrfViewMiddleware", "oauth_provider.E006"),
]


@pytest.mark.parametrize(("path", "check_id"), MIDDLEWARE)
def test_missing_middleware(settings, path, check_id):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != path]
    messages = check_middleware(None)
    assert ids(messages) == [check_id]
    assert messages[0].level == django_checks.ERROR
    assert messages[0].msg.startswith(f"{path} is not in MIDDLEWARE")
    assert messages[0].hint == f"Add {path!r} to MIDDLEWARE."


def test_all_middleware_missing(settings):
    settings.MIDDLEWARE = []
    assert ids(check_middleware(None)) == [
        "oauth_provider.E004",
        "oauth_provider.E005",
        "oauth_provider.E006",
    ]


# --- W001 to W004 and W006: deployment checks ------------------------------------------------------


@pytest.fixture
def deployable(settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "ISSUER": "https://auth.example"}
    return settings


def test_deploy_checks_are_silent_on_a_good_configuration(deployable):
    assert check_deploy(None) == []


@pytest.mark.parametrize("issuer", [None, ""])
def test_w001_issuer_is_not_set(settings, issuer):
    """RFC 8414 §2: without ISSUER, the issuer comes from the Host header."""
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "ISSUER": issuer}
    messages = check_deploy(None)
    assert ids(messages) == ["oauth_provider.W001"]
    assert messages[0].level == django_checks.WARNING
    assert "not set" in messages[0].msg


@pytest.mark.parametrize(
    "issuer",
    [
        "auth.example",
        "https://auth.example/?tenant=1",
        "https://auth.example/#top",
        "https://user:pw@auth.example",
        "ftp://auth.example",
        "https://auth.example:99999",
        "https://",
    ],
)
def test_e007_an_issuer_with_a_query_fragment_or_no_host_is_an_error(settings, issuer):
    """RFC 8414 §2: an https URL with no query or fragment; an error stops runserver and migrate."""
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "ISSUER": issuer}
    messages = check_issuer(None)
    assert ids(messages) == ["oauth_provider.E007"]
    assert messages[0].level == django_checks.ERROR


@pytest.mark.parametrize(
    ("issuer", "debug", "expected"),
    [
        ("http://auth.example", False, ["oauth_provider.W007"]),
        ("HTTP://auth.example", False, ["oauth_provider.W007"]),
        ("http://127.0.0.1:8000", True, []),
        ("https://auth.example", False, []),
        ("HTTPS://Auth.Example/", False, []),
        ("https://example.com/tenant", False, []),
    ],
)
def test_w007_an_http_issuer_while_debug_is_off(settings, issuer, debug, expected):
    """Checked by ``manage.py check`` itself, not only with --deploy."""
    settings.DEBUG = debug
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "ISSUER": issuer}
    assert ids(check_issuer(None)) == expected


def test_w002_plain_pkce_allowed(deployable):
    deployable.OAUTH_PROVIDER = {**deployable.OAUTH_PROVIDER, "PKCE_PLAIN_ALLOWED": True}
    assert ids(check_deploy(None)) == ["oauth_provider.W002"]


LIFETIMES = [
    ("AUTHORIZATION_CODE_EXPIRE_SECONDS", 600, "oauth_provider.W003"),
    ("ACCESS_TOKEN_EXPIRE_SECONDS", 24 * 3600, "oauth_provider.W004"),
    ("ACCESS_TOKEN_CACHE_SECONDS", 60, "oauth_provider.W006"),
]


@pytest.mark.parametrize(("name", "limit", "check_id"), LIFETIMES)
def test_long_lifetimes(deployable, name, limit, check_id):
    deployable.OAUTH_PROVIDER = {**deployable.OAUTH_PROVIDER, name: limit}
    assert check_deploy(None) == []
    deployable.OAUTH_PROVIDER = {**deployable.OAUTH_PROVIDER, name: limit + 1}
    messages = check_deploy(None)
    assert ids(messages) == [check_id]
    assert messages[0].msg == f"{name} is {limit + 1} s, longer than {limit} s."


def test_deploy_checks_are_registered_as_deploy_only():
    normal = {check.__name__ for check in django_checks.registry.registry.get_checks()}
    assert "check_deploy" not in normal


# --- W005: active clients on the legacy grants ----------------------------------------------


@pytest.mark.django_db
def test_w005_active_client_with_the_password_grant():
    client = ApplicationFactory(grant_types="password")
    messages = check_legacy_grants(None, databases=["default"])
    assert ids(messages) == ["oauth_provider.W005"]
    assert messages[0].level == django_checks.WARNING
    assert messages[0].msg == (
        f"Active clients use the password grant, which RFC 9700 says must not be used: {[client.client_id]}."
    )


@pytest.mark.django_db
def test_w005_active_client_with_the_implicit_grant():
    ApplicationFactory(grant_types="authorization_code implicit")
    messages = check_legacy_grants(None, databases=["default"])
    assert ids(messages) == ["oauth_provider.W005"]
    assert "implicit grant" in messages[0].msg


@pytest.mark.django_db
def test_w005_is_silent_for_modern_clients_and_inactive_ones():
    ApplicationFactory(grant_types="authorization_code refresh_token client_credentials")
    ApplicationFactory(grant_types="password", is_active=False)
    assert check_legacy_grants(None, databases=["default"]) == []


@pytest.mark.django_db
def test_w005_is_silent_when_the_site_turned_the_grant_off(settings):
    ApplicationFactory(grant_types="password")
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "GRANT_TYPES": ["authorization_code"]}
    assert check_legacy_grants(None, databases=["default"]) == []


@pytest.mark.django_db
def test_w005_only_runs_with_database_checks():
    ApplicationFactory(grant_types="password")
    assert check_legacy_grants(None) == []
    assert check_legacy_grants(None, databases=None) == []


# --- W008: SQLite without the settings for concurrent requests -------------------------------------

RECOMMENDED_SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


@pytest.mark.parametrize(
    ("options", "lacking"),
    [
        ({}, ["transaction_mode", "journal_mode=WAL"]),
        ({**RECOMMENDED_SQLITE_OPTIONS, "transaction_mode": "DEFERRED"}, ["transaction_mode"]),
        ({**RECOMMENDED_SQLITE_OPTIONS, "init_command": "PRAGMA synchronous=NORMAL;"}, ["journal_mode=WAL"]),
        (RECOMMENDED_SQLITE_OPTIONS, []),
    ],
)
def test_w008_what_a_sqlite_file_lacks_for_concurrent_requests(options, lacking):
    database = {"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/site.sqlite3", "OPTIONS": options}
    problems = sqlite_problems("default", database)
    assert len(problems) == len(lacking)
    for problem, part in zip(problems, lacking, strict=True):
        assert part in problem


@pytest.mark.parametrize("name", [":memory:", "file:memorydb_default?mode=memory&cache=shared"])
def test_w008_leaves_in_memory_databases_alone(name):
    assert sqlite_problems("default", {"ENGINE": "django.db.backends.sqlite3", "NAME": name}) == []


def test_w008_is_reported_per_database_with_the_fix(monkeypatch):
    from oauth_provider import checks

    databases = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/site.sqlite3"},
        "tuned": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": "/srv/b.sqlite3",
            "OPTIONS": RECOMMENDED_SQLITE_OPTIONS,
        },
    }
    monkeypatch.setattr(checks, "settings", type("Settings", (), {"DATABASES": databases})())
    (message,) = check_sqlite(None)
    assert message.id == "oauth_provider.W008"
    assert "'default'" in message.msg
    assert "timeout" in message.hint


# --- W009: active clients registered for a grant the site does not allow -------------------

DEFAULT_GRANTS = {"SCOPES": {"read": "Read your data"}}


@pytest.mark.django_db
def test_w009_password_clients_after_the_default_left_the_legacy_grants_out(settings):
    """An upgrade must not break these clients silently (docs/security.rst: changed defaults get a check)."""
    settings.OAUTH_PROVIDER = DEFAULT_GRANTS
    client = ApplicationFactory(grant_types="password refresh_token", redirect_uris="")
    messages = check_clients_of_disabled_grants(None, databases=["default"])
    assert ids(messages) == ["oauth_provider.W009"]
    assert messages[0].level == django_checks.WARNING
    assert messages[0].msg == (
        "Active clients are registered for the password grant, which OAUTH_PROVIDER['GRANT_TYPES'] "
        "does not allow (off by default, RFC 9700), so their requests for it fail with "
        f"unsupported_grant_type: {[client.client_id]}."
    )
    assert messages[0].hint == (
        "Add 'password' to OAUTH_PROVIDER['GRANT_TYPES'] if these clients still need it, "
        "or remove the grant from them."
    )


@pytest.mark.django_db
def test_w009_one_warning_per_grant_turned_off(settings):
    settings.OAUTH_PROVIDER = {**DEFAULT_GRANTS, "GRANT_TYPES": ["authorization_code"]}
    ApplicationFactory(grant_types="implicit", client_type="public", client_secret="")
    ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    messages = check_clients_of_disabled_grants(None, databases=["default"])
    assert ids(messages) == ["oauth_provider.W009", "oauth_provider.W009"]
    assert "client_credentials grant" in messages[0].msg
    assert "(off by default" not in messages[0].msg
    assert "implicit grant" in messages[1].msg


@pytest.mark.django_db
def test_w009_is_silent_when_the_site_allows_the_grants_or_the_client_is_inactive(settings):
    ApplicationFactory(grant_types="password")
    ApplicationFactory(grant_types="authorization_code refresh_token client_credentials")
    assert check_clients_of_disabled_grants(None, databases=["default"]) == []
    settings.OAUTH_PROVIDER = DEFAULT_GRANTS
    ApplicationFactory(grant_types="implicit", client_type="public", client_secret="", is_active=False)
    assert ids(check_clients_of_disabled_grants(None, databases=["default"])) == ["oauth_provider.W009"]


@pytest.mark.django_db
def test_w009_only_runs_with_database_checks(settings):
    settings.OAUTH_PROVIDER = DEFAULT_GRANTS
    ApplicationFactory(grant_types="password")
    assert check_clients_of_disabled_grants(None) == []


POSTGRES = {"ENGINE": "django.db.backends.postgresql", "NAME": "site", "HOST": "pgbouncer", "PORT": "6432"}


@pytest.mark.parametrize(
    ("database", "keeps", "expected"),
    [
        ({**POSTGRES, "OPTIONS": {"prepare_threshold": 5}}, False, []),
        ({**POSTGRES, "DISABLE_SERVER_SIDE_CURSORS": True}, False, []),
        (
            {**POSTGRES, "DISABLE_SERVER_SIDE_CURSORS": True, "OPTIONS": {"prepare_threshold": 5}},
            False,
            ["oauth_provider.W012"],
        ),
        (
            {**POSTGRES, "DISABLE_SERVER_SIDE_CURSORS": True, "OPTIONS": {"prepare_threshold": 5}},
            True,
            [],
        ),
        (
            {
                **POSTGRES,
                "DISABLE_SERVER_SIDE_CURSORS": True,
                "OPTIONS": {"prepare_threshold": 0, "server_side_binding": True},
            },
            False,
            ["oauth_provider.E010"],
        ),
        (
            {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:", "DISABLE_SERVER_SIDE_CURSORS": True},
            False,
            [],
        ),
    ],
)
def test_w012_e010_prepared_statements_behind_a_transaction_pooler(
    monkeypatch, settings, database, keeps, expected
):
    from oauth_provider import checks

    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "POOLER_KEEPS_PREPARED_STATEMENTS": keeps}
    monkeypatch.setattr(checks, "settings", type("Settings", (), {"DATABASES": {"default": database}})())
    messages = check_pooler(None)
    assert ids(messages) == expected
    for message in messages:
        assert "POOLER_KEEPS_PREPARED_STATEMENTS" in message.hint
        assert "'default'" in message.msg
