"""Property-based tests: hostile requests at the authorization, token, revocation and
introspection endpoints (docs/security.rst, policy "no 5xx for any client input", items 1, 7 and 9).

Hypothesis builds requests from parameters that repeat, are missing or empty, hold NUL
bytes, invalid UTF-8 or thousands of characters, with wrong methods, content types and
``Authorization`` headers, absurd scopes and redirect URIs. Some values are real (a
client id, its secret, a fresh code or token), and some requests start from a valid one
and are then mutated, so that many get deep into the grants. Whatever comes in:

* the answer is never a 5xx;
* a back-channel error is 400 (401 for ``invalid_client``, with ``WWW-Authenticate``),
  JSON with ``Cache-Control: no-store`` and an ``error`` that the endpoint's RFC
  defines, with a description; a success needs a clean form POST;
* an error writes nothing: no token issued or revoked, no code consumed, no consent;
* revocation and introspection never touch or reveal another client's tokens;
* the authorization endpoint redirects only to the login page or to a redirect URI
  registered for the active client the request names, with ``iss`` and with ``state``
  unchanged; otherwise it shows a page.

Each example sets up its own codes and tokens and starts with an empty rate-limit
cache, so examples do not depend on each other. ``PROPERTY_EXAMPLES`` (default 100 per
test) sets how many examples each test runs; run with ``--hypothesis-show-statistics``
to see them and the outcomes (Hypothesis ``event``).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from django.core.cache import caches
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, event, given, note
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
    set_token_value,
)

from oauth_provider.core.hashing import hash_token
from oauth_provider.models import Consent

from .conftest import CLIENT_SECRET, PASSWORD, pkce_pair
from .factories import ApplicationFactory, PublicApplicationFactory, UserFactory

EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "100"))

property_settings = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    # The same examples on every CI run, so a red build points at a change; a deeper,
    # random search: PROPERTY_EXAMPLES=2000 PROPERTY_RANDOM=1.
    derandomize=not os.environ.get("PROPERTY_RANDOM"),
    # The fixtures are built once per test; every example creates what it changes.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

FORM = "application/x-www-form-urlencoded"
CONFIDENTIAL_URI = "https://client.example/callback"
PUBLIC_URIS = ["http://127.0.0.1/callback", "https://app.example/callback"]
LOGIN_PATH = "/accounts/login/"

# RFC 6749 §5.2.
TOKEN_ERRORS = {
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
}
# RFC 7009 §2.2.1: RFC 6749 §5.2's codes and unsupported_token_type.
REVOKE_ERRORS = TOKEN_ERRORS | {"unsupported_token_type"}
# RFC 7662 §2.3 refers to RFC 6749 §5.2 for a request it refuses; the only ones that apply.
INTROSPECT_ERRORS = {"invalid_request", "invalid_client"}
# RFC 6749 §4.1.2.1 and §4.2.2.1 without server_error, and the answers to prompt=none
# (OpenID Connect Core §3.1.2.6).
AUTHORIZE_ERRORS = {
    "invalid_request",
    "unauthorized_client",
    "access_denied",
    "unsupported_response_type",
    "invalid_scope",
    "consent_required",
    "login_required",
}


# -- values ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """A real value known only when the example runs: a client id, a fresh code, a token."""

    name: str


def resolve(value: Any, world: dict[str, str]) -> Any:
    return world[value.name] if isinstance(value, Ref) else value


ODD_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\t",
    "\r\n",
    "%00",
    "%",
    "%zz",
    "+",
    "&",
    "=",
    "null",
    "[]",
    '{"a": 1}',
    "\u202e",
    "\ufeff",
    "\U0001f600",
    "é" * 1025,
]

hostile_text = st.one_of(
    st.text(max_size=30),
    st.text(max_size=30),
    st.sampled_from(ODD_STRINGS),
    # Percent-encoded by urlencode as they are: invalid UTF-8 once decoded.
    st.binary(max_size=12),
    # Past MAX_PARAMETER_LENGTH (2048).
    st.integers(2049, 4000).map(lambda n: "a" * n),
)

ABSURD_SCOPES = st.one_of(
    st.sampled_from(
        [
            "read",
            "read write",
            "read read",
            "read  write",
            " read",
            "read\twrite",
            "read\nwrite",
            "READ",
            "openid",
            "admin",
            "__all__",
            "read,write",
            "read+write",
            "bookings:read",
            "read write bookings:read admin",
            " ".join(["read"] * 600),
        ]
    ),
    st.lists(st.sampled_from(["read", "write", "bookings:read", "admin", "openid", "*"]), max_size=6).map(
        " ".join
    ),
    hostile_text,
)

ABSURD_REDIRECT_URIS = [
    CONFIDENTIAL_URI,
    *PUBLIC_URIS,
    "http://127.0.0.1:51234/callback",
    "http://[::1]/callback",
    "https://client.example/callback/",
    "https://client.example/callbackx",
    "https://client.example/callback/../evil",
    "https://client.example/%2e%2e/evil",
    "https://client.example/callback?next=https://evil.example/",
    "https://client.example/callback#fragment",
    "https://client.example.evil.example/callback",
    "https://evil.example/https://client.example/callback",
    "https://client.example@evil.example/callback",
    "https://evil.example\\@client.example/callback",
    "HTTPS://CLIENT.EXAMPLE/callback",
    "https://client.example:443/callback",
    "https://client.example:8443/callback",
    "https://client.example:99999/callback",
    "https://client.example:-1/callback",
    "https://client.example:abc/callback",
    "http://client.example/callback",
    "//client.example/callback",
    "/callback",
    "callback",
    "javascript:alert(1)//client.example/callback",
    "data:text/html,<script>alert(1)</script>",
    "https://[::1%25eth0]/callback",
    "https://[::ffff:127.0.0.1]/callback",
    "http://[::1]:99999/callback",
    "http://[",
    "https://[v1.fe]/callback",
    "https://[0:0:0:0:0:0:0:1/callback",
    "http://127.0.0.1.evil.example/callback",
    "http://localhost/callback",
    "https://cliént.example/callback",
    "https://client.example/callback%00",
    "https://client.example/callback\x00",
    "https://client.example/call back",
    CONFIDENTIAL_URI + "a" * 3000,
]

redirect_uri_values = st.one_of(st.sampled_from(ABSURD_REDIRECT_URIS), hostile_text)
client_id_values = st.one_of(
    st.sampled_from([Ref("client_id"), Ref("public_id"), Ref("service_id"), Ref("inactive_id")]),
    hostile_text,
)


def value_for(name: str) -> st.SearchStrategy:
    """Values for parameter ``name``: the real ones, near misses and hostile text."""
    specific = {
        "grant_type": st.sampled_from(
            [
                "authorization_code",
                "refresh_token",
                "client_credentials",
                "password",
                "implicit",
                "token",
                "AUTHORIZATION_CODE",
                "urn:ietf:params:oauth:grant-type:device_code",
                "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "urn:ietf:params:oauth:grant-type:token-exchange",
            ]
        ),
        "client_id": client_id_values,
        "client_secret": st.sampled_from([Ref("secret"), CLIENT_SECRET + " ", CLIENT_SECRET.upper()]),
        "code": st.sampled_from([Ref("code"), Ref("public_code"), Ref("access_token")]),
        "redirect_uri": redirect_uri_values,
        "scope": ABSURD_SCOPES,
        "refresh_token": st.sampled_from([Ref("refresh_token"), Ref("access_token"), Ref("code")]),
        "code_verifier": st.sampled_from([Ref("verifier"), Ref("public_verifier"), Ref("challenge")]),
        "username": st.sampled_from([Ref("username"), "admin"]),
        "password": st.sampled_from([Ref("password"), PASSWORD.upper()]),
        "token": st.sampled_from(
            [Ref("own_access"), Ref("own_refresh"), Ref("victim_access"), Ref("victim_refresh"), Ref("code")]
        ),
        "token_type_hint": st.sampled_from(["access_token", "refresh_token", "id_token", "code", "bogus"]),
        "response_type": st.sampled_from(["code", "token", "id_token", "code token", "none", "CODE"]),
        "state": st.text(max_size=40),
        "code_challenge": st.sampled_from([Ref("challenge"), "a" * 43, "a" * 42, "a" * 129, "=" * 43]),
        "code_challenge_method": st.sampled_from(["S256", "plain", "s256", "S512"]),
        "prompt": st.sampled_from(["none", "login", "consent", "none consent", "select_account"]),
        "allow": st.sampled_from(["Authorize", "", "0", "false"]),
        "approved_scopes": ABSURD_SCOPES,
    }.get(name, st.nothing())
    return st.one_of(specific, hostile_text)


def parameters(
    names: list[str], templates: list[list[tuple[str, Any]]], random: bool = True
) -> st.SearchStrategy:
    """A valid request's parameters with up to three mutations (a parameter dropped,
    repeated with the same or another value, replaced or added), or, if ``random``,
    sometimes parameters drawn at random."""
    name_strategy = st.one_of(st.sampled_from(names), st.sampled_from(["x", "Code", "grant_type ", ""]))

    @st.composite
    def random_pairs(draw: Any) -> list[tuple[Any, Any]]:
        return [(name, draw(value_for(name))) for name in draw(st.lists(name_strategy, max_size=8))]

    @st.composite
    def mutated(draw: Any) -> list[tuple[Any, Any]]:
        pairs = list(draw(st.sampled_from(templates)))
        for _ in range(draw(st.sampled_from([0, 1, 1, 1, 1, 2, 2, 3]))):
            operation = draw(
                st.sampled_from(["drop", "replace", "replace", "replace", "add", "add", "repeat"])
            )
            if operation == "add" or not pairs:
                name = draw(name_strategy)
                pairs.insert(draw(st.integers(0, len(pairs))), (name, draw(value_for(name))))
                continue
            index = draw(st.integers(0, len(pairs) - 1))
            name, value = pairs[index]
            if operation == "drop":
                del pairs[index]
            elif operation == "repeat":
                pairs.append((name, draw(st.one_of(st.just(value), value_for(name)))))
            else:
                pairs[index] = (name, draw(value_for(name)))
        return pairs

    return st.one_of(mutated(), random_pairs()) if random else mutated()


def encode(pairs: list[tuple[Any, Any]], world: dict[str, str]) -> str:
    return urlencode([(resolve(name, world), resolve(value, world)) for name, value in pairs])


def sent_parameters(pairs: list[tuple[Any, Any]], world: dict[str, str]) -> dict[str, list[str]]:
    """The parameters as the server decodes them."""
    return parse_qs(encode(pairs, world), keep_blank_values=True)


@dataclass(frozen=True)
class Body:
    """A request body: form parameters (``pairs``) or raw bytes."""

    pairs: list[tuple[Any, Any]] | None = None
    raw: bytes | None = None

    def content(self, world: dict[str, str]) -> bytes:
        return self.raw if self.raw is not None else encode(self.pairs or [], world).encode("ascii")


CONTENT_TYPES = [
    "application/json",
    "multipart/form-data; boundary=xyz",
    "text/plain",
    "",
    FORM + "; charset=utf-16",
    FORM + "; charset=no-such-charset",
    "Application/X-WWW-Form-Urlencoded",
    FORM + ", application/json",
]


BASIC = ("basic", Ref("client_id"), Ref("secret"))
SERVICE_BASIC = ("basic", Ref("service_id"), Ref("secret"))

secret_values = st.one_of(st.just(Ref("secret")), hostile_text)
authorizations = st.one_of(
    st.none(),
    st.tuples(st.just("basic"), client_id_values, secret_values),
    st.tuples(st.just("basic"), client_id_values, secret_values),
    st.tuples(
        st.just("raw"),
        st.one_of(
            st.sampled_from(["Basic", "Basic ", "Basic !!!", "Basic Og==", "Bearer x", "basic  a:b"]),
            st.text(st.characters(max_codepoint=255), max_size=40),
        ),
    ),
)
raw_bodies = st.one_of(
    st.binary(max_size=60),
    st.sampled_from([b"grant_type=\xff\xfe", b"token=\xc3\x28", b"\x00=\x00", b"a=%", b"=&=&&"]),
    # More fields than DATA_UPLOAD_MAX_NUMBER_FIELDS (1000).
    st.integers(1001, 1100).map(lambda n: "&".join(f"x{i}=1" for i in range(n)).encode()),
)
many_fields = st.integers(1001, 1100).map(lambda n: [(f"x{i}", "1") for i in range(n)])

Template = tuple[Any, list[tuple[str, Any]]]


def back_channel_requests(names: list[str], templates: list[Template]) -> st.SearchStrategy:
    """A whole request: method, content type, body, query string and Authorization header.

    Half are a valid request (form POST, right credentials) with up to three mutations of
    its parameters or a different Authorization header; half are anything at all.
    """
    pairs = parameters(names, [template for _, template in templates])

    @st.composite
    def near_valid(draw: Any) -> dict[str, Any]:
        authorization, template = draw(st.sampled_from(templates))
        if draw(st.integers(0, 4)) == 0:
            authorization = draw(authorizations)
        return {
            "method": "POST",
            "content_type": FORM,
            "body": Body(pairs=draw(parameters(names, [template], random=False))),
            "query": [],
            "authorization": authorization,
        }

    @st.composite
    def anything(draw: Any) -> dict[str, Any]:
        content_type = draw(st.one_of(st.just(FORM), st.just(FORM), st.sampled_from(CONTENT_TYPES)))
        queries = [st.just([]), st.just([]), pairs]
        if "charset" not in content_type:
            # With a charset in Content-Type, Django itself fails on too many query fields
            # while it builds the request, before any middleware or view runs.
            queries.append(many_fields)
        return {
            "method": draw(st.sampled_from(["POST"] * 8 + ["GET", "PUT", "PATCH", "DELETE", "HEAD"])),
            "content_type": content_type,
            "body": draw(
                st.one_of(
                    pairs.map(lambda p: Body(pairs=p)),
                    pairs.map(lambda p: Body(pairs=p)),
                    raw_bodies.map(lambda raw: Body(raw=raw)),
                )
            ),
            "query": draw(st.one_of(*queries)),
            "authorization": draw(authorizations),
        }

    return st.one_of(near_valid(), anything())


def send(client: Client, path: str, request: dict[str, Any], world: dict[str, str]):
    headers: dict[str, str] = {}
    authorization = request["authorization"]
    if authorization and authorization[0] == "basic":
        _, client_id, secret = authorization
        userpass = f"{resolve(client_id, world)!s}:{resolve(secret, world)!s}"
        headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(userpass.encode()).decode()
    elif authorization:
        headers["HTTP_AUTHORIZATION"] = authorization[1]
    query = encode(request["query"], world)
    return client.generic(
        request["method"],
        path + ("?" + query if query else ""),
        request["body"].content(world),
        content_type=request["content_type"],
        **headers,
    )


def is_clean_form_post(request: dict[str, Any], world: dict[str, str]) -> bool:
    """A POST of a form body, no query string, no repeated parameter (RFC 6749 §3.2, §3.1)."""
    body = request["body"]
    return (
        request["method"] == "POST"
        and request["content_type"].split(";")[0] == FORM
        and not encode(request["query"], world)
        and body.pairs is not None
        and all(len(values) == 1 for values in sent_parameters(body.pairs, world).values())
    )


# -- what the database holds ---------------------------------------------------------


def snapshot() -> dict[str, set]:
    return {
        "access tokens": set(get_access_token_model().objects.values_list("pk", flat=True)),
        "refresh tokens": set(get_refresh_token_model().objects.values_list("pk", "revoked")),
        "codes": set(get_grant_model().objects.values_list("pk", "consumed")),
        "consents": set(Consent.objects.values_list("pk", "revoked", "scope")),
        "clients": set(get_application_model().objects.values_list("pk", "client_secret", "is_active")),
    }


def token_rows_of(application) -> tuple[set, set]:
    """The ids of a client's access tokens, and of its refresh tokens with their revocation."""
    return (
        set(get_access_token_model().objects.filter(application=application).values_list("pk", flat=True)),
        set(get_refresh_token_model().objects.filter(application=application).values_list("pk", "revoked")),
    )


