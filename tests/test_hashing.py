"""Hashing of tokens and client secrets: nothing a client presents is stored in the clear."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password
from oauth2_provider.models import get_application_model

from oauth_provider.core.hashing import (
    SECRET_HASH_PREFIX,
    hash_client_secret,
    hash_token,
    is_hashed_secret,
    verify_client_secret,
)
from oauth_provider.server.client_authentication import ClientCredentials, authenticate

from .factories import CLIENT_SECRET, ApplicationFactory, PublicApplicationFactory

Application = get_application_model()

SECRET = "aZ3" * 16


def keyed(secret: str, key: str) -> str:
    """The documented format, computed independently of the package."""
    message = b"oauth_provider.client_secret:" + secret.encode()
    return SECRET_HASH_PREFIX + hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


# SECRET's hash under the test settings' SECRET_KEY.
CURRENT = keyed(SECRET, django_settings.SECRET_KEY)


# --- tokens and codes ---------------------------------------------------------------------

TOKEN_HASHES = [
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ("token-\u00e9", hashlib.sha256("token-\u00e9".encode()).hexdigest()),
]


@pytest.mark.parametrize(("token", "digest"), TOKEN_HASHES)
def test_hash_token_is_the_sha256_hex_digest(token, digest):
    assert hash_token(token) == digest


def test_hash_token_does_not_fail_on_lone_surrogates():
    assert len(hash_token("\ud800")) == 64


# --- client secrets -----------------------------------------------------------------------


def test_hash_client_secret_is_hmac_sha256_keyed_with_secret_key(settings):
    digest = hash_client_secret(SECRET)
    assert digest.startswith("hmac-sha256$")
    assert len(digest) == len("hmac-sha256$") + 64
    assert digest == keyed(SECRET, settings.SECRET_KEY) == CURRENT


def test_hash_client_secret_is_not_a_plain_sha256():
    digest = hash_client_secret(SECRET).removeprefix(SECRET_HASH_PREFIX)
    assert digest != hashlib.sha256(SECRET.encode()).hexdigest()
    assert digest != hash_token(SECRET)


def test_hash_client_secret_is_deterministic_and_distinguishes_secrets():
    assert hash_client_secret(SECRET) == hash_client_secret(SECRET)
    assert hash_client_secret(SECRET) != hash_client_secret(SECRET + "x")


VERIFY = [
    # (provided, stored, verifies)
    (SECRET, CURRENT, True),
    (SECRET + "x", CURRENT, False),
    (SECRET[:-1], CURRENT, False),
    (SECRET.upper(), CURRENT, False),
    ("", CURRENT, False),
    (SECRET, "", False),
    ("", "", False),
    # Cleartext left by django-oauth-toolkit's hash_client_secret=False is compared in
    # constant time (and then upgraded by the caller); a malformed hash of ours is not.
    (SECRET, SECRET, True),
    (SECRET + "x", SECRET, False),
    ("hmac-sha256$abc", "hmac-sha256$abc", False),
    # A truncated or tampered hash.
    (SECRET, CURRENT[:-1], False),
    (SECRET, CURRENT[:-1] + ("0" if CURRENT[-1] != "0" else "1"), False),
    (SECRET, CURRENT.upper(), False),
]


@pytest.mark.parametrize(("provided", "stored", "verifies"), VERIFY)
def test_verify_client_secret(provided, stored, verifies):
    assert verify_client_secret(provided, stored) is verifies


def test_a_legacy_pbkdf2_hash_verifies():
    """django-oauth-toolkit hashed secrets with Django's password hashers."""
    stored = make_password(SECRET, hasher="pbkdf2_sha256")
    assert stored.startswith("pbkdf2_sha256$")
    assert is_hashed_secret(stored) is True
    assert verify_client_secret(SECRET, stored) is True
    assert verify_client_secret(SECRET + "x", stored) is False


def test_is_hashed_secret():
    assert is_hashed_secret(hash_client_secret(SECRET)) is True
    assert is_hashed_secret(make_password(SECRET, hasher="md5")) is True
    assert is_hashed_secret(SECRET) is False
    assert is_hashed_secret("") is False


def test_a_hash_made_with_a_fallback_key_verifies(settings):
    """Rotating SECRET_KEY keeps secrets hashed with the old key valid while it is a fallback."""
    old = keyed(SECRET, "the-old-key")
    assert verify_client_secret(SECRET, old) is False

    settings.SECRET_KEY_FALLBACKS = ["the-old-key"]
    assert verify_client_secret(SECRET, old) is True
    assert verify_client_secret(SECRET + "x", old) is False
    # New hashes use the current key, not the fallback.
    assert hash_client_secret(SECRET) == keyed(SECRET, settings.SECRET_KEY)


def test_a_hash_made_with_a_retired_key_no_longer_verifies(settings):
    old = hash_client_secret(SECRET)
    settings.SECRET_KEY = "a-brand-new-key"
    settings.SECRET_KEY_FALLBACKS = []
    assert verify_client_secret(SECRET, old) is False


def test_client_secret_hash_key_changes_the_hash(settings):
    before = hash_client_secret(SECRET)
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "CLIENT_SECRET_HASH_KEY": "k"}
    after = hash_client_secret(SECRET)
    assert after == keyed(SECRET, "k")
    assert after != before
    assert verify_client_secret(SECRET, after) is True
    assert verify_client_secret(SECRET, before) is False


# --- the model stores only the hash -------------------------------------------------------


