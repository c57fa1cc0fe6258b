"""Signing keys as data (``storage/signing_keys.py``): encryption at rest, the four instants,
and rotation with overlap. The rotation timeline is simulated by passing ``now``."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from jwcrypto import jwk

from oauth_provider.core import jose, key_encryption
from oauth_provider.storage import signing_keys
from oauth_provider.storage.models import SigningKey

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


def test_the_private_key_is_stored_encrypted_and_bound_to_its_row():
    key = signing_keys.create_key("RS256", activate_at=timezone.now())
    stored = SigningKey.objects.get(pk=key.pk).private_key
    assert stored.startswith("aesgcm1$")
    assert '"d"' not in stored and "PRIVATE" not in stored
    data = f"oauth_provider.signing_key:{key.kid}:RS256".encode()
    assert b'"d"' in key_encryption.decrypt(stored, data)
    with pytest.raises(key_encryption.UndecryptableKey):
        key_encryption.decrypt(stored, b"oauth_provider.signing_key:another-kid:RS256")
    assert "d" not in key.public_jwk and key.public_jwk["kid"] == key.kid


def test_keys_encrypted_with_an_old_key_still_sign_and_can_be_reencrypted(settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "SIGNING_KEY_ENCRYPTION_KEYS": ["old-" + "k" * 40]}
    key = signing_keys.create_key("ES256", activate_at=timezone.now())
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "SIGNING_KEY_ENCRYPTION_KEYS": ["new-" + "k" * 40, "old-" + "k" * 40],
    }
    signing_keys.clear_cache()
    token, kid = signing_keys.sign({"iss": "x"}, algorithm="ES256", typ="JWT")
    assert kid == key.kid
    assert signing_keys.reencrypt() == 1
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "SIGNING_KEY_ENCRYPTION_KEYS": ["new-" + "k" * 40]}
    signing_keys.clear_cache()
    assert signing_keys.sign({"iss": "x"}, algorithm="ES256", typ="JWT")[1] == key.kid
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "SIGNING_KEY_ENCRYPTION_KEYS": ["other-" + "k" * 40],
    }
    signing_keys.clear_cache()
    with pytest.raises(key_encryption.UndecryptableKey):
        signing_keys.sign({"iss": "x"}, algorithm="ES256", typ="JWT")


@pytest.mark.parametrize("algorithm", sorted(jose.ALGORITHMS))
def test_the_first_rotation_creates_a_key_that_signs_at_once(algorithm):
    step = signing_keys.rotate(algorithm)
    assert step.action == "created"
    assert signing_keys.signing_key(algorithm).kid == step.created
    assert [key["kid"] for key in signing_keys.jwks()["keys"]] == [step.created]
    assert signing_keys.rotate(algorithm).action == "current"


def test_an_imported_key_keeps_its_thumbprint_as_kid():
    pem = jose.generate_private_key("RS256").export_to_pem(private_key=True, password=None)
    imported = jwk.JWK.from_pem(pem)
    key = signing_keys.create_key("RS256", private_key=imported)
    assert key.kid == imported.thumbprint()
    with pytest.raises(ValueError):
        signing_keys.create_key("ES256", private_key=jose.generate_private_key("RS256"))


def test_a_rotation_publishes_the_successor_a_lead_time_before_it_signs(settings):
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "SIGNING_KEY_LIFETIME_SECONDS": 10 * 86400,
        "SIGNING_KEY_ROTATION_LEAD_SECONDS": 86400,
    }
    start = timezone.now()
    first = signing_keys.rotate("RS256", now=start).created
    assert signing_keys.rotate("RS256", now=start + 8 * DAY).action == "current"
    step = signing_keys.rotate("RS256", now=start + 9 * DAY)
    assert step.action == "rotated" and step.retiring == (first,)
    assert step.activate_at == start + 10 * DAY
    assert signing_keys.rotate("RS256", now=start + 9 * DAY).action == "pending"
    # Published now, not signing: the old key signs until the successor's activate_at.
    published = {key.kid for key in signing_keys.published_keys(start + 9 * DAY)}
    assert published == {first, step.created}
    assert signing_keys.signing_key("RS256", start + 10 * DAY - timedelta(seconds=1)).kid == first
    assert signing_keys.signing_key("RS256", start + 10 * DAY).kid == step.created
    # The old key stays published while what it signed can be valid, then goes.
    retired = SigningKey.objects.get(kid=first)
    assert retired.unpublish_at == start + 10 * DAY + timedelta(seconds=signing_keys.retirement_seconds())
    assert first in {
        key.kid for key in signing_keys.published_keys(retired.unpublish_at - timedelta(seconds=1))
    }
    assert first not in {key.kid for key in signing_keys.published_keys(retired.unpublish_at)}
    assert signing_keys.delete_unpublished(now=retired.unpublish_at) == [first]


def test_a_rotation_run_while_tokens_are_issued_and_verified_loses_no_verification(settings):
    """Over 100 simulated days of daily rotations (a key lives 20): each token verifies with the
    JWKS document as published at any moment until it expires, and as cached by a relying
    party that fetched it a cache lifetime earlier; no token is signed by a key that such
    a cached document lacks."""
    lifetime = 600
    max_age = 3600
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "SIGNING_KEY_LIFETIME_SECONDS": 20 * 86400,
        "SIGNING_KEY_ROTATION_LEAD_SECONDS": 86400,
        "ID_TOKEN_EXPIRE_SECONDS": lifetime,
        "JWKS_MAX_AGE_SECONDS": max_age,
    }
    start = timezone.now()
    issued: list[tuple[str, timedelta]] = []
    kids_used = set()
    for step in range(100):
        now = start + step * DAY
        signing_keys.rotate("RS256", now=now)
        signing_keys.delete_unpublished(now=now)
        iat = int(now.timestamp())
        token, kid = signing_keys.sign(
            {"iss": "https://auth.example", "iat": iat, "exp": iat + lifetime},
            algorithm="RS256",
            typ="JWT",
            now=now,
        )
        kids_used.add(kid)
        # A relying party's JWKS document, fetched up to max-age plus stale-while-revalidate ago.
        cached = {key.kid for key in signing_keys.published_keys(now - timedelta(seconds=2 * max_age))}
        if step:
            assert kid in cached, f"day {step}: signed by a key cached copies lack"
        for moment in (now, now + timedelta(seconds=lifetime - 1)):
            keys = {key.kid: key.public_key() for key in signing_keys.published_keys(moment)}
            assert jose.verify(
                token,
                keys,
                typ="JWT",
                algorithms=["RS256"],
                issuer="https://auth.example",
                now=moment.timestamp(),
                leeway=0,
            )
        issued.append((token, now))
    assert len(kids_used) >= 5
    assert SigningKey.objects.count() <= 3  # the unpublished ones were deleted


def test_retiring_a_compromised_key_unpublishes_it_at_once():
    key = signing_keys.create_key("RS256", activate_at=timezone.now())
    signing_keys.retire(key, compromised=True)
    assert signing_keys.jwks() == {"keys": []}
    with pytest.raises(signing_keys.NoSigningKey):
        signing_keys.signing_key("RS256")


def test_activating_a_key_retires_the_one_signing_before():
    old = signing_keys.create_key("RS256", activate_at=timezone.now())
    new = signing_keys.create_key("RS256")
    assert signing_keys.signing_key("RS256").kid == old.kid
    signing_keys.activate(new)
    assert signing_keys.signing_key("RS256").kid == new.kid
    assert {key["kid"] for key in signing_keys.jwks()["keys"]} == {old.kid, new.kid}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_servers_rotating_at_the_same_moment_add_one_key():
    """Cron on every server: of eight rotations at once, one adds the key."""
    barrier = threading.Barrier(8)
    actions: list[str] = []

    def rotate() -> None:
        try:
            barrier.wait()
            actions.append(signing_keys.rotate("ES256").action)
        finally:
            connection.close()

    threads = [threading.Thread(target=rotate) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(actions).count("created") == 1
    assert set(actions) <= {"created", "concurrent", "current", "pending"}
    assert SigningKey.objects.filter(algorithm="ES256").count() == 1