def new_code(application, owner, redirect_uri: str) -> tuple[str, str]:
    """A fresh authorization code with an S256 challenge; returns (code, verifier)."""
    code = secrets.token_urlsafe(24)
    verifier, challenge = pkce_pair()
    get_grant_model().objects.create(
        application=application,
        user=owner,
        code=hash_token(code),
        expires=timezone.now() + timedelta(seconds=60),
        redirect_uri=redirect_uri,
        scope="read",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    return code, verifier


def new_tokens(application, owner) -> tuple[str, str]:
    """A fresh access and refresh token pair in a new family; returns (access, refresh)."""
    AccessToken, RefreshToken = get_access_token_model(), get_refresh_token_model()
    family = uuid.uuid4()
    access_value, refresh_value = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    access = AccessToken(
        user=owner,
        application=application,
        scope="read",
        expires=timezone.now() + timedelta(hours=1),
        token_family=family,
    )
    set_token_value(access, access_value)
    access.save()
    refresh = RefreshToken(
        user=owner, application=application, access_token=access, token_family=family, scope="read"
    )
    set_token_value(refresh, refresh_value)
    refresh.save()
    return access_value, refresh_value


# -- the back-channel invariant -----------------------------------------------------------


def check_json_answer(response, request: dict[str, Any], world: dict[str, str], errors: set[str]) -> dict:
    """Never a 5xx; an error is 400/401 JSON with an RFC code; a success is a clean form POST."""
    note(f"{response.status_code} {response.content[:300]!r}")
    assert response.status_code < 500
    assert response["Cache-Control"] == "no-store"
    if request["method"] == "HEAD":
        event(f"HEAD {response.status_code}")
        return {}
    body = json.loads(response.content) if response.content else {}
    if response.status_code == 200:
        assert is_clean_form_post(request, world)
        event("200")
        return body
    assert body["error"] in errors
    assert isinstance(body["error_description"], str) and body["error_description"]
    event(f"{response.status_code} {body['error']}")
    if body["error"] == "invalid_client":
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Basic")
    else:
        assert response.status_code == 400
    return body


@pytest.fixture
def world(owner) -> dict[str, Any]:
    """The clients every example can name, and the values that stay the same across examples."""
    confidential = ApplicationFactory()
    public = PublicApplicationFactory(grant_types="authorization_code refresh_token")
    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="", allowed_scopes="read")
    inactive = ApplicationFactory(is_active=False)
    # Another client's tokens; its secret is in no strategy.
    victim = ApplicationFactory(client_secret="victim-" + secrets.token_urlsafe(32))
    victim_access, victim_refresh = new_tokens(victim, UserFactory())
    return {
        "victim": victim,
        "owner": owner,
        "confidential": confidential,
        "public": public,
        "client_id": confidential.client_id,
        "public_id": public.client_id,
        "service_id": service.client_id,
        "inactive_id": inactive.client_id,
        "secret": CLIENT_SECRET,
        "username": owner.username,
        "password": PASSWORD,
        "victim_access": victim_access,
        "victim_refresh": victim_refresh,
        "challenge": pkce_pair()[1],
    }


