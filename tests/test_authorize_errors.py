"""Errors at the authorization endpoint (RFC 6749 §4.1.2.1, §4.2.2.1; RFC 7636 §4.4.1; RFC 9207).

Two kinds of answer. While the client or its redirect URI cannot be trusted, the owner
sees an error page (400, no ``Location``): the server MUST NOT redirect (RFC 6749
§4.1.2.1, §3.1.2.4, docs/security.rst, policy item 1). Once both are known, every other error is a
302 to the registered redirect URI with ``error``, ``error_description``, ``state``
exactly as sent and ``iss`` (RFC 9207 §2); in the query for the code grant, in the
fragment for the implicit grant (RFC 6749 §4.2.2.1). No error writes an authorization
code.
"""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlencode, urlsplit, urlunsplit

import pytest
from django.test import Client
from oauth2_provider.models import get_grant_model

from oauth_provider.models import Consent

from .conftest import pkce_pair
from .factories import ApplicationFactory, PublicApplicationFactory

AUTHORIZE = "/oauth/authorize/"
ISSUER = "http://testserver"
STATE = "a b&c=d/é"
REGISTERED = "https://client.example/callback"
PUBLIC_REGISTERED = "http://127.0.0.1/callback"


# -- helpers -------------------------------------------------------------------------


