"""The oauthlib request validator: django-oauth-toolkit's, with our rules in place of its defaults.

Glue only. Each override delegates to a small module (client authentication, the token
store, revocation, hashing, scopes) or to the models, and says which RFC rule it keeps.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any, NoReturn

from django.db import router
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_refresh_token_model,
    set_token_value,
)
from oauth2_provider.oauth2_validators import OAuth2Validator as DOTValidator
from oauthlib.common import Request
from oauthlib.oauth2.rfc6749 import errors

from ..core import signals
from ..core.grant_types import LEGACY_GRANT_TYPES, RESPONSE_TYPES, GrantType, supported_response_types
from ..core.hashing import hash_token
from ..core.resources import join_resources
from ..settings import provider_settings
from ..storage import jwt_denylist, revocation, token_cache, transactions
from ..storage.token_store import AlreadyUsed, NewTokens, token_store
from . import client_authentication, dpop
from .consent import owner_refusal, owner_share
from .device import authorizations as device_authorizations
from .oidc.validator import OpenIDConnectHooks

__all__ = ["OAuth2Validator"]


def _client(request: Request, client_id: str | None) -> Any:
    """The active client ``client_id``: the one already on the request, or loaded once.

    oauthlib asks several validator hooks about the same client in one request.
    """
    client = getattr(request, "client", None)
    if client is not None and client_id and client.client_id == client_id:
        return client
    return client_authentication.load_client(client_id or "")


def _off_here(grant_type: str | None) -> str:
    """The start of an error description for a legacy grant the site did not turn on."""
    if grant_type in LEGACY_GRANT_TYPES:
        return f"The {grant_type} grant is off on this server (RFC 9700 discourages it); "
    return ""


def _login_time(value: Any) -> datetime | None:
    """The owner's login time as the view handed it over (seconds since the epoch)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=dt_timezone.utc)
    return None