def fresh_example(world: dict[str, Any]) -> dict[str, str]:
    """Start an example: no rate-limit counters, fresh codes and tokens of its own."""
    for cache in caches.all():
        cache.clear()
    confidential, public, owner = world["confidential"], world["public"], world["owner"]
    values = {k: v for k, v in world.items() if isinstance(v, str)}
    values["code"], values["verifier"] = new_code(confidential, owner, CONFIDENTIAL_URI)
    values["public_code"], values["public_verifier"] = new_code(public, owner, PUBLIC_URIS[1])
    values["access_token"], values["refresh_token"] = new_tokens(confidential, owner)
    values["own_access"], values["own_refresh"] = values["access_token"], values["refresh_token"]
    return values


# -- token endpoint -----------------------------------------------------------------------

TOKEN_NAMES = [
    "grant_type",
    "code",
    "redirect_uri",
    "client_id",
    "client_secret",
    "code_verifier",
    "refresh_token",
    "scope",
    "username",
    "password",
]
TOKEN_TEMPLATES: list[Template] = [
    (
        BASIC,
        [
            ("grant_type", "authorization_code"),
            ("code", Ref("code")),
            ("redirect_uri", CONFIDENTIAL_URI),
            ("code_verifier", Ref("verifier")),
        ],
    ),
    (
        None,
        [
            ("grant_type", "authorization_code"),
            ("code", Ref("public_code")),
            ("redirect_uri", PUBLIC_URIS[1]),
            ("client_id", Ref("public_id")),
            ("code_verifier", Ref("public_verifier")),
        ],
    ),
    (BASIC, [("grant_type", "refresh_token"), ("refresh_token", Ref("refresh_token"))]),
    (BASIC, [("grant_type", "refresh_token"), ("refresh_token", Ref("refresh_token")), ("scope", "read")]),
    (SERVICE_BASIC, [("grant_type", "client_credentials"), ("scope", "read")]),
    (
        None,
        [
            ("grant_type", "client_credentials"),
            ("client_id", Ref("service_id")),
            ("client_secret", Ref("secret")),
        ],
    ),
    (BASIC, [("grant_type", "password"), ("username", Ref("username")), ("password", Ref("password"))]),
]


