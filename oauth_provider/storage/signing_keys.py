"""The signing-key service: which keys are published, which one signs, and rotation.

Every signed artifact goes through here: ID tokens now, and later JWT access tokens and
signed metadata, all signed by the same keys and verified with the same JWKS document.
Reads come from a short cache in each process (``SIGNING_KEY_CACHE_SECONDS``): the rows
with their four instants (``storage/models/signing_keys.py``), compared with the clock at
each use, so a cached row is never used past the moment it retires or leaves the JWKS.
A key created by another process is seen at most that many seconds late, which is why
rotation publishes a key ``SIGNING_KEY_ROTATION_LEAD_SECONDS`` before it signs.

Rotation is one step (:func:`rotate`) that any number of servers may run at once, from
cron: a new key gets the next ``generation`` of its algorithm, which is unique, so of two
servers rotating together one adds the key and the other finds it there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from jwcrypto import jwk

from ..core import jose, key_encryption, signals
from ..settings import provider_settings
from .models.signing_keys import SigningKey

__all__ = [
    "LEEWAY_SECONDS",
    "KeyRecord",
    "NoSigningKey",
    "RotationStep",
    "activate",
    "clear_cache",
    "create_key",
    "delete_unpublished",
    "jwks",
    "public_key",
    "published_keys",
    "reencrypt",
    "retire",
    "retirement_seconds",
    "rotate",
    "sign",
    "signing_key",
    "verification_keys",
    "verify",
]

#: Clock skew allowed between this server and the ones that verify what it signed.
LEEWAY_SECONDS = 60


class NoSigningKey(Exception):
    """No key of the algorithm may sign now; ``oauth_provider_rotate_keys`` creates one."""


@dataclass(frozen=True)
class KeyRecord:
    """A signing key as the cache holds it: the public key, the instants, the encrypted
    private key (decrypted only when it signs)."""

    kid: str
    algorithm: str
    public_jwk: dict[str, Any]
    publish_at: datetime
    activate_at: datetime
    retire_at: datetime | None
    unpublish_at: datetime | None
    encrypted_private_key: str = field(repr=False)

    def is_published(self, now: datetime) -> bool:
        return self.publish_at <= now and (self.unpublish_at is None or now < self.unpublish_at)

    def signs(self, now: datetime) -> bool:
        return (
            self.is_published(now)
            and self.activate_at <= now
            and (self.retire_at is None or now < self.retire_at)
        )

    def public_key(self) -> jwk.JWK:
        return jwk.JWK(**self.public_jwk)


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.expires = 0.0
        self.records: tuple[KeyRecord, ...] = ()
        self.private: dict[str, jwk.JWK] = {}
        self.public: dict[str, jwk.JWK] = {}


_cache = _Cache()


def clear_cache() -> None:
    """Forget the keys read, so the next use reads them again (after any change here)."""
    with _cache.lock:
        _cache.expires = 0.0
        _cache.records = ()
        _cache.private.clear()
        _cache.public.clear()


def _associated_data(kid: str, algorithm: str) -> bytes:
    return f"oauth_provider.signing_key:{kid}:{algorithm}".encode()


def _record(key: SigningKey) -> KeyRecord:
    return KeyRecord(
        kid=key.kid,
        algorithm=key.algorithm,
        public_jwk=dict(key.public_jwk),
        publish_at=key.publish_at,
        activate_at=key.activate_at,
        retire_at=key.retire_at,
        unpublish_at=key.unpublish_at,
        encrypted_private_key=key.private_key,
    )


def _records() -> tuple[KeyRecord, ...]:
    """Every key not yet unpublished, from this process's cache when it is fresh."""
    with _cache.lock:
        if time.monotonic() < _cache.expires:
            return _cache.records
    records = tuple(_record(key) for key in SigningKey.objects.not_unpublished().order_by("-activate_at"))
    with _cache.lock:
        _cache.records = records
        _cache.expires = time.monotonic() + float(provider_settings.SIGNING_KEY_CACHE_SECONDS)
        known = {record.kid for record in records}
        for kid in list(_cache.private):
            if kid not in known:
                del _cache.private[kid]
        for kid in list(_cache.public):
            if kid not in known:
                del _cache.public[kid]
    return records