def get_authorize(browser: Client, pairs):
    """GET the authorization endpoint with ``pairs`` (a dict, or a list of pairs to repeat names)."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return browser.get(AUTHORIZE + "?" + urlencode(list(items)))


def code_request(application, **overrides) -> dict[str, str]:
    """A valid authorization code request (RFC 6749 §4.1.1); ``None`` in overrides drops a parameter."""
    params = {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": application.redirect_uri_list[0],
        "scope": "read",
        "state": STATE,
    }
    if not application.is_confidential:
        _, challenge = pkce_pair()
        params.update(code_challenge=challenge, code_challenge_method="S256")
    params.update(overrides)
    return {name: value for name, value in params.items() if value is not None}


def assert_no_grant_written() -> None:
    assert get_grant_model().objects.count() == 0


def assert_error_page(response, error: str | None = None) -> None:
    """An error shown to the owner: 400, HTML, never a redirect, no code written."""
    assert response.status_code == 400, response.get("Location")
    assert not response.has_header("Location")
    assert response["Content-Type"].startswith("text/html")
    if error is not None:
        assert response.context["error"] == error
    assert response.context["description"]
    assert_no_grant_written()


def assert_error_redirect(response, redirect_uri: str, error: str, *, fragment: bool = False) -> dict:
    """A 302 to the registered ``redirect_uri`` carrying exactly the error parameters."""
    assert response.status_code == 302, response.content
    parts = urlsplit(response["Location"])
    assert urlunsplit(parts._replace(query="", fragment="")) == redirect_uri
    carried, empty = (parts.fragment, parts.query) if fragment else (parts.query, parts.fragment)
    assert empty == ""
    params = parse_qs(carried, keep_blank_values=True)
    assert set(params) == {"error", "error_description", "state", "iss"}, params
    assert all(len(values) == 1 for values in params.values()), params
    assert params["error"] == [error]
    assert params["error_description"][0].strip()
    assert params["state"] == [STATE]
    assert params["iss"] == [ISSUER]
    assert_no_grant_written()
    return {name: values[0] for name, values in params.items()}


@pytest.fixture
def anonymous(db):
    return Client()


@pytest.fixture
def multi_uri_client(db):
    return ApplicationFactory(redirect_uris="https://client.example/one https://client.example/two")


@pytest.fixture
def implicit_client(db):
    return PublicApplicationFactory(grant_types="implicit", redirect_uris="https://app.example/implicit")


@pytest.fixture
def read_only_client(db):
    return ApplicationFactory(allowed_scopes="read")


# -- the client or redirect URI cannot be trusted: error page, never a redirect ------

UNREGISTERED_REDIRECT_URIS = [
    pytest.param("https://evil.example/callback", id="other-host"),
    pytest.param("https://client.example/callback/evil", id="registered-is-prefix"),
    pytest.param("https://client.example/callbackevil", id="appended-to-path"),
    pytest.param("https://client.example/call", id="prefix-of-registered"),
    pytest.param("https://client.example/callback?next=https://evil.example", id="added-query"),
    pytest.param("https://client.example/callback#evil", id="added-fragment"),
    pytest.param("https://client.example/callback/../evil", id="dot-segments"),
    pytest.param("https://client.example//callback", id="double-slash"),
    pytest.param("https://client.example/Callback", id="path-case"),
    pytest.param("https://client.example:8443/callback", id="other-port"),
    pytest.param("https://client.example:443/callback", id="explicit-default-port"),
    pytest.param("http://client.example/callback", id="http-downgrade"),
    pytest.param("https://client.example.evil.example/callback", id="host-suffix"),
    pytest.param("https://evil.client.example/callback", id="subdomain"),
    pytest.param("https://evilclient.example/callback", id="host-prefix"),
    pytest.param("https://client.example@evil.example/callback", id="userinfo-before-evil-host"),
    pytest.param("https://evil.example@client.example/callback", id="userinfo-before-registered-host"),
    pytest.param("https://client.example%2F@evil.example/callback", id="encoded-slash-userinfo"),
    pytest.param("https://[::1/cb", id="crafted-ipv6-cve-2022-36087"),
    pytest.param("https://[::1]:xx/cb", id="bad-port"),
    pytest.param("//client.example/callback", id="scheme-relative"),
    pytest.param("/callback", id="relative"),
    pytest.param("javascript:alert(1)//client.example/callback", id="javascript"),
    pytest.param(" https://client.example/callback", id="leading-space"),
]


@pytest.mark.parametrize("redirect_uri", UNREGISTERED_REDIRECT_URIS)
def test_unregistered_redirect_uri_is_an_error_page_3_1_2_4(flow, confidential_client, redirect_uri):
    """RFC 6749 §3.1.2.4, RFC 9700 §4.1.3: exact match, else no redirect at all."""
    response = flow.authorize(**code_request(confidential_client, redirect_uri=redirect_uri))
    assert_error_page(response)


LOOPBACK_VARIANTS = [
    pytest.param("http://127.0.0.1/callback/evil", id="longer-path"),
    pytest.param("http://127.0.0.1:8000/callbackx", id="other-path-other-port"),
    pytest.param("http://127.0.0.1/callback?x=1", id="added-query"),
    pytest.param("http://127.0.0.1:8000/callback#x", id="added-fragment"),
    pytest.param("http://localhost/callback", id="other-loopback-host"),
    pytest.param("http://[::1]/callback", id="ipv6-loopback-not-registered"),
    pytest.param("http://127.0.0.1.evil.example/callback", id="host-suffix"),
    pytest.param("http://user@127.0.0.1:8000/callback", id="userinfo"),
    pytest.param("http://evil.example@127.0.0.1/callback", id="userinfo-host"),
    pytest.param("https://127.0.0.1/callback", id="other-scheme"),
    pytest.param("http://[::1/callback", id="crafted-ipv6"),
    pytest.param("http://127.0.0.1:99999/callback", id="port-out-of-range"),
]


@pytest.mark.parametrize("redirect_uri", LOOPBACK_VARIANTS)
def test_loopback_redirect_uri_varies_only_in_port_rfc8252_7_3(flow, public_client, redirect_uri):
    """RFC 8252 §7.3 lets the port of a loopback URI vary; nothing else may."""
    response = flow.authorize(**code_request(public_client, redirect_uri=redirect_uri))
    assert_error_page(response)


def test_unknown_client_id_is_an_error_page_4_1_2_1(flow):
    response = flow.authorize(
        response_type="code", client_id="no-such-client", redirect_uri=REGISTERED, state=STATE
    )
    assert_error_page(response)


def test_missing_client_id_is_an_error_page_4_1_2_1(flow, confidential_client):
    response = flow.authorize(**code_request(confidential_client, client_id=None))
    assert_error_page(response)


def test_empty_client_id_is_an_error_page_4_1_2_1(flow, confidential_client):
    response = flow.authorize(**code_request(confidential_client, client_id=""))
    assert_error_page(response)


def test_inactive_client_is_an_error_page_4_1_2_1(flow):
    inactive = ApplicationFactory(is_active=False)
    response = flow.authorize(**code_request(inactive))
    assert_error_page(response)


def test_redirect_uri_of_another_client_is_an_error_page_3_1_2_4(flow, confidential_client):
    other = ApplicationFactory(redirect_uris="https://other.example/callback")
    response = flow.authorize(**code_request(confidential_client, redirect_uri=other.redirect_uri_list[0]))
    assert_error_page(response)


def test_several_registered_uris_and_none_given_is_an_error_page_3_1_2_3(flow, multi_uri_client):
    """RFC 6749 §3.1.2.3: with several registered URIs the client MUST send one."""
    response = flow.authorize(**code_request(multi_uri_client, redirect_uri=None))
    assert_error_page(response)


@pytest.mark.parametrize("name", ["client_id", "redirect_uri"])
def test_repeated_client_id_or_redirect_uri_is_an_error_page_3_1(flow, confidential_client, name):
    """RFC 6749 §3.1: parameters MUST NOT be included more than once."""
    params = code_request(confidential_client)
    pairs = [*params.items(), (name, params[name])]
    assert_error_page(get_authorize(flow.browser, pairs), "invalid_request")


def test_repeated_redirect_uri_with_a_hostile_second_value_is_an_error_page_3_1(flow, confidential_client):
    params = code_request(confidential_client)
    pairs = [*params.items(), ("redirect_uri", "https://evil.example/callback")]
    assert_error_page(get_authorize(flow.browser, pairs), "invalid_request")


FATAL_REQUESTS = {
    "unknown-client": lambda app: code_request(app, client_id="no-such-client"),
    "missing-client": lambda app: code_request(app, client_id=None),
    "unregistered-redirect-uri": lambda app: code_request(app, redirect_uri="https://evil.example/callback"),
    "subdomain-redirect-uri": lambda app: code_request(
        app, redirect_uri="https://evil.client.example/callback"
    ),
    "crafted-ipv6-redirect-uri": lambda app: code_request(app, redirect_uri="https://[::1/cb"),
}


@pytest.mark.parametrize("make_request", FATAL_REQUESTS.values(), ids=FATAL_REQUESTS.keys())
def test_anonymous_prompt_none_never_redirects_before_validation(
    anonymous, confidential_client, make_request
):
    """DOT #1719: prompt=none with no session must not redirect to an unchecked URI."""
    response = get_authorize(anonymous, {**make_request(confidential_client), "prompt": "none"})
    assert_error_page(response)