@property_settings
@given(request=back_channel_requests(TOKEN_NAMES, TOKEN_TEMPLATES))
def test_token_endpoint_never_fails_open_rfc6749_5_2(world, request):
    values = fresh_example(world)
    victim_rows = token_rows_of(world["victim"])
    before = snapshot()

    response = send(Client(), "/oauth/token/", request, values)

    body = check_json_answer(response, request, values, TOKEN_ERRORS)
    if response.status_code == 200:
        assert body["token_type"] == "Bearer" and body["access_token"]
    else:
        assert snapshot() == before
    assert token_rows_of(world["victim"]) == victim_rows


# -- revocation endpoint ---------------------------------------------------------------------

REVOKE_NAMES = ["token", "token_type_hint", "client_id", "client_secret"]
REVOKE_TEMPLATES: list[Template] = [
    (BASIC, [("token", Ref("own_access"))]),
    (BASIC, [("token", Ref("own_refresh")), ("token_type_hint", "refresh_token")]),
    (BASIC, [("token", Ref("victim_access"))]),
    (BASIC, [("token", Ref("victim_refresh")), ("token_type_hint", "refresh_token")]),
    (None, [("token", Ref("own_access")), ("client_id", Ref("client_id")), ("client_secret", Ref("secret"))]),
]