def published_keys(now: datetime | None = None) -> list[KeyRecord]:
    """The keys in the JWKS document at ``now``."""
    now = now or timezone.now()
    return [record for record in _records() if record.is_published(now)]


def jwks(now: datetime | None = None) -> dict[str, Any]:
    """The JWKS document (RFC 7517 §5): the public keys published at ``now``."""
    return {"keys": [dict(record.public_jwk) for record in published_keys(now)]}


def verification_keys(now: datetime | None = None) -> dict[str, jwk.JWK]:
    """The published public keys by ``kid``, each bound to its algorithm, for
    :func:`oauth_provider.core.jose.verify`."""
    return {record.kid: public_key(record) for record in published_keys(now)}


def public_key(record: KeyRecord) -> jwk.JWK:
    """The public key of ``record``, built once per process (a JWT access token is verified
    on every protected request)."""
    key = _cache.public.get(record.kid)
    if key is None:
        key = record.public_key()
        with _cache.lock:
            _cache.public[record.kid] = key
    return key


def signing_key(algorithm: str, now: datetime | None = None) -> KeyRecord:
    """The key that signs for ``algorithm`` at ``now``: of the published keys past their
    ``activate_at`` and before their ``retire_at``, the one activated last."""
    now = now or timezone.now()
    for record in _records():  # newest activate_at first
        if record.algorithm == algorithm and record.signs(now):
            return record
    raise NoSigningKey(f"No {algorithm} signing key is active; run manage.py oauth_provider_rotate_keys.")


def _private_key(record: KeyRecord) -> jwk.JWK:
    with _cache.lock:
        key = _cache.private.get(record.kid)
    if key is None:
        plaintext = key_encryption.decrypt(
            record.encrypted_private_key, _associated_data(record.kid, record.algorithm)
        )
        key = jwk.JWK.from_json(plaintext.decode("utf-8"))
        with _cache.lock:
            _cache.private[record.kid] = key
    return key


def sign(
    claims: Mapping[str, Any], *, algorithm: str, typ: str, now: datetime | None = None
) -> tuple[str, str]:
    """``claims`` signed with the key that signs for ``algorithm`` now; returns the compact
    JWS and the key's ``kid``. Raises :class:`NoSigningKey`."""
    record = signing_key(algorithm, now)
    return jose.sign(claims, _private_key(record), alg=record.algorithm, kid=record.kid, typ=typ), record.kid


def verify(
    token: Any,
    *,
    typ: str,
    issuer: str,
    audience: str | None = None,
    algorithms: Iterable[str] | None = None,
    verify_expiry: bool = True,
    require: Iterable[str] = ("iss", "iat", "exp"),
) -> dict[str, Any]:
    """The claims of a token this server signed, verified with the published keys (see
    :func:`oauth_provider.core.jose.verify`); raises :class:`~oauth_provider.core.jose.JOSEError`."""
    return jose.verify(
        token,
        verification_keys(),
        typ=typ,
        algorithms=algorithms or list(jose.ALGORITHMS),
        issuer=issuer,
        audience=audience,
        require=require,
        leeway=LEEWAY_SECONDS,
        verify_expiry=verify_expiry,
    )


def retirement_seconds() -> int:
    """How long a retired key stays published: until everything it signed has expired (the
    longest lifetime of what keys sign, plus the leeway verifiers allow)."""
    lifetimes = (
        provider_settings.ID_TOKEN_EXPIRE_SECONDS,
        provider_settings.ACCESS_TOKEN_EXPIRE_SECONDS,
        provider_settings.JWT_ACCESS_TOKEN_EXPIRE_SECONDS,
    )
    return int(max(int(value or 0) for value in lifetimes)) + LEEWAY_SECONDS