@pytest.mark.parametrize("make_request", FATAL_REQUESTS.values(), ids=FATAL_REQUESTS.keys())
def test_logged_in_prompt_none_never_redirects_before_validation(flow, confidential_client, make_request):
    response = get_authorize(flow.browser, {**make_request(confidential_client), "prompt": "none"})
    assert_error_page(response)


@pytest.mark.parametrize("make_request", FATAL_REQUESTS.values(), ids=FATAL_REQUESTS.keys())
def test_fatal_errors_win_over_other_errors_4_1_2_1(flow, confidential_client, make_request):
    """With a bad client or redirect URI, a bad response_type or scope must not cause a redirect."""
    params = {**make_request(confidential_client), "response_type": "nope", "scope": "unknown-scope"}
    assert_error_page(get_authorize(flow.browser, params))


# -- the consent form (POST): hidden fields are re-checked -----------------------------


def consent_form_data(page) -> dict[str, str]:
    form = page.context["form"]
    return {name: value for name, value in form.initial.items() if value is not None}


def post_consent(flow, page, data):
    return flow.browser.post(page.request["PATH_INFO"] + "?" + page.request["QUERY_STRING"], data)


TAMPERED_FIELDS = [
    pytest.param({"redirect_uri": "https://evil.example/callback"}, id="unregistered-redirect-uri"),
    pytest.param({"redirect_uri": "https://client.example/callback/evil"}, id="longer-redirect-uri"),
    pytest.param({"redirect_uri": "https://[::1/cb"}, id="crafted-ipv6-redirect-uri"),
    pytest.param({"client_id": "no-such-client"}, id="unknown-client"),
    pytest.param({"client_id": ""}, id="empty-client"),
    pytest.param({"redirect_uri": ""}, id="empty-redirect-uri"),
]