@property_settings
@given(request=back_channel_requests(REVOKE_NAMES, REVOKE_TEMPLATES))
def test_revocation_endpoint_never_fails_open_rfc7009(world, request):
    values = fresh_example(world)
    victim_rows = token_rows_of(world["victim"])
    before = snapshot()

    response = send(Client(), "/oauth/revoke/", request, values)

    check_json_answer(response, request, values, REVOKE_ERRORS)
    # RFC 7009 §2.1: a client revokes only its own tokens (docs/security.rst, policy item 9).
    assert token_rows_of(world["victim"]) == victim_rows
    if response.status_code != 200:
        assert snapshot() == before


# -- introspection endpoint -----------------------------------------------------------------

INTROSPECT_TEMPLATES: list[Template] = [
    (BASIC, [("token", Ref("own_access"))]),
    (BASIC, [("token", Ref("own_refresh")), ("token_type_hint", "refresh_token")]),
    (BASIC, [("token", Ref("victim_access"))]),
    (None, [("token", Ref("own_access")), ("client_id", Ref("client_id")), ("client_secret", Ref("secret"))]),
]


@property_settings
@given(request=back_channel_requests(REVOKE_NAMES, INTROSPECT_TEMPLATES))
def test_introspection_endpoint_never_fails_open_rfc7662(world, request):
    values = fresh_example(world)
    before = snapshot()

    response = send(Client(), "/oauth/introspect/", request, values)

    body = check_json_answer(response, request, values, INTROSPECT_ERRORS)
    if body.get("active"):
        # RFC 7662 §2.2: only the requesting client's own, live token is active to it.
        sent = sent_parameters(request["body"].pairs or [], values)
        assert sent["token"] in ([values["own_access"]], [values["own_refresh"]])
        assert body["client_id"] == values["client_id"]
        event("active")
    assert snapshot() == before