# -- changes ----------------------------------------------------------------------------------


def create_key(
    algorithm: str,
    *,
    publish_at: datetime | None = None,
    activate_at: datetime | None = None,
    private_key: jwk.JWK | None = None,
    generation: int | None = None,
) -> SigningKey:
    """A new key of ``algorithm`` (generated, or ``private_key`` imported), published from
    ``publish_at`` (now) and signing from ``activate_at`` (after the rotation lead time).

    ``generation`` is the one the caller expects to add (the latest it read, plus one);
    ``IntegrityError`` is raised when another server added that one first.
    """
    if algorithm not in jose.ALGORITHMS:
        raise ValueError(f"Unsupported algorithm {algorithm!r}; choose one of {', '.join(jose.ALGORITHMS)}.")
    key = private_key or jose.generate_private_key(algorithm)
    if not key.has_private:
        raise ValueError("The key has no private part.")
    expected = jose.ALGORITHMS[algorithm]
    curve = dict(expected.key_parameters).get("crv")
    if key.get("kty") != expected.key_type or (curve is not None and key.get("crv") != curve):
        raise ValueError(f"The key does not fit {algorithm}.")
    kid = jose.thumbprint(key)
    now = timezone.now()
    publish_at = publish_at or (min(now, activate_at) if activate_at is not None else now)
    if activate_at is None:
        activate_at = publish_at + timedelta(seconds=int(provider_settings.SIGNING_KEY_ROTATION_LEAD_SECONDS))
    if activate_at < publish_at:
        raise ValueError("A key cannot sign before it is published.")
    private_json = key.export_private()
    if generation is None:
        generation = _latest_generation(algorithm) + 1
    with transaction.atomic():
        created = SigningKey.objects.create(
            kid=kid,
            algorithm=algorithm,
            generation=generation,
            public_jwk=jose.public_jwk(key, algorithm, kid),
            private_key=key_encryption.encrypt(private_json.encode(), _associated_data(kid, algorithm)),
            publish_at=publish_at,
            activate_at=activate_at,
        )
    clear_cache()
    signals.signing_key_created.send(
        sender=SigningKey, kid=kid, algorithm=algorithm, publish_at=publish_at, activate_at=activate_at
    )
    return created


def _latest_generation(algorithm: str) -> int:
    latest = SigningKey.objects.filter(algorithm=algorithm).aggregate(latest=Max("generation"))["latest"]
    return int(latest or 0)


def _retire(key: SigningKey, retire_at: datetime, unpublish_at: datetime, compromised: bool) -> None:
    key.retire_at = min(retire_at, key.retire_at) if key.retire_at else retire_at
    key.unpublish_at = min(unpublish_at, key.unpublish_at) if key.unpublish_at else unpublish_at
    key.compromised = key.compromised or compromised
    key.save(update_fields=["retire_at", "unpublish_at", "compromised", "updated"])
    signals.signing_key_retired.send(
        sender=SigningKey,
        kid=key.kid,
        algorithm=key.algorithm,
        retire_at=key.retire_at,
        unpublish_at=key.unpublish_at,
        compromised=key.compromised,
    )


def retire(key: SigningKey, *, now: datetime | None = None, compromised: bool = False) -> SigningKey:
    """Stop ``key`` signing now. It stays published for :func:`retirement_seconds`, so what
    it signed still verifies; a ``compromised`` key leaves the JWKS document at once."""
    now = now or timezone.now()
    unpublish_at = now if compromised else now + timedelta(seconds=retirement_seconds())
    with transaction.atomic():
        _retire(key, now, unpublish_at, compromised)
    clear_cache()
    return key


def activate(key: SigningKey, *, now: datetime | None = None) -> SigningKey:
    """Make ``key`` the signing key of its algorithm now; the keys that signed until now
    retire. The caller checks that ``key`` was published long enough (see the command)."""
    now = now or timezone.now()
    with transaction.atomic():
        current = SigningKey.objects.signing(key.algorithm, now).exclude(pk=key.pk).select_for_update()
        for previous in current:
            _retire(previous, now, now + timedelta(seconds=retirement_seconds()), False)
        key.publish_at = min(key.publish_at, now)
        key.activate_at = now
        key.save(update_fields=["publish_at", "activate_at", "updated"])
    clear_cache()
    return key


