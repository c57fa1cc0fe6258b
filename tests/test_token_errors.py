"""Errors at the token endpoint (RFC 6749 §5.2; RFC 7636 §4.6; RFC 9700 §4.14).

Every error is JSON with ``error`` and a non-empty ``error_description``, carries
``Cache-Control: no-store`` (RFC 6749 §5.1), is never a 5xx, and issues no token.
``invalid_client`` is 401 with ``WWW-Authenticate: Basic`` (RFC 6749 §5.2).
"""

from __future__ import annotations

import base64
import json
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

from .conftest import CLIENT_SECRET, PASSWORD, basic_auth, pkce_pair
from .factories import ApplicationFactory, PublicApplicationFactory

TOKEN = "/oauth/token/"
FORM = "application/x-www-form-urlencoded"
REGISTERED = "https://client.example/callback"


# -- helpers -------------------------------------------------------------------------


def token_rows() -> set[tuple[str, int]]:
    rows: set[tuple[str, int]] = set()
    for model in (get_access_token_model(), get_refresh_token_model()):
        rows |= {(model.__name__, pk) for pk in model.objects.values_list("pk", flat=True)}
    return rows


@contextmanager
def no_new_tokens():
    """The token tables gain no rows inside the block."""
    before = token_rows()
    yield
    assert token_rows() - before == set()