# -- authorization endpoint -------------------------------------------------------------------

AUTHORIZE_NAMES = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "prompt",
]
AUTHORIZE_TEMPLATES: list[list[tuple[str, Any]]] = [
    [
        ("response_type", "code"),
        ("client_id", Ref("client_id")),
        ("redirect_uri", CONFIDENTIAL_URI),
        ("scope", "read"),
        ("state", "xyz"),
    ],
    [("response_type", "code"), ("client_id", Ref("client_id")), ("state", "xyz")],
    [
        ("response_type", "code"),
        ("client_id", Ref("public_id")),
        ("redirect_uri", PUBLIC_URIS[0]),
        ("scope", "read write"),
        ("state", "xyz"),
        ("code_challenge", Ref("challenge")),
        ("code_challenge_method", "S256"),
    ],
    [
        ("response_type", "code"),
        ("client_id", Ref("client_id")),
        ("redirect_uri", CONFIDENTIAL_URI),
        ("state", "xyz"),
        ("prompt", "none"),
    ],
]
CONSENT_NAMES = [*AUTHORIZE_NAMES, "allow", "approved_scopes"]
CONSENT_TEMPLATES: list[list[tuple[str, Any]]] = [
    [
        ("client_id", Ref("client_id")),
        ("redirect_uri", CONFIDENTIAL_URI),
        ("response_type", "code"),
        ("scope", "read write"),
        ("state", "xyz"),
        ("allow", "Authorize"),
        ("approved_scopes", "read"),
        ("approved_scopes", "write"),
    ],
    [
        ("client_id", Ref("public_id")),
        ("redirect_uri", PUBLIC_URIS[1]),
        ("response_type", "code"),
        ("scope", "read"),
        ("state", "xyz"),
        ("code_challenge", Ref("challenge")),
        ("code_challenge_method", "S256"),
        ("allow", "Authorize"),
        ("approved_scopes", "read"),
    ],
]


