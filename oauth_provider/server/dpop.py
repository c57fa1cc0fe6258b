"""DPoP at the token endpoint (RFC 9449 §5): the request's proof, checked once per request,
and the key the tokens it issues are bound to, handed to the validator.

The proof checks themselves are ``oauth_provider.core.dpop``'s, shared with the resource
server. The bound key travels in a context variable: oauthlib hands the validator its own
request object, and its ``extra_credentials`` would end up in the token response.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from ..core import dpop
from ..core.errors import InvalidDPoPProof
from ..core.issuer import absolute_url
from ..settings import provider_settings
from . import client_authentication

__all__ = ["binding", "bound_key", "refresh_binding_problem", "token_request_proof"]

_bound: ContextVar[str | None] = ContextVar("oauth_provider_dpop_key", default=None)
_CHECKED = "_oauth_provider_dpop_proof"


def token_request_proof(request: HttpRequest, client_id: str | None) -> dpop.Proof | None:
    """The token request's proof, checked (RFC 9449 §4.3) and its ``jti`` recorded; ``None``
    without one (or while DPoP is off). A client registered for DPoP-bound tokens must send
    one (§5.2). Checked once per request: the endpoint may run its work twice."""
    if not dpop.dpop_enabled():
        return None
    if hasattr(request, _CHECKED):
        return getattr(request, _CHECKED)
    header = dpop.proof_header(request.META)
    proof = None
    if header is not None:
        proof = dpop.verify_proof(
            header,
            method=request.method or "POST",
            url=absolute_url(request, reverse("oauth_provider:token")),
            nonce_required=bool(provider_settings.DPOP_NONCE_REQUIRED),
        )
        if not dpop.remember_jti(proof, "token_endpoint"):
            raise InvalidDPoPProof("This DPoP proof was used before (RFC 9449 §11.1).")
    else:
        client = client_authentication.load_client(client_id or "")
        if client is not None and client.dpop_bound_access_tokens:
            raise InvalidDPoPProof(
                "This client must send a DPoP proof with its token requests (RFC 9449 §5.2)."
            )
    setattr(request, _CHECKED, proof)
    return proof


@contextmanager
def binding(proof: dpop.Proof | None) -> Iterator[None]:
    """While the tokens are issued, :func:`bound_key` is the proof's key thumbprint."""
    token = _bound.set(proof.jkt if proof is not None else None)
    try:
        yield
    finally:
        _bound.reset(token)


def bound_key() -> str | None:
    """The DPoP key thumbprint the tokens being issued are bound to, or ``None`` (bearer)."""
    return _bound.get()


def refresh_binding_problem(token: Any) -> str | None:
    """RFC 9449 §5: a bound refresh token is used only with a proof of its key."""
    if token.jkt and token.jkt != bound_key():
        return "This refresh token is bound to a DPoP key: send a proof signed with that key (RFC 9449 §5)."
    return None