@pytest.mark.django_db
def test_saving_a_confidential_client_stores_only_the_hash():
    client = ApplicationFactory(client_secret=SECRET)
    assert client.plaintext_client_secret == SECRET
    stored = Application.objects.values_list("client_secret", flat=True).get(pk=client.pk)
    assert stored == hash_client_secret(SECRET)
    assert SECRET not in stored


@pytest.mark.django_db
def test_saving_again_does_not_hash_the_hash():
    client = ApplicationFactory(client_secret=SECRET)
    client = Application.objects.get(pk=client.pk)
    client.name = "Renamed"
    client.save()
    assert client.plaintext_client_secret is None
    stored = Application.objects.values_list("client_secret", flat=True).get(pk=client.pk)
    assert stored == hash_client_secret(SECRET)


@pytest.mark.django_db
def test_a_generated_secret_is_hashed_and_kept_on_the_instance_once():
    client = Application.objects.create(
        name="Generated", client_type="confidential", redirect_uris="https://client.example/cb"
    )
    assert client.plaintext_client_secret
    stored = Application.objects.values_list("client_secret", flat=True).get(pk=client.pk)
    assert stored == hash_client_secret(client.plaintext_client_secret)
    assert Application.objects.get(pk=client.pk).plaintext_client_secret is None


@pytest.mark.django_db
def test_a_public_client_stores_an_empty_secret():
    client = PublicApplicationFactory(client_secret=SECRET)
    assert Application.objects.values_list("client_secret", flat=True).get(pk=client.pk) == ""
    assert client.plaintext_client_secret is None


# --- client authentication upgrades legacy hashes ----------------------------------------


def stored_secret(client) -> str:
    return Application.objects.values_list("client_secret", flat=True).get(pk=client.pk)


@pytest.mark.django_db
def test_a_legacy_pbkdf2_secret_is_upgraded_after_a_successful_check(confidential_client):
    legacy = make_password(CLIENT_SECRET, hasher="pbkdf2_sha256")
    Application.objects.filter(pk=confidential_client.pk).update(client_secret=legacy)

    credentials = ClientCredentials(confidential_client.client_id, CLIENT_SECRET, "client_secret_basic")
    client = authenticate(credentials)

    assert client is not None and client.pk == confidential_client.pk
    assert stored_secret(confidential_client) == hash_client_secret(CLIENT_SECRET)
    # and the upgraded hash keeps working
    assert authenticate(credentials).pk == confidential_client.pk


@pytest.mark.django_db
def test_a_legacy_cleartext_secret_is_hashed_after_a_successful_check(confidential_client):
    Application.objects.filter(pk=confidential_client.pk).update(client_secret=CLIENT_SECRET)

    credentials = ClientCredentials(confidential_client.client_id, CLIENT_SECRET, "client_secret_basic")

    assert authenticate(credentials).pk == confidential_client.pk
    assert stored_secret(confidential_client) == hash_client_secret(CLIENT_SECRET)


@pytest.mark.django_db
def test_a_hash_key_fallback_is_accepted_and_upgraded(confidential_client, settings):
    Application.objects.filter(pk=confidential_client.pk).update(client_secret=keyed(CLIENT_SECRET, "old"))
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "CLIENT_SECRET_HASH_KEY": "new",
        "CLIENT_SECRET_HASH_KEY_FALLBACKS": ["old"],
    }

    credentials = ClientCredentials(confidential_client.client_id, CLIENT_SECRET, "client_secret_basic")

    assert authenticate(credentials).pk == confidential_client.pk
    assert stored_secret(confidential_client) == keyed(CLIENT_SECRET, "new")


@pytest.mark.django_db
def test_a_legacy_pbkdf2_secret_is_not_upgraded_after_a_failed_check(confidential_client):
    legacy = make_password(CLIENT_SECRET, hasher="pbkdf2_sha256")
    Application.objects.filter(pk=confidential_client.pk).update(client_secret=legacy)

    wrong = ClientCredentials(confidential_client.client_id, CLIENT_SECRET + "x", "client_secret_basic")
    assert authenticate(wrong) is None
    assert stored_secret(confidential_client) == legacy


@pytest.mark.django_db
def test_a_secret_hashed_with_a_fallback_key_is_rehashed_with_the_current_key(confidential_client, settings):
    Application.objects.filter(pk=confidential_client.pk).update(
        client_secret=keyed(CLIENT_SECRET, "the-old-key")
    )
    settings.SECRET_KEY_FALLBACKS = ["the-old-key"]

    credentials = ClientCredentials(confidential_client.client_id, CLIENT_SECRET, "client_secret_post")
    assert authenticate(credentials).pk == confidential_client.pk
    assert stored_secret(confidential_client) == keyed(CLIENT_SECRET, settings.SECRET_KEY)


@pytest.mark.django_db
def test_a_current_hash_is_not_rewritten(confidential_client):
    before = stored_secret(confidential_client)
    credentials = ClientCredentials(confidential_client.client_id, CLIENT_SECRET, "client_secret_basic")
    assert authenticate(credentials).pk == confidential_client.pk
    assert stored_secret(confidential_client) == before == hash_client_secret(CLIENT_SECRET)


@pytest.mark.django_db
def test_a_confidential_client_without_a_secret_is_not_authenticated(confidential_client):
    assert authenticate(ClientCredentials(confidential_client.client_id, "", "none")) is None
    assert authenticate(ClientCredentials(confidential_client.client_id, "", "client_secret_post")) is None