def authorization_requests() -> st.SearchStrategy:
    """A browser's request: mostly a GET with query parameters, or a consent form POST."""
    query = st.one_of(
        parameters(AUTHORIZE_NAMES, AUTHORIZE_TEMPLATES, random=False),
        parameters(AUTHORIZE_NAMES, AUTHORIZE_TEMPLATES),
    )
    form = st.one_of(
        parameters(CONSENT_NAMES, CONSENT_TEMPLATES, random=False),
        parameters(CONSENT_NAMES, CONSENT_TEMPLATES),
    )
    logged_in = st.sampled_from([True, True, True, False])
    return st.one_of(
        st.fixed_dictionaries(
            {
                "method": st.sampled_from(["GET"] * 6 + ["HEAD", "PUT", "DELETE"]),
                "query": query,
                "form": st.just([]),
                "content_type": st.just(FORM),
                "logged_in": logged_in,
            }
        ),
        st.fixed_dictionaries(
            {
                "method": st.just("POST"),
                "query": st.one_of(st.just([]), query),
                "form": form,
                "content_type": st.one_of(
                    st.just(FORM),
                    st.just(FORM),
                    st.sampled_from(
                        [
                            FORM + "; charset=utf-16",
                            "multipart/form-data",
                            "multipart/form-data; boundary=x",
                            "text/plain",
                        ]
                    ),
                ),
                "logged_in": logged_in,
            }
        ),
    )