def assert_token_error(response, status: int, error: str) -> dict:
    """RFC 6749 §5.2: exact status, JSON, no-store, ``error`` and a description."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = json.loads(response.content)
    assert set(body) == {"error", "error_description"}, body
    assert body["error"] == error, body
    assert isinstance(body["error_description"], str) and body["error_description"].strip()
    if error == "invalid_client":
        assert response["WWW-Authenticate"].startswith("Basic")
    else:
        assert not response.has_header("WWW-Authenticate")
    return body


def post_pairs(flow, pairs, **headers):
    """A form POST whose body may repeat a parameter name."""
    return flow.api.post(TOKEN, urlencode(pairs), content_type=FORM, **headers)


def basic(application, secret: str = CLIENT_SECRET) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": basic_auth(application.client_id, secret)}


def code_exchange(code: str, **extra: str) -> dict[str, str]:
    return {"grant_type": "authorization_code", "code": code, "redirect_uri": REGISTERED, **extra}


def refresh(flow, application, refresh_token: str, **extra: str):
    return flow.token(
        {"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}, **basic(application)
    )


def introspect(flow, application, token: str):
    return flow.post("introspect", {"token": token}, **basic(application))


def grant_consumed() -> bool:
    return get_grant_model().objects.get().consumed is not None


@pytest.fixture
def code(flow, confidential_client) -> str:
    """An authorization code issued to ``confidential_client`` without PKCE."""
    return flow.get_code(confidential_client)["code"]


@pytest.fixture
def service(db):
    """A confidential client for the client credentials grant, allowed only ``read``."""
    return ApplicationFactory(grant_types="client_credentials", redirect_uris="", allowed_scopes="read")


# -- invalid_request -----------------------------------------------------------------


def test_missing_grant_type_is_invalid_request_5_2(flow, confidential_client, code):
    data = code_exchange(code)
    del data["grant_type"]
    with no_new_tokens():
        assert_token_error(flow.token(data, **basic(confidential_client)), 400, "invalid_request")
    assert not grant_consumed()


def test_empty_grant_type_is_invalid_request_5_2(flow, confidential_client, code):
    with no_new_tokens():
        response = flow.token(code_exchange(code, grant_type=""), **basic(confidential_client))
        assert_token_error(response, 400, "invalid_request")


def test_missing_code_is_invalid_request_4_1_3(flow, confidential_client):
    data = {"grant_type": "authorization_code", "redirect_uri": REGISTERED}
    with no_new_tokens():
        assert_token_error(flow.token(data, **basic(confidential_client)), 400, "invalid_request")


def test_missing_refresh_token_is_invalid_request_6(flow, confidential_client):
    with no_new_tokens():
        response = flow.token({"grant_type": "refresh_token"}, **basic(confidential_client))
        assert_token_error(response, 400, "invalid_request")


@pytest.mark.parametrize("missing", ["username", "password"])
def test_missing_password_grant_parameter_is_invalid_request_4_3_2(flow, owner, missing):
    legacy = ApplicationFactory(grant_types="password", redirect_uris="")
    data = {"grant_type": "password", "username": owner.username, "password": PASSWORD}
    del data[missing]
    with no_new_tokens():
        assert_token_error(flow.token(data, **basic(legacy)), 400, "invalid_request")


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_method_other_than_post_is_invalid_request_3_2(flow, confidential_client, code, method):
    """RFC 6749 §3.2: the client MUST use POST. Parameters in a GET query are not read."""
    query = urlencode(code_exchange(code))
    send = getattr(flow.api, method)
    with no_new_tokens():
        response = send(TOKEN + "?" + query, **basic(confidential_client))
        assert_token_error(response, 400, "invalid_request")
    assert not grant_consumed()


def test_json_body_is_invalid_request_3_2(flow, confidential_client, code):
    """RFC 6749 §4.1.3: the body is application/x-www-form-urlencoded."""
    with no_new_tokens():
        response = flow.api.post(
            TOKEN,
            json.dumps(code_exchange(code)),
            content_type="application/json",
            **basic(confidential_client),
        )
        assert_token_error(response, 400, "invalid_request")
    assert not grant_consumed()


def test_multipart_body_is_invalid_request_3_2(flow, confidential_client, code):
    with no_new_tokens():
        response = flow.api.post(TOKEN, code_exchange(code), **basic(confidential_client))
        assert response.request["CONTENT_TYPE"].startswith("multipart/form-data")
        assert_token_error(response, 400, "invalid_request")
    assert not grant_consumed()


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded-evil", ""])
def test_other_content_type_is_invalid_request_3_2(flow, confidential_client, code, content_type):
    with no_new_tokens():
        response = flow.api.generic(
            "POST",
            TOKEN,
            urlencode(code_exchange(code)),
            content_type=content_type,
            **basic(confidential_client),
        )
        assert_token_error(response, 400, "invalid_request")


@pytest.mark.parametrize("charset", ["utf-16", "latin-1"])
def test_form_body_in_another_charset_is_invalid_request_3_2(flow, confidential_client, code, charset):
    """Django refuses to parse it; the answer is still this endpoint's JSON, not Django's page."""
    with no_new_tokens():
        response = flow.api.generic(
            "POST",
            TOKEN,
            urlencode(code_exchange(code)),
            content_type=f"{FORM}; charset={charset}",
            **basic(confidential_client),
        )
        assert_token_error(response, 400, "invalid_request")
    assert not grant_consumed()


@pytest.mark.parametrize("where", ["body", "query"])
def test_more_fields_than_django_parses_is_invalid_request(flow, confidential_client, code, where):
    """More parameters than DATA_UPLOAD_MAX_NUMBER_FIELDS, in the body or in the URL."""
    many = "&".join(f"x{i}=1" for i in range(1001))
    body = urlencode(code_exchange(code)) + ("&" + many if where == "body" else "")
    with no_new_tokens():
        response = flow.api.post(
            TOKEN + ("?" + many if where == "query" else ""),
            body,
            content_type=FORM,
            **basic(confidential_client),
        )
        assert_token_error(response, 400, "invalid_request")
    assert not grant_consumed()


def test_parameters_in_url_query_are_invalid_request_3_2(flow, confidential_client, code):
    """RFC 6749 §3.2 and §2.3.1: parameters travel in the body, never in the URL."""
    with no_new_tokens():
        response = flow.api.post(
            TOKEN + "?" + urlencode({"code": code}),
            urlencode({"grant_type": "authorization_code", "redirect_uri": REGISTERED}),
            content_type=FORM,
            **basic(confidential_client),
        )
        assert_token_error(response, 400, "invalid_request")
    assert not grant_consumed()


def test_client_secret_in_url_query_is_invalid_request_2_3_1(flow, confidential_client, code):
    query = urlencode({"client_id": confidential_client.client_id, "client_secret": CLIENT_SECRET})
    with no_new_tokens():
        response = flow.api.post(TOKEN + "?" + query, urlencode(code_exchange(code)), content_type=FORM)
        assert_token_error(response, 400, "invalid_request")


def test_two_codes_are_invalid_request_not_last_value_wins_3_2(flow, confidential_client):
    """RFC 6749 §3.2: request parameters MUST NOT be included more than once."""
    first = flow.get_code(confidential_client)["code"]
    second = flow.get_code(confidential_client)["code"]
    pairs = [*code_exchange(first).items(), ("code", second)]
    with no_new_tokens():
        assert_token_error(post_pairs(flow, pairs, **basic(confidential_client)), 400, "invalid_request")
    assert get_grant_model().objects.filter(consumed__isnull=False).count() == 0


OWN_CLIENT_ID = "<the authenticated client's id>"


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("grant_type", ("authorization_code", "authorization_code")),
        ("grant_type", ("authorization_code", "client_credentials")),
        ("redirect_uri", (REGISTERED, REGISTERED)),
        ("redirect_uri", (REGISTERED, "https://evil.example/callback")),
        ("client_id", (OWN_CLIENT_ID, OWN_CLIENT_ID)),
        ("client_id", (OWN_CLIENT_ID, "another-client")),
        ("code_verifier", ("x" * 43, "y" * 43)),
        ("scope", ("read", "read")),
        ("scope", ("read", "write")),
    ],
)
def test_repeated_parameter_is_invalid_request_3_2(flow, confidential_client, code, name, values):
    data = code_exchange(code)
    data.pop(name, None)
    values = [confidential_client.client_id if value == OWN_CLIENT_ID else value for value in values]
    pairs = [*data.items(), *((name, value) for value in values)]
    with no_new_tokens():
        assert_token_error(post_pairs(flow, pairs, **basic(confidential_client)), 400, "invalid_request")
    assert not grant_consumed()


def test_repeated_client_secret_is_invalid_request_3_2(flow, confidential_client, code):
    pairs = [
        *code_exchange(code, client_id=confidential_client.client_id).items(),
        ("client_secret", "wrong"),
        ("client_secret", CLIENT_SECRET),
    ]
    with no_new_tokens():
        assert_token_error(post_pairs(flow, pairs), 400, "invalid_request")


def test_repeated_refresh_token_is_invalid_request_3_2(flow, confidential_client):
    first = flow.tokens_for(confidential_client)
    pairs = [
        ("grant_type", "refresh_token"),
        ("refresh_token", "no-such-token"),
        ("refresh_token", first["refresh_token"]),
    ]
    with no_new_tokens():
        assert_token_error(post_pairs(flow, pairs, **basic(confidential_client)), 400, "invalid_request")
    assert refresh(flow, confidential_client, first["refresh_token"]).status_code == 200


@pytest.mark.parametrize(
    "name", ["grant_type", "code", "redirect_uri", "client_id", "code_verifier", "scope"]
)
def test_nul_byte_in_a_parameter_is_invalid_request(flow, confidential_client, code, name):
    """A NUL byte must never reach the database (PostgreSQL rejects it in text)."""
    data = code_exchange(code, client_id=confidential_client.client_id)
    data[name] = data.get(name, "x") + "\x00"
    with no_new_tokens():
        assert_token_error(flow.token(data, **basic(confidential_client)), 400, "invalid_request")


@pytest.mark.parametrize("name", ["client_id", "client_secret"])
def test_nul_byte_in_client_credentials_is_invalid_request(flow, confidential_client, code, name):
    data = code_exchange(code, client_id=confidential_client.client_id, client_secret=CLIENT_SECRET)
    data[name] += "\x00"
    with no_new_tokens():
        assert_token_error(flow.token(data), 400, "invalid_request")


def test_nul_byte_in_refresh_token_is_invalid_request(flow, confidential_client):
    with no_new_tokens():
        assert_token_error(refresh(flow, confidential_client, "abc\x00def"), 400, "invalid_request")


def test_nul_byte_in_a_parameter_name_is_invalid_request(flow, confidential_client, code):
    data = {**code_exchange(code), "co\x00de": "x"}
    with no_new_tokens():
        assert_token_error(flow.token(data, **basic(confidential_client)), 400, "invalid_request")


@pytest.mark.parametrize("name", ["code", "redirect_uri", "client_id", "code_verifier", "scope", "state"])
def test_over_long_parameter_is_invalid_request(flow, confidential_client, code, name):
    data = code_exchange(code, client_id=confidential_client.client_id)
    data[name] = "a" * 2049
    with no_new_tokens():
        assert_token_error(flow.token(data, **basic(confidential_client)), 400, "invalid_request")


def test_over_long_refresh_token_is_invalid_request(flow, confidential_client):
    with no_new_tokens():
        assert_token_error(refresh(flow, confidential_client, "a" * 2049), 400, "invalid_request")


def test_over_long_client_secret_is_invalid_request(flow, confidential_client, code):
    data = code_exchange(code, client_id=confidential_client.client_id, client_secret="a" * 2049)
    with no_new_tokens():
        assert_token_error(flow.token(data), 400, "invalid_request")


def test_basic_auth_and_client_secret_in_body_is_invalid_request_2_3(flow, confidential_client, code):
    """RFC 6749 §2.3: a client MUST NOT use more than one authentication method per request."""
    data = code_exchange(code, client_secret=CLIENT_SECRET)
    with no_new_tokens():
        assert_token_error(flow.token(data, **basic(confidential_client)), 400, "invalid_request")
    assert not grant_consumed()


def test_basic_auth_and_another_client_id_in_body_is_invalid_request_2_3(flow, confidential_client, code):
    other = ApplicationFactory()
    data = code_exchange(code, client_id=other.client_id)
    with no_new_tokens():
        assert_token_error(flow.token(data, **basic(confidential_client)), 400, "invalid_request")


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("Basic !!!not-base64!!!", id="not-base64"),
        pytest.param("Basic " + b64(b"client-without-colon"), id="no-colon"),
        pytest.param("Basic " + b64(b"\xff\xfe:\xff"), id="not-utf8"),
        pytest.param("Basic " + b64(b"client:secret")[:-2], id="truncated"),
        pytest.param("Basic", id="empty"),
    ],
)
def test_malformed_basic_header_is_invalid_request_2_3_1(flow, confidential_client, code, header):
    with no_new_tokens():
        response = flow.token(code_exchange(code), HTTP_AUTHORIZATION=header)
        assert_token_error(response, 400, "invalid_request")
    assert not grant_consumed()


# -- invalid_client (401, WWW-Authenticate: Basic) -------------------------------------


def wrong_secret_basic(application, code):
    return code_exchange(code), basic(application, "wrong-secret")


def wrong_secret_post(application, code):
    return code_exchange(code, client_id=application.client_id, client_secret="wrong-secret"), {}


def empty_secret_post(application, code):
    return code_exchange(code, client_id=application.client_id, client_secret=""), {}


def empty_secret_basic(application, code):
    return code_exchange(code), basic(application, "")


def unknown_client_basic(application, code):
    return code_exchange(code), {"HTTP_AUTHORIZATION": basic_auth("no-such-client", CLIENT_SECRET)}


def unknown_client_post(application, code):
    return code_exchange(code, client_id="no-such-client", client_secret=CLIENT_SECRET), {}


def client_id_only(application, code):
    return code_exchange(code, client_id=application.client_id), {}


def no_credentials(application, code):
    return code_exchange(code), {}


def secret_of_another_client(application, code):
    other = ApplicationFactory(client_secret="another-secret-" + "y" * 40)
    assert other.pk
    return code_exchange(code), basic(application, "another-secret-" + "y" * 40)


INVALID_CLIENT_REQUESTS = [
    wrong_secret_basic,
    wrong_secret_post,
    empty_secret_post,
    empty_secret_basic,
    unknown_client_basic,
    unknown_client_post,
    client_id_only,
    no_credentials,
    secret_of_another_client,
]


@pytest.mark.parametrize("build", INVALID_CLIENT_REQUESTS, ids=lambda build: build.__name__)
def test_failed_client_authentication_is_invalid_client_5_2(flow, confidential_client, code, build):
    """RFC 6749 §3.2.1, §5.2; the failure must not burn the code."""
    data, headers = build(confidential_client, code)
    with no_new_tokens():
        assert_token_error(flow.token(data, **headers), 401, "invalid_client")
    assert not grant_consumed()
    assert flow.exchange(confidential_client, code).status_code == 200


@pytest.mark.parametrize("via", ["basic", "post"])
def test_inactive_client_is_invalid_client_5_2(flow, confidential_client, code, via):
    type(confidential_client).objects.filter(pk=confidential_client.pk).update(is_active=False)
    if via == "basic":
        data, headers = code_exchange(code), basic(confidential_client)
    else:
        data, headers = (
            code_exchange(code, client_id=confidential_client.client_id, client_secret=CLIENT_SECRET),
            {},
        )
    with no_new_tokens():
        assert_token_error(flow.token(data, **headers), 401, "invalid_client")


def test_inactive_client_cannot_use_client_credentials_5_2(flow, service):
    type(service).objects.filter(pk=service.pk).update(is_active=False)
    with no_new_tokens():
        response = flow.token({"grant_type": "client_credentials"}, **basic(service))
        assert_token_error(response, 401, "invalid_client")


def test_inactive_client_cannot_refresh_5_2(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    type(confidential_client).objects.filter(pk=confidential_client.pk).update(is_active=False)
    with no_new_tokens():
        assert_token_error(refresh(flow, confidential_client, tokens["refresh_token"]), 401, "invalid_client")


@pytest.mark.parametrize("via", ["basic", "post"])
def test_public_client_sending_a_secret_is_invalid_client_2_3_1(flow, public_client, via):
    """A public client has no secret; one that sends a secret is not who it claims."""
    verifier, challenge = pkce_pair()
    code = flow.get_code(public_client, challenge=challenge)["code"]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": public_client.redirect_uri_list[0],
        "code_verifier": verifier,
    }
    headers = {}
    if via == "basic":
        headers = {"HTTP_AUTHORIZATION": basic_auth(public_client.client_id, "made-up-secret")}
    else:
        data.update(client_id=public_client.client_id, client_secret="made-up-secret")
    with no_new_tokens():
        assert_token_error(flow.token(data, **headers), 401, "invalid_client")
    assert not grant_consumed()


def test_unknown_client_with_client_credentials_is_invalid_client_5_2(flow):
    with no_new_tokens():
        response = flow.token(
            {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic_auth("no-such-client", "secret")
        )
        assert_token_error(response, 401, "invalid_client")


# -- invalid_grant -------------------------------------------------------------------


def test_unknown_code_is_invalid_grant_5_2(flow, confidential_client):
    with no_new_tokens():
        response = flow.token(code_exchange("no-such-code"), **basic(confidential_client))
        assert_token_error(response, 400, "invalid_grant")


def test_expired_code_is_invalid_grant_4_1_2(flow, confidential_client, code):
    get_grant_model().objects.update(expires=timezone.now() - timedelta(seconds=1))
    with no_new_tokens():
        assert_token_error(flow.exchange(confidential_client, code), 400, "invalid_grant")


def test_code_issued_to_another_client_is_invalid_grant_4_1_3(flow, confidential_client, code):
    """RFC 6749 §4.1.3: the code must have been issued to the authenticated client."""
    thief = ApplicationFactory()
    with no_new_tokens():
        assert_token_error(flow.exchange(thief, code), 400, "invalid_grant")
    assert not grant_consumed()
    assert flow.exchange(confidential_client, code).status_code == 200


def test_code_of_a_confidential_client_used_by_a_public_client_is_invalid_grant_4_1_3(
    flow, confidential_client, public_client
):
    verifier, challenge = pkce_pair()
    code = flow.get_code(confidential_client, challenge=challenge)["code"]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REGISTERED,
        "code_verifier": verifier,
        "client_id": public_client.client_id,
    }
    with no_new_tokens():
        assert_token_error(flow.token(data), 400, "invalid_grant")


def test_redirect_uri_mismatch_is_invalid_grant_4_1_3(flow):
    """RFC 6749 §5.2: invalid_grant when the code "does not match the redirection URI"."""
    application = ApplicationFactory(redirect_uris="https://client.example/one https://client.example/two")
    code = flow.get_code(application, redirect_uri="https://client.example/one")["code"]
    with no_new_tokens():
        response = flow.exchange(application, code, redirect_uri="https://client.example/two")
        assert_token_error(response, 400, "invalid_grant")
    assert not grant_consumed()


def test_redirect_uri_mismatch_on_loopback_port_is_invalid_grant_4_1_3(flow, public_client):
    verifier, challenge = pkce_pair()
    code = flow.get_code(public_client, challenge=challenge, redirect_uri="http://127.0.0.1:5000/callback")[
        "code"
    ]
    with no_new_tokens():
        response = flow.exchange(
            public_client, code, verifier=verifier, redirect_uri="http://127.0.0.1:5001/callback"
        )
        assert_token_error(response, 400, "invalid_grant")


def test_redirect_uri_omitted_after_being_sent_is_invalid_request_4_1_3(flow, confidential_client, code):
    """RFC 6749 §4.1.3: redirect_uri is REQUIRED if the authorization request included it."""
    data = code_exchange(code)
    del data["redirect_uri"]
    with no_new_tokens():
        assert_token_error(flow.token(data, **basic(confidential_client)), 400, "invalid_request")
    assert not grant_consumed()


def test_wrong_pkce_verifier_is_invalid_grant_rfc7636_4_6(flow, public_client):
    verifier, challenge = pkce_pair()
    code = flow.get_code(public_client, challenge=challenge)["code"]
    other_verifier, _ = pkce_pair()
    with no_new_tokens():
        response = flow.exchange(public_client, code, verifier=other_verifier)
        assert_token_error(response, 400, "invalid_grant")
    assert not grant_consumed()


def test_challenge_sent_as_verifier_is_invalid_grant_rfc7636_4_6(flow, public_client):
    _, challenge = pkce_pair()
    code = flow.get_code(public_client, challenge=challenge)["code"]
    with no_new_tokens():
        assert_token_error(flow.exchange(public_client, code, verifier=challenge), 400, "invalid_grant")


def test_wrong_pkce_verifier_of_a_confidential_client_is_invalid_grant_rfc7636_4_6(flow, confidential_client):
    _, challenge = pkce_pair()
    code = flow.get_code(confidential_client, challenge=challenge)["code"]
    other_verifier, _ = pkce_pair()
    with no_new_tokens():
        response = flow.exchange(confidential_client, code, verifier=other_verifier)
        assert_token_error(response, 400, "invalid_grant")


def test_missing_pkce_verifier_is_invalid_request_rfc7636_4_5(flow, public_client):
    """RFC 7636 §4.5: code_verifier is REQUIRED when the code was issued with a challenge."""
    _, challenge = pkce_pair()
    code = flow.get_code(public_client, challenge=challenge)["code"]
    with no_new_tokens():
        assert_token_error(flow.exchange(public_client, code), 400, "invalid_request")
    assert not grant_consumed()


def test_verifier_for_a_code_without_challenge_is_invalid_grant_pkce_downgrade(
    flow, confidential_client, code
):
    """RFC 9700 §4.8.2: a code_verifier for a code issued without a challenge is a downgrade."""
    verifier, _ = pkce_pair()
    with no_new_tokens():
        assert_token_error(flow.exchange(confidential_client, code, verifier=verifier), 400, "invalid_grant")
    assert not grant_consumed()


def test_replayed_code_is_invalid_grant_and_revokes_its_tokens_4_1_2(flow, confidential_client, code):
    """RFC 6749 §4.1.2: a code used twice MUST be refused and SHOULD revoke what it issued."""
    first = flow.exchange(confidential_client, code)
    assert first.status_code == 200
    tokens = first.json()
    assert introspect(flow, confidential_client, tokens["access_token"]).json()["active"] is True

    with no_new_tokens():
        assert_token_error(flow.exchange(confidential_client, code), 400, "invalid_grant")

    response = introspect(flow, confidential_client, tokens["access_token"])
    assert response.status_code == 200
    assert response.json() == {"active": False}
    assert introspect(flow, confidential_client, tokens["refresh_token"]).json() == {"active": False}
    assert_token_error(refresh(flow, confidential_client, tokens["refresh_token"]), 400, "invalid_grant")


def test_code_of_an_inactive_owner_is_invalid_grant_4_1_3(flow, owner, confidential_client, code):
    type(owner).objects.filter(pk=owner.pk).update(is_active=False)
    with no_new_tokens():
        assert_token_error(flow.exchange(confidential_client, code), 400, "invalid_grant")


def test_unknown_refresh_token_is_invalid_grant_6(flow, confidential_client):
    with no_new_tokens():
        assert_token_error(refresh(flow, confidential_client, "no-such-token"), 400, "invalid_grant")


def test_access_token_used_as_refresh_token_is_invalid_grant_6(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    with no_new_tokens():
        assert_token_error(refresh(flow, confidential_client, tokens["access_token"]), 400, "invalid_grant")


def test_refresh_token_of_another_client_is_invalid_grant_6(flow, confidential_client):
    """RFC 6749 §6: the refresh token is bound to the client it was issued to."""
    tokens = flow.tokens_for(confidential_client)
    other = ApplicationFactory()
    with no_new_tokens():
        assert_token_error(refresh(flow, other, tokens["refresh_token"]), 400, "invalid_grant")
    # The attempt must not revoke the rightful client's tokens (DOT #727 class).
    assert introspect(flow, confidential_client, tokens["access_token"]).json()["active"] is True
    assert refresh(flow, confidential_client, tokens["refresh_token"]).status_code == 200


def test_revoked_refresh_token_is_invalid_grant_6(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    revoked = flow.post(
        "revoke",
        {"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        **basic(confidential_client),
    )
    assert revoked.status_code == 200
    with no_new_tokens():
        assert_token_error(refresh(flow, confidential_client, tokens["refresh_token"]), 400, "invalid_grant")


def test_rotated_refresh_token_is_invalid_grant_rfc9700_4_14_2(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    assert refresh(flow, confidential_client, tokens["refresh_token"]).status_code == 200
    with no_new_tokens():
        assert_token_error(refresh(flow, confidential_client, tokens["refresh_token"]), 400, "invalid_grant")


def test_expired_refresh_token_is_invalid_grant_6(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    # REFRESH_TOKEN_EXPIRE_SECONDS defaults to 30 days.
    get_refresh_token_model().objects.update(created=timezone.now() - timedelta(days=31))
    with no_new_tokens():
        assert_token_error(refresh(flow, confidential_client, tokens["refresh_token"]), 400, "invalid_grant")


def test_wrong_password_is_invalid_grant_4_3_2(flow, owner):
    legacy = ApplicationFactory(grant_types="password", redirect_uris="")
    data = {"grant_type": "password", "username": owner.username, "password": "not-the-password"}
    with no_new_tokens():
        assert_token_error(flow.token(data, **basic(legacy)), 400, "invalid_grant")


# -- unauthorized_client -------------------------------------------------------------


def test_client_credentials_for_a_client_without_that_grant_is_unauthorized_client_4_4_2(
    flow, confidential_client
):
    with no_new_tokens():
        response = flow.token(
            {"grant_type": "client_credentials", "scope": "read"}, **basic(confidential_client)
        )
        assert_token_error(response, 400, "unauthorized_client")


@pytest.mark.parametrize(
    ("username", "password"),
    [
        pytest.param(None, PASSWORD, id="right-password"),
        pytest.param(None, "not-the-password", id="wrong-password"),
        pytest.param("nobody", PASSWORD, id="unknown-user"),
    ],
)
def test_password_grant_for_a_client_without_it_is_unauthorized_client_4_3_2(
    flow, owner, confidential_client, username, password
):
    """The answer must not depend on the password: no password oracle for other clients."""
    data = {"grant_type": "password", "username": username or owner.username, "password": password}
    with no_new_tokens():
        assert_token_error(flow.token(data, **basic(confidential_client)), 400, "unauthorized_client")


def test_refresh_for_a_client_without_refresh_grant_is_unauthorized_client_6(flow):
    application = ApplicationFactory(grant_types="authorization_code")
    tokens = flow.tokens_for(application)
    assert "refresh_token" not in tokens
    with no_new_tokens():
        assert_token_error(refresh(flow, application, "anything"), 400, "unauthorized_client")


def test_authorization_code_for_a_client_credentials_client_is_unauthorized_client_4_1_3(flow, service):
    data = {"grant_type": "authorization_code", "code": "anything", "redirect_uri": REGISTERED}
    with no_new_tokens():
        assert_token_error(flow.token(data, **basic(service)), 400, "unauthorized_client")


def test_public_client_without_refresh_grant_is_unauthorized_client_6(flow):
    application = PublicApplicationFactory(grant_types="authorization_code")
    data = {"grant_type": "refresh_token", "refresh_token": "anything", "client_id": application.client_id}
    with no_new_tokens():
        assert_token_error(flow.token(data), 400, "unauthorized_client")


# -- unsupported_grant_type -----------------------------------------------------------


@pytest.mark.parametrize(
    "grant_type",
    [
        "urn:example:nope",
        "implicit",
        "AUTHORIZATION_CODE",
        "token",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
    ],
)
def test_unknown_grant_type_is_unsupported_grant_type_5_2(flow, confidential_client, grant_type):
    with no_new_tokens():
        response = flow.token({"grant_type": grant_type, "code": "x"}, **basic(confidential_client))
        assert_token_error(response, 400, "unsupported_grant_type")


DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({}, id="no-device-code"),
        pytest.param({"device_code": "no-such-device-code"}, id="unknown-device-code"),
    ],
)
@pytest.mark.parametrize("authenticated", [True, False], ids=["authenticated", "anonymous"])
def test_device_code_grant_is_not_offered_and_never_a_5xx(flow, confidential_client, extra, authenticated):
    """RFC 8628 is off unless GRANT_TYPES lists it; asking for it is a clean 400, with or
    without credentials."""
    headers = basic(confidential_client) if authenticated else {}
    flow.api.raise_request_exception = False
    with no_new_tokens():
        response = flow.token({"grant_type": DEVICE_CODE, **extra}, **headers)
        assert_token_error(response, 400, "unsupported_grant_type")


# -- invalid_scope --------------------------------------------------------------------


@pytest.mark.parametrize("scope", ["write", "read write", "admin", "read admin"])
def test_client_credentials_outside_allowed_scopes_is_invalid_scope_4_4_2(flow, service, scope):
    with no_new_tokens():
        response = flow.token({"grant_type": "client_credentials", "scope": scope}, **basic(service))
        assert_token_error(response, 400, "invalid_scope")


@pytest.mark.parametrize("scope", ["read write", "write", "admin", "read bookings:read"])
def test_refresh_with_a_wider_scope_is_invalid_scope_6(flow, confidential_client, scope):
    """RFC 6749 §6: the scope MUST NOT include any scope not originally granted."""
    tokens = flow.tokens_for(confidential_client, scope="read")
    with no_new_tokens():
        assert_token_error(
            refresh(flow, confidential_client, tokens["refresh_token"], scope=scope), 400, "invalid_scope"
        )
    # The refused request must not have spent or revoked the refresh token.
    narrowed = refresh(flow, confidential_client, tokens["refresh_token"], scope="read")
    assert narrowed.status_code == 200
    assert narrowed.json()["scope"] == "read"


def test_password_grant_outside_allowed_scopes_is_invalid_scope_4_3_2(flow, owner):
    legacy = ApplicationFactory(grant_types="password", redirect_uris="", allowed_scopes="read")
    data = {"grant_type": "password", "username": owner.username, "password": PASSWORD, "scope": "write"}
    with no_new_tokens():
        assert_token_error(flow.token(data, **basic(legacy)), 400, "invalid_scope")
