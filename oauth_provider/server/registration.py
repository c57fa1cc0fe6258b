"""Dynamic client registration (RFC 7591) and its management protocol (RFC 7592): the
policy, initial access tokens, and creating, reading, updating and deleting a registered
client. The views in ``endpoints/registration.py`` are thin wrappers around these.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from oauth2_provider.models import get_application_model

from ..core import signals
from ..core.client_metadata import RESPONSE_TYPE_OF, ClientMetadata, MetadataPolicy, parse_client_metadata
from ..core.errors import InvalidClientMetadata, InvalidRedirectUri, InvalidToken
from ..core.hashing import hash_token
from ..core.scopes import known_scopes
from ..settings import provider_settings
from ..storage.clients import register_client
from ..storage.models import InitialAccessToken

__all__ = [
    "MODES",
    "client_metadata_of",
    "new_registration_access_token",
    "create_initial_access_token",
    "delete_registration",
    "register",
    "registration_policy",
    "spend_initial_access_token",
    "update_registration",
]

#: ``DYNAMIC_REGISTRATION`` values.
MODES = ("open", "initial_access_token")
DCR = "dcr"


def registration_policy() -> MetadataPolicy:
    """What the settings let a dynamically registered client have."""
    site_grants = set(provider_settings.GRANT_TYPES)
    scopes = provider_settings.REGISTRATION_SCOPES
    return MetadataPolicy(
        grant_types=tuple(g for g in provider_settings.REGISTRATION_GRANT_TYPES if g in site_grants),
        scopes=tuple(scopes) if scopes is not None else None,
        known_scopes=tuple(known_scopes()),
        confidential_allowed=bool(provider_settings.REGISTRATION_CONFIDENTIAL_CLIENTS),
        allowed_redirect_uri_schemes=tuple(provider_settings.ALLOWED_REDIRECT_URI_SCHEMES),
        allow_http_loopback=bool(provider_settings.ALLOW_HTTP_LOOPBACK_REDIRECT_URIS),
    )


def create_initial_access_token(
    description: str = "", expires_in: int | None = None, uses: int | None = None
) -> tuple[InitialAccessToken, str]:
    """Issue an initial access token (RFC 7591 §3); returns the row and the token, which
    is shown once: only its SHA-256 is stored."""
    value = secrets.token_urlsafe(32)
    row = InitialAccessToken.objects.create(
        token_checksum=hash_token(value),
        description=description,
        expires=timezone.now() + timedelta(seconds=expires_in) if expires_in else None,
        remaining_uses=uses,
    )
    return row, value


def spend_initial_access_token(value: str) -> InitialAccessToken:
    """The usable initial access token ``value``, with one use taken; raises
    :class:`~oauth_provider.core.errors.InvalidToken` (RFC 6750 §3.1) otherwise."""
    row = InitialAccessToken.objects.filter(token_checksum=hash_token(value)).first()
    if row is None or not row.is_usable():
        raise InvalidToken("The initial access token is unknown, expired, revoked or used up.")
    if row.remaining_uses is not None:
        # A conditional update: of two registrations racing for the last use, one wins.
        taken = InitialAccessToken.objects.filter(pk=row.pk, remaining_uses__gt=0).update(
            remaining_uses=F("remaining_uses") - 1
        )
        if not taken:
            raise InvalidToken("The initial access token is used up.")
    return row


def _as_registration_error(error: ValidationError) -> InvalidClientMetadata | InvalidRedirectUri:
    """The model's own checks, as RFC 7591 §3.2.2 errors."""
    messages = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    for name, problems in messages.items():
        if name == "redirect_uris":
            return InvalidRedirectUri(problems[0])
    first = next(iter(messages.values()))
    return InvalidClientMetadata(first[0] if first else None)


def _registration_access_token(application: Any) -> str:
    value = secrets.token_urlsafe(32)
    application.registration_access_token = hash_token(value)
    return value


