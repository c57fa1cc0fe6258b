"""Signals sent when something happened. They carry ids, never secrets or token values."""

from django.dispatch import Signal

__all__ = [
    "authorization_code_reused",
    "client_created",
    "client_disabled",
    "client_secret_rotated",
    "consent_given",
    "consent_revoked",
    "authorization_request_pushed",
    "device_authorization_decided",
    "dpop_proof_replayed",
    "guessing_suspected",
    "rate_limit_hit",
    "refresh_token_reused",
    "signing_key_created",
    "signing_key_retired",
    "token_exchanged",
    "token_issued",
    "token_revoked",
]

#: A token was issued. Arguments: application_id, user_id, grant_type, client_type, scope,
#: token_family.
token_issued = Signal()
#: An access token was exchanged for another (RFC 8693). Arguments: application_id (the
#: client that exchanged), user_id, subject_application_id (the client the subject token
#: was issued to), audience, scope, actor (the act claim, a dict).
token_exchanged = Signal()
#: Tokens were revoked: by a client (RFC 7009), or by an operator (a client's tokens, or a
#: token family). Arguments: application_id, user_id (None when the tokens are not one
#: owner's), token_family, tokens_revoked.
token_revoked = Signal()
#: A rotated refresh token was presented again; its family was revoked.
#: Arguments: application_id, token_family, tokens_revoked.
refresh_token_reused = Signal()
#: An authorization code was exchanged twice; what it issued was revoked.
#: Arguments: application_id, grant_id, tokens_revoked.
authorization_code_reused = Signal()
#: An owner approved a client. Arguments: user_id, application_id, scope.
consent_given = Signal()
#: An owner approved or denied a device authorization (RFC 8628 §3.3) on the verification
#: page. Arguments: application_id, user_id, approved, scope (the approved scopes).
device_authorization_decided = Signal()
#: A client pushed an authorization request (RFC 9126). Arguments: application_id, expires_in.
authorization_request_pushed = Signal()
#: A DPoP proof was presented again (RFC 9449 §11.1): someone may hold a stolen proof.
#: Arguments: where ("token_endpoint" or "resource_server"), jkt (the key's thumbprint).
dpop_proof_replayed = Signal()
#: An owner's stored consent was revoked. Arguments: user_id, application_id.
consent_revoked = Signal()
#: A request was refused by a rate limit or lockout. Arguments: endpoint, subject_kind,
#: first_in_window (True for the subject's first refusal in this window or lockout).
rate_limit_hit = Signal()
#: A client was registered. Arguments: application_id, client_id.
client_created = Signal()
#: A client's secret was rotated. Arguments: application_id, grace_seconds.
client_secret_rotated = Signal()
#: A client was disabled. Arguments: application_id.
client_disabled = Signal()
#: Failed authentications for one client id, or one username at the password grant,
#: reached ``FAILED_ATTEMPTS_LIMIT`` in a window, counting every address: someone may be
#: guessing. Nothing is locked out for it (see docs/security.rst). Sent once per window.
#: Arguments: subject_kind ("client" or "user"), client_id (None for a user), failures.
guessing_suspected = Signal()
#: A signing key was created. Arguments: kid, algorithm, publish_at, activate_at.
signing_key_created = Signal()
#: A signing key was retired: it signs no more from ``retire_at``, and leaves the JWKS
#: document at ``unpublish_at`` (at once when compromised). Arguments: kid, algorithm,
#: retire_at, unpublish_at, compromised.
signing_key_retired = Signal()