@pytest.mark.parametrize("allow", [True, False], ids=["allow", "deny"])
@pytest.mark.parametrize("tampered", TAMPERED_FIELDS)
def test_tampered_consent_form_is_an_error_page(flow, confidential_client, tampered, allow):
    page = flow.authorize(**code_request(confidential_client))
    assert page.status_code == 200
    data = {**consent_form_data(page), **tampered}
    if allow:
        data["allow"] = "Authorize"
    assert_error_page(post_consent(flow, page, data))
    assert not Consent.objects.exists()


@pytest.mark.parametrize("allow", [True, False], ids=["allow", "deny"])
def test_consent_form_with_another_clients_id_is_an_error_page(flow, confidential_client, allow):
    """The registered redirect URI of client A is not registered for client B."""
    other = ApplicationFactory(redirect_uris="https://other.example/callback")
    page = flow.authorize(**code_request(confidential_client))
    data = {**consent_form_data(page), "client_id": other.client_id}
    if allow:
        data["allow"] = "Authorize"
    assert_error_page(post_consent(flow, page, data))


def test_consent_form_for_an_inactive_client_is_an_error_page(flow, confidential_client):
    page = flow.authorize(**code_request(confidential_client))
    type(confidential_client).objects.filter(pk=confidential_client.pk).update(is_active=False)
    data = {**consent_form_data(page), "allow": "Authorize"}
    assert_error_page(post_consent(flow, page, data))


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded; charset=utf-16", "multipart/form-data"],
    ids=["another-charset", "multipart-without-boundary"],
)
def test_consent_form_django_cannot_parse_is_an_error_page(flow, confidential_client, content_type):
    """Django refuses these bodies; the owner gets this endpoint's error page, not Django's."""
    page = flow.authorize(**code_request(confidential_client))
    url = page.request["PATH_INFO"] + "?" + page.request["QUERY_STRING"]
    body = urlencode({**consent_form_data(page), "allow": "Authorize"})
    assert_error_page(flow.browser.generic("POST", url, body, content_type=content_type), "invalid_request")


def test_more_query_fields_than_django_parses_is_an_error_page(flow, confidential_client):
    many = "&".join(f"x{i}=1" for i in range(1001))
    query = urlencode(code_request(confidential_client)) + "&" + many
    assert_error_page(flow.browser.get(AUTHORIZE + "?" + query), "invalid_request")