def redirect_sources(base: str, sources: list[dict[str, list[str]]]) -> list[dict[str, list[str]]]:
    """The request parameters (query or form) that name an active client for which the
    redirect target ``base`` is registered; fails if none do (docs/security.rst, policy item 1)."""
    found = []
    for sent in sources:
        if len(sent.get("client_id", [])) != 1:
            continue
        application = get_application_model().objects.filter(client_id=sent["client_id"][0]).first()
        if application is None or not application.is_active or not application.redirect_uri_allowed(base):
            continue
        if sent.get("redirect_uri", application.redirect_uri_list) == [base]:
            found.append(sent)
    assert found, f"redirect to {base!r}, which no client named in the request registered"
    return found


def check_client_redirect(location: str, sources: list[dict[str, list[str]]]) -> dict[str, list[str]]:
    """A redirect to the client: registered target, ``iss``, ``state`` as sent, an RFC error or a code."""
    target = urlsplit(location)
    senders = redirect_sources(urlunsplit((target.scheme, target.netloc, target.path, "", "")), sources)
    answer = parse_qs(target.fragment or target.query, keep_blank_values=True)
    # RFC 9207: the issuer; RFC 6749 §4.1.2: state exactly as sent (in the query or the
    # form, when a POST names the client in both).
    assert "iss" in answer
    assert any(
        answer.get("state", [""]) == sent.get("state", [""]) or sent.get("state", [""]) == [""]
        for sent in senders
    )
    if "error" in answer:
        assert answer["error"][0] in AUTHORIZE_ERRORS
        assert answer["error_description"][0]
        event(f"redirect error={answer['error'][0]}")
    else:
        assert "code" in answer
        event("redirect with code")
    return answer


@pytest.fixture
def browsers(owner) -> dict[bool, Client]:
    browser = Client()
    browser.force_login(owner)
    return {True: browser, False: Client()}


@property_settings
@given(request=authorization_requests())
def test_authorization_endpoint_redirects_only_to_registered_uris_rfc6749_4_1_2_1(world, browsers, request):
    values = fresh_example(world)
    # No stored consent and no earlier code: a GET alone can then never write anything.
    Consent.objects.all().delete()
    get_grant_model().objects.all().delete()
    before = snapshot()
    query = encode(request["query"], values)
    form = encode(request["form"], values)
    query_params = sent_parameters(request["query"], values)
    form_params = sent_parameters(request["form"], values) if request["method"] == "POST" else {}
    params = form_params if request["method"] == "POST" else query_params

    response = browsers[request["logged_in"]].generic(
        request["method"],
        "/oauth/authorize/" + ("?" + query if query else ""),
        form.encode("ascii"),
        content_type=request["content_type"],
    )

    note(f"{response.status_code} {response.get('Location')!r} {response.content[:300]!r}")
    assert response.status_code < 500
    location = response.get("Location")
    answer: dict[str, list[str]] = {}
    if location and urlsplit(location).path == LOGIN_PATH and not urlsplit(location).netloc:
        event("redirect to login")
    elif location:
        assert response.status_code == 302
        answer = check_client_redirect(location, [params, query_params])
    elif response.status_code == 200 and request["method"] in ("GET", "HEAD"):
        # The consent page, only for an active client and a redirect URI registered for it.
        application = response.context["application"]
        assert params["client_id"] == [application.client_id] and application.is_active
        assert application.redirect_uri_allowed(response.context["form"].initial["redirect_uri"])
        event("consent page")
    elif response.status_code == 405:
        event(f"{request['method']} 405")
    else:
        # The error page (docs/security.rst, policy item 1): shown to the owner, no redirect.
        assert 400 <= response.status_code < 500
        assert response["Content-Type"].startswith("text/html")
        if request["method"] != "HEAD":
            assert response.context["error"] in AUTHORIZE_ERRORS
            event(f"error page {response.context['error']}")
    after = snapshot()
    if "code" in answer:
        assert request["method"] == "POST"
        assert len(after["codes"]) == 1
        after["codes"], after["consents"] = before["codes"], before["consents"]
    assert after == before
