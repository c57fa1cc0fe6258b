"""Bearer tokens on the wire (RFC 6750): reading one from a request, and the challenge
that answers an error.

Framework-free: the resource server's DRF classes and plain-Django decorator call these
functions, and so does the authorization server's userinfo endpoint (OpenID Connect
Core §5.3.1: a bearer token, RFC 6750).
"""

from __future__ import annotations

import re

from django.http import HttpRequest, QueryDict

from ..settings import provider_settings
from .dpop import dpop_challenge, dpop_enabled
from .errors import (
    InsufficientScope,
    InvalidDPoPProof,
    InvalidRequest,
    MissingToken,
    OAuthError,
    UseDPoPNonce,
)

__all__ = ["bearer_challenge", "bearer_token_from", "challenge_for", "presented_token"]

# RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
# RFC 6750 §2.2: a body token needs a method whose body has defined semantics; never GET.
BODY_TOKEN_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _quoted(value: str) -> str:
    # RFC 6750 section 3: quoted-string of printable ASCII; header values must stay ASCII.
    text = value.encode("ascii", "replace").decode("ascii").replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def bearer_challenge(
    error: str | None = None,
    description: str | None = None,
    scope: str | None = None,
    resource_metadata: str | None = None,
) -> str:
    """A ``WWW-Authenticate`` value (RFC 6750 §3), with ``resource_metadata``, the URL of
    the protected resource metadata, when given (RFC 9728 §5.1)."""
    params = [f"realm={_quoted(provider_settings.RESOURCE_SERVER_REALM)}"]
    if resource_metadata:
        params.append(f"resource_metadata={_quoted(resource_metadata)}")
    if error:
        params.append(f"error={_quoted(error)}")
        if description:
            params.append(f"error_description={_quoted(description)}")
    if scope:
        params.append(f"scope={_quoted(scope)}")
    return "Bearer " + ", ".join(params)


def challenge_for(error: OAuthError, resource_metadata: str | None = None) -> str | None:
    """The ``WWW-Authenticate`` value that answers ``error``; ``None`` for a 5xx, which is
    not the client's to fix (RFC 6750 §3.1 names only 400, 401 and 403)."""
    if error.status_code >= 500:
        return None
    if isinstance(error, MissingToken):
        # RFC 6750 §3.1: no error code when the request carried no credentials; with DPoP
        # on, both schemes are offered (RFC 9449 §7.1).
        challenge = bearer_challenge(resource_metadata=resource_metadata)
        return challenge + (", " + dpop_challenge() if dpop_enabled() else "")
    if error.dpop or isinstance(error, (InvalidDPoPProof, UseDPoPNonce)):
        return dpop_challenge(error.error, error.description)
    scope = " ".join(error.required) if isinstance(error, InsufficientScope) else None
    return bearer_challenge(error.error, error.description, scope=scope, resource_metadata=resource_metadata)


def presented_token(request: HttpRequest) -> tuple[str, str] | None:
    """``(scheme, token)`` of a request: ``("dpop", token)`` for ``Authorization: DPoP``
    while DPoP is on (RFC 9449 §7.1), else ``("bearer", token)`` by :func:`bearer_token_from`'s
    rules; ``None`` when it sent none."""
    scheme, _, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if dpop_enabled() and scheme.lower() == "dpop":
        value = value.strip()
        if not value or not B64TOKEN.fullmatch(value):
            raise InvalidRequest("The Authorization header must be 'DPoP <token>' (RFC 9449 §7.1).")
        if request.META.get("QUERY_STRING") and "access_token" in request.GET:
            raise InvalidRequest("Send exactly one access token (RFC 6750 section 2).")
        return "dpop", value
    token = bearer_token_from(request)
    return ("bearer", token) if token is not None else None


def bearer_token_from(request: HttpRequest) -> str | None:
    """The bearer token of a request (RFC 6750 section 2), or ``None`` when it sent none.

    The ``Authorization`` header always counts; a form body ``access_token`` (POST, PUT
    or PATCH) only when ``ACCESS_TOKEN_IN_BODY`` is on; the URL query never (RFC 9700 §4.3.2).
    Raises :class:`~oauth_provider.core.errors.InvalidRequest` for a malformed or repeated token.
    """
    found: list[str] = []
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            value = value.strip()
            if not value or not B64TOKEN.fullmatch(value):
                raise InvalidRequest(
                    "The Authorization header must be 'Bearer <token>' (RFC 6750 section 2.1)."
                )
            found.append(value)
    if request.META.get("QUERY_STRING") and "access_token" in request.GET:
        raise InvalidRequest(
            "Access tokens are not accepted in the URL query; send them in the Authorization header."
        )
    if (
        provider_settings.ACCESS_TOKEN_IN_BODY
        and request.method in BODY_TOKEN_METHODS
        and request.content_type == "application/x-www-form-urlencoded"
    ):
        # Django parses a form body into request.POST for POST only; PUT and PATCH bodies
        # have the same semantics (RFC 6750 §2.2), so parse the raw body the same way.
        form = (
            request.POST if request.method == "POST" else QueryDict(request.body, encoding=request.encoding)
        )
        found += form.getlist("access_token")
    if len(found) > 1:
        raise InvalidRequest("Send exactly one access token (RFC 6750 section 2).")
    return found[0] if found else None