def test_consent_form_without_a_csrf_token_is_refused_10_12(owner, confidential_client):
    """Another site cannot submit the owner's consent for them (RFC 6749 §10.12)."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    page = browser.get(AUTHORIZE + "?" + urlencode(code_request(confidential_client)))
    assert page.status_code == 200
    url = page.request["PATH_INFO"] + "?" + page.request["QUERY_STRING"]
    data = {**consent_form_data(page), "allow": "Authorize"}

    forged = browser.post(url, data)

    assert forged.status_code == 403
    assert not forged.has_header("Location")
    assert_no_grant_written()
    assert not Consent.objects.exists()
    genuine = browser.post(url, {**data, "csrfmiddlewaretoken": str(page.context["csrf_token"])})
    assert genuine.status_code == 302


@pytest.mark.parametrize("allow", [True, False], ids=["allow", "deny"])
def test_the_answer_to_the_consent_form_is_a_302_never_a_307_rfc9700_4_12(flow, confidential_client, allow):
    """A 307 would make the browser re-send the consent form, and whatever the login
    form held, to the client (RFC 9700 §4.12)."""
    page = flow.authorize(**code_request(confidential_client))
    data = {**consent_form_data(page), **({"allow": "Authorize"} if allow else {})}

    response = post_consent(flow, page, data)

    assert response.status_code == 302
    assert response["Location"].startswith(REGISTERED + "?")


@pytest.mark.parametrize("name", ["redirect_uri", "client_id", "state", "scope"])
def test_repeated_consent_form_field_is_an_error_page_3_1(flow, confidential_client, name):
    page = flow.authorize(**code_request(confidential_client))
    data = consent_form_data(page)
    data["allow"] = "Authorize"
    values = {
        "redirect_uri": "https://evil.example/callback",
        "client_id": "other",
        "state": "x",
        "scope": "write",
    }
    pairs = [*data.items(), (name, values[name])]
    response = flow.browser.post(
        page.request["PATH_INFO"] + "?" + page.request["QUERY_STRING"],
        urlencode(pairs),
        content_type="application/x-www-form-urlencoded",
    )
    assert_error_page(response, "invalid_request")


def test_over_long_consent_form_field_is_an_error_page(flow, public_client):
    page = flow.authorize(**code_request(public_client))
    data = {**consent_form_data(page), "allow": "Authorize", "state": "a" * 2049}
    assert_error_page(post_consent(flow, page, data), "invalid_request")


def test_consent_form_revalidates_scope_4_1_2_1(flow, read_only_client):
    """A hidden field widened to a scope the client may not have is refused, not granted."""
    page = flow.authorize(**code_request(read_only_client))
    data = {**consent_form_data(page), "allow": "Authorize", "scope": "read write"}
    assert_error_redirect(post_consent(flow, page, data), REGISTERED, "invalid_scope")
    assert not Consent.objects.exists()


@pytest.mark.parametrize(
    ("tampered", "keep_query"),
    [
        pytest.param({"code_challenge_method": "plain"}, True, id="method-plain"),
        pytest.param({"code_challenge": "x" * 42}, True, id="challenge-malformed"),
        pytest.param({"code_challenge": "", "code_challenge_method": ""}, False, id="challenge-stripped"),
    ],
)
def test_consent_form_revalidates_pkce_rfc7636_4_4_1(flow, public_client, tampered, keep_query):
    """Weakening or stripping PKCE in the hidden fields must not yield a code, nor store consent."""
    page = flow.authorize(**code_request(public_client))
    data = {**consent_form_data(page), "allow": "Authorize", **tampered}
    if tampered.get("code_challenge_method") == "plain":
        data["code_challenge"], _ = pkce_pair()
    if keep_query:
        response = post_consent(flow, page, data)
    else:
        response = flow.browser.post(AUTHORIZE, data)
    assert_error_redirect(response, PUBLIC_REGISTERED, "invalid_request")
    assert not Consent.objects.exists()


def test_consent_form_cannot_strip_pkce_bound_in_the_query_rfc7636_4_4_1(flow, public_client):
    """Blank hidden PKCE fields must not produce a code without the challenge the client sent."""
    params = code_request(public_client)
    page = flow.authorize(**params)
    data = {
        **consent_form_data(page),
        "allow": "Authorize",
        "code_challenge": "",
        "code_challenge_method": "",
    }
    response = post_consent(flow, page, data)
    assert response.status_code == 302
    Grant = get_grant_model()
    assert not Grant.objects.exclude(
        code_challenge=params["code_challenge"], code_challenge_method="S256"
    ).exists()


def test_consent_form_revalidates_response_type_4_2_2_1(flow, confidential_client):
    page = flow.authorize(**code_request(confidential_client))
    data = {**consent_form_data(page), "allow": "Authorize", "response_type": "token"}
    response = post_consent(flow, page, data)
    assert_error_redirect(response, REGISTERED, "unauthorized_client", fragment=True)


@pytest.mark.parametrize("name", ["redirect_uri", "state", "scope", "code_challenge"])
def test_nul_byte_in_consent_form_is_an_error_page(flow, public_client, name):
    page = flow.authorize(**code_request(public_client))
    data = {**consent_form_data(page), "allow": "Authorize"}
    data[name] = data.get(name, "") + "\x00"
    assert_error_page(post_consent(flow, page, data), "invalid_request")


# -- client and redirect URI known: a redirect with the error (RFC 6749 §4.1.2.1) ------


def test_missing_response_type_is_invalid_request_4_1_2_1(flow, confidential_client):
    """A missing required parameter is ``invalid_request`` (RFC 6749 §4.1.2.1)."""
    response = flow.authorize(**code_request(confidential_client, response_type=None))
    assert_error_redirect(response, REGISTERED, "invalid_request")


@pytest.mark.parametrize("response_type", ["foo", "CODE", "code token", "codex", "none"])
def test_unsupported_response_type_4_1_2_1(flow, confidential_client, response_type):
    """RFC 6749 §3.1.1: "code", "token" or a registered extension; anything else the
    server does not support, whichever client asks."""
    response = flow.authorize(**code_request(confidential_client, response_type=response_type))
    assert_error_redirect(response, REGISTERED, "unsupported_response_type")


def test_implicit_response_type_for_a_code_client_is_unauthorized_client_4_2_2_1(flow, confidential_client):
    """The request asked for the implicit grant, so the error travels in the fragment."""
    response = flow.authorize(**code_request(confidential_client, response_type="token"))
    assert_error_redirect(response, REGISTERED, "unauthorized_client", fragment=True)


def test_code_response_type_for_an_implicit_client_is_unauthorized_client_4_1_2_1(flow, implicit_client):
    params = code_request(implicit_client, code_challenge=None, code_challenge_method=None)
    response = flow.authorize(**params)
    assert_error_redirect(response, "https://app.example/implicit", "unauthorized_client")


def test_implicit_grant_turned_off_site_wide_is_unsupported_response_type_4_2_2_1(
    flow, implicit_client, settings
):
    """The server no longer supports response_type=token for anyone: not the client's fault."""
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "GRANT_TYPES": ["authorization_code", "refresh_token", "client_credentials"],
    }
    params = {
        "response_type": "token",
        "client_id": implicit_client.client_id,
        "scope": "read",
        "state": STATE,
    }
    response = flow.authorize(**params)
    assert_error_redirect(
        response, "https://app.example/implicit", "unsupported_response_type", fragment=True
    )