def new_registration_access_token(application: Any) -> str:
    """Replace a client's registration access token and return the new one. RFC 7592 §3
    requires the token in every client information response, and only its hash is kept:
    each response carries a new one, and the old one stops working (§2.1 lets the server
    rotate it)."""
    value = _registration_access_token(application)
    type(application).objects.filter(pk=application.pk).update(
        registration_access_token=application.registration_access_token
    )
    return value


def register(data: Any) -> tuple[Any, ClientMetadata, str, str]:
    """Register a client from its metadata (RFC 7591 §3.1). Returns the Application, its
    metadata, its plaintext secret ("" for a public client) and its registration access
    token, both shown once."""
    metadata = parse_client_metadata(data, registration_policy())
    Application = get_application_model()
    application = Application(
        **metadata.application_fields(),
        registration_source=DCR,
        skip_authorization=False,
    )
    if not application.name:
        application.name = "Registered client"
    token = _registration_access_token(application)
    try:
        application.full_clean(exclude=["client_secret"])
    except ValidationError as exc:
        raise _as_registration_error(exc) from exc
    with transaction.atomic():
        secret = register_client(application)
    return application, metadata, secret, token


def client_metadata_of(application: Any) -> ClientMetadata:
    """What a registered client's row says, in RFC 7591 terms (RFC 7592 §3)."""
    grant_types = application.grant_type_list
    return ClientMetadata(
        client_type=application.client_type,
        token_endpoint_auth_method="client_secret_basic" if application.is_confidential else "none",
        grant_types=grant_types,
        response_types=[RESPONSE_TYPE_OF[g] for g in grant_types if g in RESPONSE_TYPE_OF],
        redirect_uris=application.redirect_uri_list,
        scope=application.allowed_scope_list,
        client_name=application.name,
        client_uri=application.homepage_url,
        logo_uri=application.logo_url,
    )


def registered_client(client_id: str, token: str) -> Any:
    """The dynamically registered client ``client_id`` that ``token`` manages; raises
    :class:`InvalidToken` (RFC 7592 §2: 401 whether the client or the token is wrong)."""
    application = (
        get_application_model()
        .objects.filter(client_id=client_id, registration_source=DCR)
        .exclude(registration_access_token="")
        .first()
    )
    if application is None or not secrets.compare_digest(
        application.registration_access_token, hash_token(token)
    ):
        raise InvalidToken("The registration access token is not valid for this client.")
    if not application.is_active:
        raise InvalidToken("This client was disabled.")
    return application


def update_registration(application: Any, data: Any) -> tuple[Any, ClientMetadata]:
    """Replace a client's metadata (RFC 7592 §2.2). Its client id, type and secret stay."""
    if not isinstance(data, dict):
        raise InvalidClientMetadata("The client metadata must be a JSON object.")
    if data.get("client_id") != application.client_id:
        raise InvalidClientMetadata("client_id must be the client's own (RFC 7592 §2.2).")
    for name in ("registration_access_token", "registration_client_uri", "client_id_issued_at"):
        if name in data:
            raise InvalidClientMetadata(f"{name} may not be sent (RFC 7592 §2.2).")
    metadata = parse_client_metadata(
        {key: value for key, value in data.items() if key not in ("client_id", "client_secret")},
        registration_policy(),
    )
    if metadata.client_type != application.client_type:
        raise InvalidClientMetadata("token_endpoint_auth_method cannot change the client's type.")
    fields = metadata.application_fields()
    if not fields["name"]:
        fields["name"] = application.name
    for name, value in fields.items():
        setattr(application, name, value)
    try:
        application.full_clean(exclude=["client_secret"])
    except ValidationError as exc:
        raise _as_registration_error(exc) from exc
    application.save()
    return application, metadata


def delete_registration(application: Any) -> None:
    """RFC 7592 §2.3: the client is gone, and so are its tokens (deleted with it)."""
    application_id = application.pk
    application.delete()
    signals.client_disabled.send(sender=type(application), application_id=application_id)