def _epoch(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


class OAuth2Validator(OpenIDConnectHooks, DOTValidator):
    """django-oauth-toolkit's validator with oauth_provider's security rules (the OpenID
    Connect hooks come from :class:`~oauth_provider.server.oidc.validator.OpenIDConnectHooks`)."""

    # -- clients (RFC 6749 §2.3) -------------------------------------------------

    def authenticate_client(self, request: Request, *args: Any, **kwargs: Any) -> bool:
        try:
            credentials = client_authentication.read_credentials(
                request.headers.get("Authorization", ""),
                request.client_id,
                getattr(request, "client_secret", None),
            )
        except client_authentication.MalformedCredentials as exc:
            raise errors.InvalidRequestError(description=str(exc), request=request) from exc
        if credentials is None:
            return False
        client = client_authentication.authenticate(credentials)
        if client is None:
            return False
        if request.grant_type == "client_credentials" and not client.is_confidential:
            # RFC 6749 §4.4: only confidential clients may use client credentials.
            return False
        request.client = client
        request.client_id = client.client_id
        return True

    def client_authentication_required(self, request: Request, *args: Any, **kwargs: Any) -> bool:
        if request.headers.get("Authorization") or getattr(request, "client_secret", None) is not None:
            return True
        client = _client(request, request.client_id)
        # Unknown clients go through authenticate_client, which fails them as invalid_client.
        return client is None or client.is_confidential

    def authenticate_client_id(self, client_id: str, request: Request, *args: Any, **kwargs: Any) -> bool:
        client = _client(request, client_id)
        if client is None or client.is_confidential:
            return False
        request.client = client
        return True

    def validate_client_id(self, client_id: str, request: Request, *args: Any, **kwargs: Any) -> bool:
        client = _client(request, client_id)
        if client is None:
            return False
        request.client = client
        return True

    def validate_grant_type(
        self, client_id: str, grant_type: str, client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        if grant_type not in provider_settings.GRANT_TYPES:
            raise errors.UnsupportedGrantTypeError(
                description=_off_here(grant_type)
                + f"grant_type must be one of: {', '.join(provider_settings.GRANT_TYPES)}.",
                request=request,
            )
        return request.client.has_grant_type(grant_type)

    def validate_response_type(
        self, client_id: str, response_type: str, client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        grant_type = RESPONSE_TYPES.get(response_type)
        if grant_type is None or grant_type not in provider_settings.GRANT_TYPES:
            supported = supported_response_types(provider_settings.GRANT_TYPES)
            raise errors.UnsupportedResponseTypeError(
                description=_off_here(grant_type) + f"response_type must be one of: {', '.join(supported)}.",
                request=request,
            )
        return client.has_grant_type(grant_type)

    def validate_scopes(
        self, client_id: str, scopes: list[str], client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        if not super().validate_scopes(client_id, scopes, client, request, *args, **kwargs):
            return False
        if request.grant_type == "password" and request.user is not None:
            # RFC 6749 §5.2: a scope that "exceeds the scope granted by the resource owner".
            explicit = bool(request.scope)
            request.scopes, refused = owner_share(request.user, client, list(scopes), explicit)
            if refused:
                raise errors.InvalidScopeError(description=owner_refusal(refused), request=request)
        return True

    def is_pkce_required(self, client_id: str, request: Request) -> bool:
        client = request.client or _client(request, client_id)
        if client is None or not client.is_confidential:
            return True
        return bool(provider_settings.PKCE_REQUIRED_FOR_CONFIDENTIAL_CLIENTS)

    def rotate_refresh_token(self, request: Request) -> bool:
        return True

    # -- authorization codes (RFC 6749 §4.1) -------------------------------------

    def save_authorization_code(
        self, client_id: str, code: dict, request: Request, *args: Any, **kwargs: Any
    ) -> None:
        get_grant_model().objects.create(
            application=request.client,
            user=request.user,
            code=hash_token(code["code"]),
            expires=timezone.now() + timedelta(seconds=request.client.lifetime("authorization_code")),
            redirect_uri=request.redirect_uri,
            scope=" ".join(request.scopes),
            code_challenge=request.code_challenge or "",
            code_challenge_method=request.code_challenge_method or "",
            redirect_uri_given=getattr(request, "redirect_uri_given", True),
            # OpenID Connect Core §3.1.2.1 and §2: for the ID token of the exchange.
            nonce=getattr(request, "nonce", None) or "",
            auth_time=_login_time(getattr(request, "auth_time", None)),
            # RFC 8707: the audience of the tokens this code is exchanged for.
            resource=join_resources(getattr(request, "resources", None) or []),
        )

    def _grant(self, code: str, request: Request):
        """The grant for ``code`` if it belongs to the request's client, cached on the request."""
        grant = getattr(request, "grant", None)
        if grant is None:
            grant = token_store().authorization_code(hash_token(code))
            if grant is not None and (request.client is None or grant.application_id != request.client.pk):
                # RFC 6749 §4.1.3: a code is bound to the client it was issued to.
                grant = None
            request.grant = grant
        return grant

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        grant = self._grant(code, request)
        if grant is None:
            return False
        if grant.consumed is not None:
            revocation.end_reused_code(grant)
            request.grant = None
            return False
        if grant.is_expired() or not grant.user.is_active:
            return False
        request.user = grant.user
        request.scopes = grant.scope.split()
        request.auth_time = _epoch(grant.auth_time)
        return True

    def confirm_redirect_uri(
        self, client_id: str, code: str, redirect_uri: str, client: Any, *args: Any, **kwargs: Any
    ) -> bool:
        request = args[0] if args else kwargs.get("request")
        grant = self._grant(code, request)
        if (
            grant is not None
            and grant.redirect_uri_given
            and getattr(request, "using_default_redirect_uri", False)
        ):
            raise errors.InvalidRequestError(
                description="redirect_uri is required: the authorization request had it (RFC 6749 §4.1.3).",
                request=request,
            )
        if grant is None or grant.redirect_uri != redirect_uri:
            # RFC 6749 §4.1.3 and §5.2: a redirect_uri unlike the authorization request's is invalid_grant.
            raise errors.InvalidGrantError(
                description="redirect_uri does not match the one in the authorization request.",
                request=request,
            )
        return True

    def get_code_challenge(self, code: str, request: Request) -> str | None:
        grant = self._grant(code, request)
        return (grant.code_challenge or None) if grant else None

    def get_code_challenge_method(self, code: str, request: Request) -> str | None:
        grant = self._grant(code, request)
        return (grant.code_challenge_method or None) if grant else None

    def get_authorization_code_scopes(
        self, client_id: str, code: str, redirect_uri: str, request: Request
    ) -> list[str]:
        grant = getattr(request, "grant", None)
        if grant is None:
            scopes = get_grant_model().objects.filter(code=hash_token(code)).values_list("scope", flat=True)
            return next(iter(scopes.order_by()[:1]), "").split()
        return grant.scope.split()

    def invalidate_authorization_code(
        self, client_id: str, code: str, request: Request, *args: Any, **kwargs: Any
    ) -> None:
        grant = self._grant(code, request)
        if grant is None:
            raise errors.InvalidGrantError(request=request)
        if not getattr(request, "grant_spent", False):
            token_store().mark_code_used(grant, timezone.now())

    # -- refresh tokens (RFC 6749 §6, RFC 9700 §4.14.2) --------------------------

    def validate_refresh_token(
        self, refresh_token: str, client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        token = token_store().refresh_token(hash_token(refresh_token))
        if token is None or token.application_id != client.pk:
            # RFC 6749 §6: bound to its client; another client's token is simply unknown.
            return False
        if token.revoked is not None:
            revocation.end_reused_refresh_token(token)
            return False
        lifetime = client.lifetime("refresh_token")
        if lifetime and token.created + timedelta(seconds=lifetime) <= timezone.now():
            return False
        absolute = client.lifetime("refresh_token_absolute")
        started = token.family_started or token.created
        if absolute and started + timedelta(seconds=absolute) <= timezone.now():
            raise errors.InvalidGrantError(
                description="The grant behind this refresh token has reached its absolute lifetime; "
                "ask the resource owner again.",
                request=request,
            )
        if not token.user.is_active:
            return False
        unbound = dpop.refresh_binding_problem(token)
        if unbound:
            raise errors.InvalidGrantError(description=unbound, request=request)
        request.user = token.user
        request.refresh_token = refresh_token
        request.refresh_token_instance = token
        request.auth_time = _epoch(token.auth_time)
        return True

    def get_original_scopes(
        self, refresh_token: str, request: Request, *args: Any, **kwargs: Any
    ) -> list[str]:
        return request.refresh_token_instance.scope.split()

    # -- device codes (RFC 8628 §3.4, §3.5) ----------------------------------------

    def validate_device_code(
        self, client_id: str, code: str, request: Request, *args: Any, **kwargs: Any
    ) -> Any:
        """The polling outcome for ``code``; an approved one carries the owner and the scopes
        fixed when they approved it, whatever the token request says."""
        outcome, row = device_authorizations.poll(request.client, code)
        if outcome == device_authorizations.AUTHORIZED and row is not None:
            request.user = row.user
            request.scopes = row.scope_list
            request.device_authorization = row
            return "authorized"
        return outcome

    def _redeem_device_code(self, request: Request) -> None:
        """Spend the device code in the transaction that stores its tokens (RFC 8628 §3.5:
        a device code is exchanged once)."""
        row = request.device_authorization
        transactions.begin(router.db_for_write(type(row)))
        if not device_authorizations.redeem(row):
            raise errors.InvalidGrantError(
                description="The device code was already exchanged for tokens.", request=request
            )

    # -- issuing tokens -----------------------------------------------------------

    def save_bearer_token(self, token: dict, request: Request, *args: Any, **kwargs: Any) -> None:
        AccessToken = get_access_token_model()
        RefreshToken = get_refresh_token_model()
        if not request.client.has_grant_type("refresh_token"):
            token.pop("refresh_token", None)
        if request.grant_type == "client_credentials":
            request.user = None
        # The refresh token presented, on a refresh.
        previous = getattr(request, "refresh_token_instance", None)
        if request.grant_type != "refresh_token":
            previous = None
        if request.grant_type == GrantType.DEVICE_CODE:
            self._redeem_device_code(request)
        family = self._token_family(request, previous)
        now = timezone.now()
        exchange = getattr(request, "token_exchange", None)
        if exchange is not None:
            # RFC 8693: the new token never outlives the one it was exchanged for.
            remaining = int((exchange.expires - now).total_seconds())
            token["expires_in"] = max(1, min(int(token.get("expires_in", remaining)), remaining))
        access_token = AccessToken(
            user=request.user,
            application=request.client,
            scope=token["scope"],
            expires=now
            + timedelta(seconds=token.get("expires_in", provider_settings.ACCESS_TOKEN_EXPIRE_SECONDS)),
            source_refresh_token=previous,
            token_family=family,
            id_token=self._save_id_token_row(request),
            # A JWT access token's jti (server/jwt_access_tokens.py), for the denylist.
            jti=getattr(request, "access_token_jti", None) or "",
            # RFC 8707: the token's audience, checked by resource servers (resource_indicators.py).
            resource=join_resources(getattr(request, "resources", None) or []),
        )
        if exchange is not None:
            access_token.audience = exchange.audience
            access_token.actor = json.dumps(exchange.actor, separators=(",", ":"))
        set_token_value(access_token, token["access_token"])
        key = dpop.bound_key()
        if key is not None:
            # RFC 9449 §5, §6: the token is bound to the proof's key, and says so.
            access_token.jkt = key
            token["token_type"] = "DPoP"
        refresh_token = None
        if token.get("refresh_token"):
            refresh_token = RefreshToken(
                user=request.user,
                application=request.client,
                token_family=family,
                scope=token["scope"] if previous is None else previous.scope,
                # A refresh may narrow the audience of its access token, never of the family.
                resource=access_token.resource if previous is None else previous.resource,
                auth_time=_login_time(getattr(request, "auth_time", None)),
                # RFC 9449 §5: a public client's refresh token is bound too.
                jkt=key if key and not request.client.is_confidential else "",
                # The absolute lifetime counts from the family's first refresh token.
                family_started=(previous.family_started or previous.created) if previous is not None else now,
            )
            set_token_value(refresh_token, token["refresh_token"])
        code = request.grant if request.grant_type == GrantType.AUTHORIZATION_CODE else None
        tokens = NewTokens(
            access_token,
            refresh_token,
            request.client,
            now,
            code=code,
            rotated=previous,
            # A client credentials token is one INSERT; losing it in a crash only makes the
            # client ask again.
            wait_for_disk=request.grant_type != GrantType.CLIENT_CREDENTIALS
            or not provider_settings.ASYNC_COMMIT_CLIENT_CREDENTIALS_TOKENS,
        )
        try:
            token_store().store(tokens)
        except AlreadyUsed:
            if access_token.id_token is not None:
                # Issued for a response that is not sent.
                access_token.id_token.delete()
            self._used_twice(request)
        request.grant_spent = code is not None
        if previous is not None and previous.access_token_id is not None:
            token_cache.discard_access_token(previous.access_token_id)
            if jwt_denylist.enabled():
                revocation.deny_replaced_jwt(previous.access_token_id, now)
        if exchange is not None:
            signals.token_exchanged.send(
                sender=type(self),
                application_id=request.client.pk,
                user_id=getattr(request.user, "pk", None),
                subject_application_id=exchange.subject_application_id,
                audience=exchange.audience,
                scope=token["scope"],
                actor=exchange.actor,
            )
        signals.token_issued.send(
            sender=type(self),
            application_id=request.client.pk,
            user_id=getattr(request.user, "pk", None),
            grant_type=request.grant_type or "implicit",
            client_type=request.client.client_type,
            scope=token["scope"],
            token_family=family,
        )

    def _save_id_token_row(self, request: Request) -> Any:
        """The ID token issued with these tokens (finalize_id_token), saved in the request's
        transaction so that it is stored with them or not at all."""
        row = getattr(request, "id_token", None)
        if row is None:
            return None
        if row.pk is None:
            using = router.db_for_write(type(row))
            transactions.begin(using)
            row.save(using=using)
        return row

    def _used_twice(self, request: Request) -> NoReturn:
        """Another request used the code or refresh token first: this is its reuse."""
        if request.grant_type == GrantType.AUTHORIZATION_CODE:
            revocation.end_reused_code(request.grant)
        else:
            revocation.end_reused_refresh_token(request.refresh_token_instance)
        raise errors.InvalidGrantError(request=request)

    def _token_family(self, request: Request, previous: Any) -> uuid.UUID:
        if request.grant_type == "authorization_code" and getattr(request, "grant", None) is not None:
            return request.grant.token_family
        if previous is not None and previous.token_family:
            return previous.token_family
        device = getattr(request, "device_authorization", None)
        if request.grant_type == GrantType.DEVICE_CODE and device is not None:
            return device.token_family
        return uuid.uuid4()

    # -- revocation (RFC 7009) ----------------------------------------------------

    def revoke_token(
        self, token: str, token_type_hint: str | None, request: Request, *args: Any, **kwargs: Any
    ) -> None:
        """Revoke the token's whole family, but only if it was issued to the requesting client."""
        if request.client is None or not token:
            return
        checksum = hash_token(token)
        models = [get_access_token_model(), get_refresh_token_model()]
        if token_type_hint == "refresh_token":
            models.reverse()
        for model in models:
            found = model.objects.filter(token_checksum=checksum, application=request.client).first()
            if found is not None:
                revocation.revoke_token(found)
                return

    # -- resource owners (RFC 6749 §4.3) ---------------------------------------------

    def validate_user(
        self, username: str, password: str, client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        # oauthlib checks the password before the grant type; a client without the
        # password grant must not learn whether a password is right.
        if not self.validate_grant_type(client.client_id, "password", client, request):
            raise errors.UnauthorizedClientError(request=request)
        if not username or not password or "\x00" in username or "\x00" in password:
            return False
        return super().validate_user(username, password, client, request, *args, **kwargs)
