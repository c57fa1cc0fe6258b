"""A resource server's copy of the authorization server's JWKS (resource/jwt.py): fetched
once, kept, fetched again for an unknown ``kid`` but never more often than the floor, and
kept when the authorization server cannot answer.

The JWKS is served by a small HTTP server of the test's own, which counts its requests and
can be told to fail; the tokens are signed with keys the test generates.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from oauth_provider.core import jose
from oauth_provider.core.errors import AuthorizationServerUnavailable, InvalidToken
from oauth_provider.core.jwt_access_tokens import access_token_claims
from oauth_provider.resource import validate_access_token
from oauth_provider.resource.jwt import clear_key_sets

ISSUER = "https://as.example"
API = "https://api.example"


class JWKSServer:
    """Serves ``self.document`` at ``/jwks``; ``self.status`` other than 200 is an error."""

    def __init__(self) -> None:
        self.document: dict = {"keys": []}
        self.status = 200
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                body = json.dumps(server.document).encode() if server.status == 200 else b"down"
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/jwks"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def publish(self, *keys: tuple[str, object]) -> None:
        self.document = {"keys": [jose.public_jwk(key, "RS256", kid) for kid, key in keys]}


@pytest.fixture
def jwks_server() -> Iterator[JWKSServer]:
    server = JWKSServer()
    yield server
    server.http.shutdown()
    server.http.server_close()


@pytest.fixture
def resource_server(settings, jwks_server):
    def configure(**values) -> None:
        settings.OAUTH_PROVIDER = {
            **settings.OAUTH_PROVIDER,
            "RESOURCE_SERVER_JWT": True,
            "RESOURCE_SERVER_JWT_ISSUER": ISSUER,
            "RESOURCE_SERVER_JWKS_URL": jwks_server.url,
            "RESOURCE_SERVER_AUDIENCE": [API],
            **values,
        }

    configure()
    yield configure
    clear_key_sets()


def new_key() -> tuple[str, object]:
    key = jose.generate_private_key("RS256")
    return jose.thumbprint(key), key


def token_signed_by(kid: str, key: object) -> str:
    now = int(time.time())
    claims = access_token_claims(
        issuer=ISSUER,
        subject="client-1",
        audience=[API],
        client_id="client-1",
        scopes=["read"],
        issued_at=now,
        lifetime=300,
        jti=uuid.uuid4().hex,
    )
    return jose.sign(claims, key, alg="RS256", kid=kid, typ="at+jwt")


def test_the_keys_are_fetched_once(resource_server, jwks_server):
    kid, key = new_key()
    jwks_server.publish((kid, key))
    for _ in range(5):
        info = validate_access_token(token_signed_by(kid, key))
        assert info.client_id == "client-1" and info.is_client_token
    assert jwks_server.requests == 1


def test_an_unknown_kid_fetches_the_keys_again(resource_server, jwks_server):
    resource_server(JWKS_REFETCH_FLOOR_SECONDS=0)
    old = new_key()
    jwks_server.publish(old)
    validate_access_token(token_signed_by(*old))
    new = new_key()
    jwks_server.publish(old, new)  # rotation: published ahead of use
    assert validate_access_token(token_signed_by(*new)).client_id == "client-1"
    assert jwks_server.requests == 2
    # The old key has left the JWKS: once fetched again, what it signs is refused.
    jwks_server.publish(new)
    newest = new_key()
    jwks_server.publish(new, newest)
    validate_access_token(token_signed_by(*newest))
    with pytest.raises(InvalidToken):
        validate_access_token(token_signed_by(*old))


def test_unknown_kids_fetch_at_most_once_per_floor(resource_server, jwks_server):
    """A stream of made-up kid values cannot become a stream of fetches."""
    resource_server(JWKS_REFETCH_FLOOR_SECONDS=3600)
    known = new_key()
    jwks_server.publish(known)
    validate_access_token(token_signed_by(*known))
    for _ in range(20):
        with pytest.raises(InvalidToken):
            validate_access_token(token_signed_by(*new_key()))
    assert jwks_server.requests == 1


def test_no_keys_and_no_answer_is_503_never_a_valid_token(resource_server, jwks_server):
    jwks_server.status = 500
    with pytest.raises(AuthorizationServerUnavailable):
        validate_access_token(token_signed_by(*new_key()))


def test_keys_already_fetched_are_kept_while_the_server_is_down(resource_server, jwks_server):
    resource_server(JWKS_CACHE_SECONDS=0, JWKS_REFETCH_FLOOR_SECONDS=0)
    known = new_key()
    jwks_server.publish(known)
    validate_access_token(token_signed_by(*known))
    jwks_server.status = 500
    assert validate_access_token(token_signed_by(*known)).client_id == "client-1"
    assert jwks_server.requests == 2


def test_private_hmac_and_encryption_keys_in_the_jwks_are_ignored(resource_server, jwks_server):
    kid, key = new_key()
    private = json.loads(key.export_private())
    jwks_server.document = {
        "keys": [
            {**private, "kid": kid, "alg": "RS256"},
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac", "alg": "HS256"},
            {**jose.public_jwk(key, "RS256", "enc"), "use": "enc"},
        ]
    }
    with pytest.raises(InvalidToken):
        validate_access_token(token_signed_by(kid, key))
    with pytest.raises(InvalidToken):
        validate_access_token(token_signed_by("enc", key))


def test_a_separate_resource_server_has_no_user_of_its_own(resource_server, jwks_server):
    """sub names a user of the authorization server, not of this site's user table."""
    kid, key = new_key()
    jwks_server.publish((kid, key))
    now = int(time.time())
    claims = access_token_claims(
        issuer=ISSUER,
        subject="42",
        audience=[API],
        client_id="client-1",
        scopes=["read"],
        issued_at=now,
        lifetime=300,
        jti=uuid.uuid4().hex,
    )
    info = validate_access_token(jose.sign(claims, key, alg="RS256", kid=kid, typ="at+jwt"))
    assert info.subject == "42" and not info.is_client_token
    assert not info.user.is_authenticated