@dataclass(frozen=True)
class RotationStep:
    """What one :func:`rotate` call did for one algorithm."""

    algorithm: str
    #: ``created`` (the first key, signing at once), ``rotated`` (a successor published),
    #: ``pending`` (a successor is already published), ``current`` (nothing is due), or
    #: ``concurrent`` (another server rotated at the same moment).
    action: str
    created: str | None = None
    retiring: tuple[str, ...] = ()
    activate_at: datetime | None = None


def rotate(algorithm: str, *, now: datetime | None = None) -> RotationStep:
    """One rotation step for ``algorithm``; safe to run on several servers at once.

    * No key signs or waits to: a first key is created, signing at once (nothing was
      published before it, so no cache holds an older key set to miss it in).
    * The signing key will reach ``SIGNING_KEY_LIFETIME_SECONDS`` within the lead time,
      and no successor is published: the successor is published now and signs from
      ``now + SIGNING_KEY_ROTATION_LEAD_SECONDS``; the keys signing now retire at that
      instant and leave the JWKS document :func:`retirement_seconds` later.
    """
    now = now or timezone.now()
    lead = timedelta(seconds=int(provider_settings.SIGNING_KEY_ROTATION_LEAD_SECONDS))
    lifetime = timedelta(seconds=int(provider_settings.SIGNING_KEY_LIFETIME_SECONDS))
    keys = SigningKey.objects.filter(algorithm=algorithm)
    # Read first: a key another server adds after this read takes the generation this
    # step would add, and this step's insert fails; one added before it is seen below.
    generation = _latest_generation(algorithm) + 1
    signing = list(keys.signing(algorithm, now))
    waiting = keys.not_unpublished(now).filter(activate_at__gt=now, retire_at__isnull=True)
    if waiting.exists():
        return RotationStep(algorithm, "pending")
    try:
        if not signing:
            created = create_key(algorithm, publish_at=now, activate_at=now, generation=generation)
            return RotationStep(algorithm, "created", created=created.kid, activate_at=now)
        if signing[0].activate_at + lifetime > now + lead:
            return RotationStep(algorithm, "current")
        activate_at = now + lead
        with transaction.atomic():
            created = create_key(algorithm, publish_at=now, activate_at=activate_at, generation=generation)
            unpublish_at = activate_at + timedelta(seconds=retirement_seconds())
            for key in signing:
                _retire(key, activate_at, unpublish_at, False)
    except IntegrityError:
        clear_cache()
        return RotationStep(algorithm, "concurrent")
    clear_cache()
    return RotationStep(
        algorithm,
        "rotated",
        created=created.kid,
        retiring=tuple(key.kid for key in signing),
        activate_at=activate_at,
    )


def delete_unpublished(*, now: datetime | None = None) -> list[str]:
    """Delete the keys that have left the JWKS document, private key and all (nothing they
    signed is still valid); returns their ``kid``."""
    now = now or timezone.now()
    gone = SigningKey.objects.filter(unpublish_at__lte=now)
    kids = list(gone.values_list("kid", flat=True))
    gone.filter(kid__in=kids).delete()
    clear_cache()
    return kids


def reencrypt() -> int:
    """Encrypt every stored private key with the first of ``SIGNING_KEY_ENCRYPTION_KEYS``;
    returns how many were encrypted with another key."""
    count = 0
    for key in SigningKey.objects.all():
        if key_encryption.encrypted_with_current_key(key.private_key):
            continue
        data = _associated_data(key.kid, key.algorithm)
        key.private_key = key_encryption.encrypt(key_encryption.decrypt(key.private_key, data), data)
        key.save(update_fields=["private_key", "updated"])
        count += 1
    clear_cache()
    return count
