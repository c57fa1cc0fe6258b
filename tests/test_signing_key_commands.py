"""The signing-key commands as an operator runs them (docs/commands.rst), and the system
checks that guard the signing settings (docs/checks.rst)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from oauth_provider.checks import check_signing_keys, check_signing_settings
from oauth_provider.storage import signing_keys
from oauth_provider.storage.models import SigningKey

from .test_commands import fails, run

pytestmark = pytest.mark.django_db

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "private_key"}


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    signing_keys.clear_cache()
    yield
    signing_keys.clear_cache()


def provider(settings, **values):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, **values}


def ids(messages) -> list[str]:
    return [message.id for message in messages]


# --- oauth_provider_rotate_keys ---------------------------------------------------------------


def test_rotate_keys_creates_a_signing_key_per_algorithm_then_does_nothing(settings):
    provider(settings, SIGNING_ALGORITHMS=["RS256", "ES256"])
    first, _ = run("oauth_provider_rotate_keys")
    assert [(step["algorithm"], step["action"]) for step in first["steps"]] == [
        ("RS256", "created"),
        ("ES256", "created"),
    ]
    assert all(step["created"] for step in first["steps"])
    for algorithm in ("RS256", "ES256"):
        assert signing_keys.signing_key(algorithm).kid
    again, _ = run("oauth_provider_rotate_keys")
    assert [step["created"] for step in again["steps"]] == [None, None]
    assert SigningKey.objects.count() == 2


def test_rotate_keys_takes_one_algorithm_and_refuses_an_unknown_one(settings):
    run_once, _ = run("oauth_provider_rotate_keys", "--algorithm", "ES256")
    assert [step["algorithm"] for step in run_once["steps"]] == ["ES256"]
    assert list(SigningKey.objects.values_list("algorithm", flat=True)) == ["ES256"]
    provider(settings, SIGNING_ALGORITHMS=["HS256"])
    assert "Unsupported algorithms ['HS256']" in fails("oauth_provider_rotate_keys")


# --- oauth_provider_list_signing_keys ---------------------------------------------------------


def test_list_signing_keys_shows_public_data_only_and_filters():
    now = timezone.now()
    signing_keys.create_key("RS256", activate_at=now)
    signing_keys.create_key("ES256", activate_at=now + timedelta(days=1))
    listed, _ = run("oauth_provider_list_signing_keys")
    assert {(key["algorithm"], key["status"]) for key in listed["keys"]} == {
        ("RS256", "active"),
        ("ES256", "published"),
    }
    for key in listed["keys"]:
        assert not PRIVATE_MEMBERS & set(key)
    only_es, _ = run("oauth_provider_list_signing_keys", "--algorithm", "ES256")
    assert [key["algorithm"] for key in only_es["keys"]] == ["ES256"]
    active, _ = run("oauth_provider_list_signing_keys", "--status", "active")
    assert [key["algorithm"] for key in active["keys"]] == ["RS256"]


# --- oauth_provider_activate_signing_key ------------------------------------------------------


def test_activate_refuses_a_key_published_within_the_lead_time_unless_forced():
    now = timezone.now()
    current = signing_keys.create_key("RS256", activate_at=now - timedelta(days=2))
    successor = signing_keys.create_key("RS256", activate_at=now + timedelta(days=1))
    message = fails("oauth_provider_activate_signing_key", f"--kid={successor.kid}")
    assert "published less than SIGNING_KEY_ROTATION_LEAD_SECONDS ago" in message
    assert signing_keys.signing_key("RS256").kid == current.kid

    shown, _ = run("oauth_provider_activate_signing_key", f"--kid={successor.kid}", "--force")
    assert (shown["kid"], shown["status"]) == (successor.kid, "active")
    signing_keys.clear_cache()
    assert signing_keys.signing_key("RS256").kid == successor.kid
    current.refresh_from_db()
    assert current.retire_at is not None and current.retire_at <= timezone.now()


def test_activate_refuses_an_unknown_or_retired_key():
    assert "No signing key with kid 'nope'" in fails("oauth_provider_activate_signing_key", "--kid", "nope")
    key = signing_keys.create_key("RS256", activate_at=timezone.now() - timedelta(days=2))
    signing_keys.retire(key)
    assert "is retired" in fails("oauth_provider_activate_signing_key", f"--kid={key.kid}")


# --- oauth_provider_reencrypt_signing_keys ----------------------------------------------------


def test_reencrypt_moves_every_key_to_the_first_encryption_key(settings):
    provider(settings, SIGNING_KEY_ENCRYPTION_KEYS=["old-" + "k" * 40])
    key = signing_keys.create_key("ES256", activate_at=timezone.now())
    before = SigningKey.objects.get(pk=key.pk).private_key
    provider(settings, SIGNING_KEY_ENCRYPTION_KEYS=["new-" + "k" * 40, "old-" + "k" * 40])
    assert run("oauth_provider_reencrypt_signing_keys")[0] == {"reencrypted": 1}
    assert SigningKey.objects.get(pk=key.pk).private_key != before
    provider(settings, SIGNING_KEY_ENCRYPTION_KEYS=["new-" + "k" * 40])
    signing_keys.clear_cache()
    assert signing_keys.sign({"iss": "x"}, algorithm="ES256", typ="JWT")[1] == key.kid


def test_reencrypt_fails_clearly_without_the_key_that_encrypted_them(settings):
    provider(settings, SIGNING_KEY_ENCRYPTION_KEYS=["old-" + "k" * 40])
    signing_keys.create_key("ES256", activate_at=timezone.now())
    provider(settings, SIGNING_KEY_ENCRYPTION_KEYS=["other-" + "k" * 40])
    message = fails("oauth_provider_reencrypt_signing_keys")
    assert "No key in SIGNING_KEY_ENCRYPTION_KEYS" in message


# --- system checks E008, E009, W010, W011 -----------------------------------------------------


def test_the_default_signing_settings_pass():
    assert check_signing_settings(None) == []


@pytest.mark.parametrize("algorithms", [[], ["HS256"], ["RS256", "none"], "RS256"])
def test_e008_signing_algorithms_must_be_a_list_of_asymmetric_ones(settings, algorithms):
    provider(settings, SIGNING_ALGORITHMS=algorithms)
    messages = check_signing_settings(None)
    assert ids(messages) == ["oauth_provider.E008"]
    assert "asymmetric" in messages[0].hint


@pytest.mark.parametrize(
    "scopes", [{"profile": "Your profile"}, ["openid"], {"openid": "Sign in", "bad scope": "x"}]
)
def test_e009_openid_connect_needs_the_openid_scope(settings, scopes):
    provider(settings, OIDC_ENABLED=True, OIDC_SCOPES=scopes)
    assert ids(check_signing_settings(None)) == ["oauth_provider.E009"]


def test_e009_is_silent_while_openid_connect_is_off(settings):
    provider(settings, OIDC_ENABLED=False, OIDC_SCOPES={"profile": "Your profile"})
    assert check_signing_settings(None) == []


def test_w011_a_lead_time_shorter_than_a_cached_jwks_document_lives(settings):
    provider(settings, JWKS_MAX_AGE_SECONDS=3600, SIGNING_KEY_CACHE_SECONDS=30)
    provider(settings, SIGNING_KEY_ROTATION_LEAD_SECONDS=7229)
    messages = check_signing_settings(None)
    assert ids(messages) == ["oauth_provider.W011"]
    assert "at least 7230" in messages[0].hint
    provider(settings, SIGNING_KEY_ROTATION_LEAD_SECONDS=7230)
    assert check_signing_settings(None) == []


def test_w010_openid_connect_on_without_a_key_that_signs(settings):
    provider(settings, OIDC_ENABLED=True, SIGNING_ALGORITHMS=["RS256", "ES256"])
    signing_keys.create_key("RS256", activate_at=timezone.now())
    messages = check_signing_keys(None, databases=["default"])
    assert ids(messages) == ["oauth_provider.W010"]
    assert "['ES256']" in messages[0].msg and "oauth_provider_rotate_keys" in messages[0].hint
    run("oauth_provider_rotate_keys")
    signing_keys.clear_cache()
    assert check_signing_keys(None, databases=["default"]) == []


def test_w010_runs_only_with_database_checks_and_openid_connect_on(settings):
    provider(settings, OIDC_ENABLED=True)
    assert check_signing_keys(None) == []
    provider(settings, OIDC_ENABLED=False)
    assert check_signing_keys(None, databases=["default"]) == []