@pytest.mark.parametrize(
    "scope",
    [
        pytest.param("admin", id="unknown"),
        pytest.param("read admin", id="one-unknown"),
        pytest.param("read\\write", id="bad-character"),
        pytest.param('"read"', id="quoted"),
    ],
)
def test_unknown_scope_is_invalid_scope_4_1_2_1(flow, confidential_client, scope):
    response = flow.authorize(**code_request(confidential_client, scope=scope))
    assert_error_redirect(response, REGISTERED, "invalid_scope")


@pytest.mark.parametrize("scope", ["write", "read write", "bookings:read"])
def test_scope_outside_allowed_scopes_is_invalid_scope_3_3(flow, read_only_client, scope):
    response = flow.authorize(**code_request(read_only_client, scope=scope))
    assert_error_redirect(response, REGISTERED, "invalid_scope")


def test_public_client_without_code_challenge_is_invalid_request_rfc7636_4_4_1(flow, public_client):
    """RFC 7636 §4.4.1, RFC 9700 §2.1.1: PKCE is required of public clients."""
    params = code_request(public_client, code_challenge=None, code_challenge_method=None)
    response = flow.authorize(**params)
    assert_error_redirect(response, PUBLIC_REGISTERED, "invalid_request")


@pytest.mark.parametrize("application_fixture", ["public_client", "confidential_client"])
def test_plain_code_challenge_method_is_invalid_request_rfc7636_4_4_1(flow, request, application_fixture):
    """S256 only (RFC 9700 §2.1.1); a plain challenge is as long as a verifier."""
    application = request.getfixturevalue(application_fixture)
    verifier, _ = pkce_pair()
    params = code_request(application, code_challenge=verifier, code_challenge_method="plain")
    response = flow.authorize(**params)
    assert_error_redirect(response, application.redirect_uri_list[0], "invalid_request")


def test_code_challenge_without_method_means_plain_and_is_invalid_request_rfc7636_4_3(flow, public_client):
    """RFC 7636 §4.3: the method defaults to "plain", which is not allowed."""
    verifier, _ = pkce_pair()
    params = code_request(public_client, code_challenge=verifier, code_challenge_method=None)
    response = flow.authorize(**params)
    assert_error_redirect(response, PUBLIC_REGISTERED, "invalid_request")


@pytest.mark.parametrize("method", ["S512", "s256", "sha256", ""])
def test_unknown_code_challenge_method_is_invalid_request_rfc7636_4_4_1(flow, public_client, method):
    params = code_request(public_client, code_challenge_method=method)
    response = flow.authorize(**params)
    assert_error_redirect(response, PUBLIC_REGISTERED, "invalid_request")


@pytest.mark.parametrize(
    "challenge",
    [
        pytest.param("x" * 42, id="too-short"),
        pytest.param("x" * 44, id="too-long"),
        pytest.param("x" * 42 + "=", id="padded"),
        pytest.param("x" * 42 + "+", id="base64-not-base64url"),
        pytest.param("x" * 42 + "/", id="slash"),
        pytest.param("", id="empty"),
        pytest.param(" " * 43, id="spaces"),
        pytest.param("x" * 43 + "\n", id="trailing-newline"),
    ],
)
def test_malformed_s256_challenge_is_invalid_request_rfc7636_4_2(flow, public_client, challenge):
    """RFC 7636 §4.2: an S256 challenge is 43 base64url characters."""
    params = code_request(public_client, code_challenge=challenge, code_challenge_method="S256")
    response = flow.authorize(**params)
    assert_error_redirect(response, PUBLIC_REGISTERED, "invalid_request")


def test_owner_denies_is_access_denied_4_1_2_1(flow, confidential_client):
    page = flow.authorize(**code_request(confidential_client))
    assert page.status_code == 200
    response = flow.consent(page, allow=False)
    assert_error_redirect(response, REGISTERED, "access_denied")
    assert not Consent.objects.exists()


def test_owner_denies_on_loopback_port_redirects_to_that_port_4_1_2_1(flow, public_client):
    redirect_uri = "http://127.0.0.1:53124/callback"
    page = flow.authorize(**code_request(public_client, redirect_uri=redirect_uri))
    assert page.status_code == 200
    assert_error_redirect(flow.consent(page, allow=False), redirect_uri, "access_denied")


def test_registered_uri_with_query_keeps_it_on_error_3_1_2(flow):
    """RFC 6749 §3.1.2: the registered query is retained and the error parameters added."""
    application = ApplicationFactory(redirect_uris="https://client.example/callback?tenant=7")
    response = flow.authorize(**code_request(application, scope="admin"))
    assert response.status_code == 302
    parts = urlsplit(response["Location"])
    params = parse_qs(parts.query)
    assert params["tenant"] == ["7"]
    assert params["error"] == ["invalid_scope"]
    assert params["state"] == [STATE]
    assert params["iss"] == [ISSUER]
    assert_no_grant_written()


def test_prompt_none_without_stored_consent_is_consent_required(flow, confidential_client):
    """OpenID Connect Core §3.1.2.6 (used by OAuth clients too): no interaction allowed."""
    response = flow.authorize(**code_request(confidential_client, prompt="none"))
    assert_error_redirect(response, REGISTERED, "consent_required")


def test_anonymous_prompt_none_for_a_valid_request_is_login_required(anonymous, confidential_client):
    response = get_authorize(anonymous, {**code_request(confidential_client), "prompt": "none"})
    assert_error_redirect(response, REGISTERED, "login_required")


# -- the implicit grant: errors in the fragment (RFC 6749 §4.2.2.1) --------------------


def implicit_request(application, **overrides) -> dict[str, str]:
    params = {
        "response_type": "token",
        "client_id": application.client_id,
        "redirect_uri": application.redirect_uri_list[0],
        "scope": "read",
        "state": STATE,
    }
    params.update(overrides)
    return {name: value for name, value in params.items() if value is not None}


def test_implicit_unknown_scope_travels_in_fragment_4_2_2_1(flow, implicit_client):
    response = flow.authorize(**implicit_request(implicit_client, scope="admin"))
    assert_error_redirect(response, "https://app.example/implicit", "invalid_scope", fragment=True)


def test_implicit_owner_denies_travels_in_fragment_4_2_2_1(flow, implicit_client):
    page = flow.authorize(**implicit_request(implicit_client))
    assert page.status_code == 200
    response = flow.consent(page, allow=False)
    assert_error_redirect(response, "https://app.example/implicit", "access_denied", fragment=True)


def test_implicit_prompt_none_travels_in_fragment_4_2_2_1(flow, implicit_client):
    response = flow.authorize(**implicit_request(implicit_client, prompt="none"))
    assert_error_redirect(response, "https://app.example/implicit", "consent_required", fragment=True)


def test_implicit_unregistered_redirect_uri_is_an_error_page_4_2_2_1(flow, implicit_client):
    response = flow.authorize(
        **implicit_request(implicit_client, redirect_uri="https://evil.example/implicit")
    )
    assert_error_page(response)


# -- hostile input: error page, no redirect ----------------------------------------------

PARAMETER_NAMES = ["response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge"]


@pytest.mark.parametrize("name", [*PARAMETER_NAMES, "code_challenge_method", "prompt", "nonce"])
def test_nul_byte_in_any_parameter_is_an_error_page(flow, public_client, name):
    """A NUL byte must never reach the database (PostgreSQL rejects it in text)."""
    params = code_request(public_client)
    params[name] = params.get(name, "x") + "\x00"
    assert_error_page(flow.authorize(**params), "invalid_request")


def test_nul_byte_in_a_parameter_name_is_an_error_page(flow, public_client):
    params = {**code_request(public_client), "sta\x00te": "x"}
    assert_error_page(flow.authorize(**params), "invalid_request")


@pytest.mark.parametrize("name", [*PARAMETER_NAMES, "nonce"])
def test_over_long_parameter_is_an_error_page(flow, public_client, name):
    params = code_request(public_client)
    params[name] = "a" * 2049
    assert_error_page(flow.authorize(**params), "invalid_request")


def test_over_long_redirect_uri_with_registered_prefix_is_an_error_page(flow, confidential_client):
    params = code_request(confidential_client, redirect_uri=REGISTERED + "?" + "a" * 2048)
    assert_error_page(flow.authorize(**params), "invalid_request")


@pytest.mark.parametrize(
    "name", ["scope", "state", "code_challenge", "code_challenge_method", "response_type"]
)
def test_repeated_parameter_is_an_error_page_3_1(flow, public_client, name):
    """RFC 6749 §3.1: never "last value wins"; the client is not yet trusted to receive it."""
    params = code_request(public_client)
    pairs = [*params.items(), (name, params[name])]
    assert_error_page(get_authorize(flow.browser, pairs), "invalid_request")


def test_repeated_parameter_with_distinct_values_is_an_error_page_3_1(flow, public_client):
    params = code_request(public_client)
    _, other_challenge = pkce_pair()
    pairs = [*params.items(), ("code_challenge", other_challenge), ("state", "other")]
    assert_error_page(get_authorize(flow.browser, pairs), "invalid_request")


# -- the owner is not logged in -----------------------------------------------------------


def test_anonymous_owner_is_sent_to_login_not_to_the_client(anonymous, confidential_client):
    params = code_request(confidential_client)
    response = get_authorize(anonymous, params)
    assert response.status_code == 302
    full_path = AUTHORIZE + "?" + urlencode(params)
    assert response["Location"] == "/accounts/login/?next=" + quote(full_path, safe="/")
    assert_no_grant_written()


def test_anonymous_owner_with_a_bad_request_is_not_sent_to_the_client(anonymous, confidential_client):
    """Login comes first; a request with errors is judged after login, never redirected to the client."""
    params = code_request(confidential_client, response_type="nope", scope="admin")
    response = get_authorize(anonymous, params)
    assert response.status_code == 302
    full_path = AUTHORIZE + "?" + urlencode(params)
    assert response["Location"] == "/accounts/login/?next=" + quote(full_path, safe="/")
    assert_no_grant_written()
