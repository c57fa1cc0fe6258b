"""Resource servers (RFC 6750): bearer tokens on DRF views, plain Django views and the mixin.

Every protected view in ``tests/api_views.py`` is exercised the way a client would call
it: a request with (or without) ``Authorization: Bearer <token>``, then the exact
status, ``WWW-Authenticate`` challenge (RFC 6750 §3) and body.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model
from rest_framework.request import Request

from oauth_provider.resource import BearerTokenAuthentication

from .conftest import CLIENT_SECRET, basic_auth
from .factories import ApplicationFactory

pytestmark = pytest.mark.django_db

NO_CREDENTIALS = "Authentication credentials were not provided."
NO_CREDENTIALS_PLAIN = "Authentication credentials were not provided: send a bearer access token."
NO_PERMISSION = "You do not have permission to perform this action."
MALFORMED_HEADER = "The Authorization header must be 'Bearer <token>' (RFC 6750 section 2.1)."
TOKEN_IN_QUERY = "Access tokens are not accepted in the URL query; send them in the Authorization header."
TWO_TOKENS = "Send exactly one access token (RFC 6750 section 2)."
UNKNOWN_TOKEN = "The access token is unknown or was revoked."
NOT_FOR_CLIENT_TOKENS = "This endpoint needs a token issued for a user, not a client credentials token."
ONLY_CLIENT_TOKENS = "This endpoint needs a client credentials token."

# A well-formed b64token (RFC 6750 §2.1) that was never issued.
NEVER_ISSUED = "n0t-4-r34l-t0k3n_" + "x" * 26


def bearer_error(error: str, description: str, scope: str | None = None) -> str:
    """The challenge RFC 6750 §3 describes, as a string to compare against."""
    value = f'Bearer realm="api", error="{error}", error_description="{description}"'
    return value + (f', scope="{scope}"' if scope else "")


def insufficient_scope(scope: str) -> str:
    return bearer_error("insufficient_scope", f"The access token lacks a required scope: {scope}.", scope)


def send(api: Client, method: str, path: str, token: str | None = None, **extra):
    if token is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return getattr(api, method)(path, **extra)


def post_form(api: Client, path: str, data: dict[str, str] | list[tuple[str, str]], **extra):
    return api.post(path, urlencode(data), content_type="application/x-www-form-urlencoded", **extra)


@pytest.fixture
def api():
    """A client of the API: no session, and CSRF checks on as in a real browser."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def user_token(flow, confidential_client):
    """``user_token("read write")``: an access token the owner granted through the code flow."""

    def issue(scope: str = "read write") -> str:
        return flow.tokens_for(confidential_client, scope=scope)["access_token"]

    return issue


@pytest.fixture
def service(db):
    return ApplicationFactory(grant_types="client_credentials", redirect_uris="")


@pytest.fixture
def client_token(flow, service):
    """``client_token("read")``: a client credentials token (RFC 6749 §4.4), no resource owner."""

    def issue(scope: str = "read write") -> str:
        response = flow.token(
            {"grant_type": "client_credentials", "scope": scope},
            HTTP_AUTHORIZATION=basic_auth(service.client_id, CLIENT_SECRET),
        )
        assert response.status_code == 200, response.content
        assert response.json()["scope"] == scope
        return response.json()["access_token"]

    return issue


# --- every protected view: the right scope, a missing scope, no token ------------------------

PROTECTED = [
    # (method, path, scope the view requires, status on success)
    ("get", "/api/scoped/", "read", 200),  # APIView + TokenHasScope
    ("get", "/api/method-scoped/", "read", 200),  # APIView + TokenHasMethodScope
    ("post", "/api/method-scoped/", "write", 201),
    ("get", "/api/method-scoped-override/", "bookings:read", 200),
    ("post", "/api/method-scoped-override/", "read write", 201),
    ("get", "/api/session-or-token/", "write", 200),  # IsAuthenticatedOrTokenHasScope
    ("get", "/api/composed/", "read", 200),  # IsAuthenticated & TokenHasScope & ~TokenIsClientOnly
    ("get", "/api/not-client/", "read", 200),  # TokenHasScope & ~TokenIsClientOnly
    ("get", "/api/reports/", "read", 200),  # ViewSet list + TokenHasScope
    ("post", "/api/reports/archive/", "write", 200),  # ViewSet action, required_scopes_by_method
    ("get", "/api/method-scoped-function/", "read", 200),  # @api_view + TokenHasMethodScope
    ("post", "/api/method-scoped-function/", "write", 201),
    ("get", "/api/decorated-method/", "write", 200),  # @require_scopes on an APIView method
    ("get", "/api/bookings/", "bookings:read", 200),  # @require_scopes on a ViewSet list
    ("post", "/api/bookings/cancel/", "write", 200),  # @require_scopes on a ViewSet action
    ("get", "/api/decorated-function/", "read", 200),  # @require_scopes on an @api_view
    ("get", "/plain/function/", "read", 200),  # @require_scopes on a plain Django view
    ("get", "/plain/class/", "read", 200),  # ScopeRequiredMixin
    ("post", "/plain/class/", "write", 201),  # ScopeRequiredMixin, required_scopes_by_method
    ("get", "/plain/async-function/", "read", 200),  # @require_scopes on an async view (ASGI)
    ("get", "/plain/async-class/", "read", 200),  # ScopeRequiredMixin on an async class-based view
    ("post", "/plain/async-class/", "write", 201),
]

# For each required scope, a granted scope that does not cover it.
SHORT_OF = {
    "read": "write",
    "write": "read",
    "read write": "write",
    "bookings:read": "read write",
}


def is_plain(path: str) -> bool:
    return path.startswith("/plain/")


@pytest.mark.parametrize(("method", "path", "scope", "status"), PROTECTED)
def test_a_token_with_the_required_scope_is_accepted(
    api, user_token, owner, confidential_client, method, path, scope, status
):
    response = send(api, method, path, user_token(scope))
    assert response.status_code == status, response.content
    assert response.json() == {
        "user": owner.username,
        "client_id": confidential_client.client_id,
        "scopes": sorted(scope.split()),
    }


@pytest.mark.parametrize(("method", "path", "scope", "status"), PROTECTED)
def test_a_token_without_the_required_scope_is_insufficient_scope_3_1(
    api, user_token, method, path, scope, status
):
    """RFC 6750 §3.1: 403, ``error="insufficient_scope"`` and the ``scope`` the request needs."""
    response = send(api, method, path, user_token(SHORT_OF[scope]))
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == insufficient_scope(scope)
    assert response.json() == {"detail": f"The access token lacks a required scope: {scope}."}


def test_the_insufficient_scope_challenge_in_full_3_1(api, user_token):
    response = send(api, "get", "/api/scoped/", user_token("write"))
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == (
        'Bearer realm="api", error="insufficient_scope", '
        'error_description="The access token lacks a required scope: read.", scope="read"'
    )
    assert response.json() == {"detail": "The access token lacks a required scope: read."}


@pytest.mark.parametrize(("method", "path", "scope", "status"), PROTECTED)
def test_no_token_is_401_with_a_challenge_without_error_3_1(api, method, path, scope, status):
    """RFC 6750 §3.1: a request with no authentication gets no error code, only the challenge."""
    response = send(api, method, path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json() == {"detail": NO_CREDENTIALS_PLAIN if is_plain(path) else NO_CREDENTIALS}


@pytest.mark.parametrize("path", ["/api/scoped/", "/plain/function/", "/plain/class/"])
def test_the_realm_comes_from_the_settings_3(api, settings, path):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "RESOURCE_SERVER_REALM": "bookings"}
    response = send(api, "get", path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="bookings"'


# --- tokens that are not (or no longer) valid: 401 invalid_token ----------------------------

CHECKED_BY = [
    "/api/scoped/",  # BearerTokenAuthentication + a permission class
    "/api/decorated-function/",  # default authentication classes + @require_scopes
    "/plain/function/",  # @require_scopes on a plain view
    "/plain/class/",  # ScopeRequiredMixin
    "/plain/async-function/",  # the same on async views
    "/plain/async-class/",
]


def revoke(flow, client, token):
    response = flow.post(
        "revoke", {"token": token}, HTTP_AUTHORIZATION=basic_auth(client.client_id, CLIENT_SECRET)
    )
    assert response.status_code == 200


def expire_every_token():
    get_access_token_model().objects.update(expires=timezone.now() - timedelta(seconds=1))


def disable_the_client(client):
    get_application_model().objects.filter(pk=client.pk).update(is_active=False)


def deactivate_the_owner(owner):
    owner.is_active = False
    owner.save(update_fields=["is_active"])


INVALID_TOKENS = [
    # (how the token went bad, error_description)
    ("never_issued", UNKNOWN_TOKEN),
    ("revoked", UNKNOWN_TOKEN),
    ("expired", "The access token has expired."),
    ("client_disabled", "The client this access token was issued to is disabled."),
    ("owner_deactivated", "The resource owner's account is disabled."),
]


@pytest.mark.parametrize("path", CHECKED_BY)
@pytest.mark.parametrize(("case", "description"), INVALID_TOKENS)
def test_an_invalid_token_is_401_invalid_token_3_1(
    api, flow, user_token, owner, confidential_client, path, case, description
):
    token = user_token("read")
    assert send(api, "get", path, token).status_code == 200
    if case == "never_issued":
        token = NEVER_ISSUED
    elif case == "revoked":
        revoke(flow, confidential_client, token)
    elif case == "expired":
        expire_every_token()
    elif case == "client_disabled":
        disable_the_client(confidential_client)
    elif case == "owner_deactivated":
        deactivate_the_owner(owner)

    response = send(api, "get", path, token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == bearer_error("invalid_token", description)
    assert response.json() == {"detail": description}


def test_a_revoked_client_credentials_token_is_invalid_token_3_1(api, flow, service, client_token):
    token = client_token("read")
    assert send(api, "get", "/api/client-only/", token).status_code == 200
    revoke(flow, service, token)
    response = send(api, "get", "/api/client-only/", token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == bearer_error("invalid_token", UNKNOWN_TOKEN)


def test_a_session_does_not_rescue_an_invalid_token_3_1(flow):
    """A logged-in browser that sends a bad bearer token is told so, not let in on its cookie."""
    response = send(flow.browser, "get", "/api/session-or-token/", NEVER_ISSUED)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == bearer_error("invalid_token", UNKNOWN_TOKEN)


# --- malformed requests: 400 invalid_request ------------------------------------------------

MALFORMED_AUTHORIZATION = [
    "Bearer",
    "Bearer ",
    "Bearer a b",
    "Bearer ä",
    "Bearer a\x00b",
    "Bearer a,b",
    'Bearer a"b',
]


@pytest.mark.parametrize("path", CHECKED_BY)
@pytest.mark.parametrize("authorization", MALFORMED_AUTHORIZATION)
def test_a_malformed_authorization_header_is_invalid_request_2_1(api, path, authorization):
    """RFC 6750 §2.1: ``credentials = "Bearer" 1*SP b64token``; anything else is 400."""
    response = api.get(path, HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 400
    assert response["WWW-Authenticate"] == bearer_error("invalid_request", MALFORMED_HEADER)
    assert response.json() == {"detail": MALFORMED_HEADER}


@pytest.mark.parametrize("path", CHECKED_BY)
def test_a_token_in_the_url_query_is_refused_2_3(api, user_token, path):
    """RFC 9700 §4.3.2 / RFC 6750 §2.3: a query token leaks into logs and Referer; never accepted."""
    response = api.get(path, {"access_token": user_token("read")})
    assert response.status_code == 400
    assert response["WWW-Authenticate"] == bearer_error("invalid_request", TOKEN_IN_QUERY)
    assert response.json() == {"detail": TOKEN_IN_QUERY}


@pytest.mark.parametrize("path", CHECKED_BY)
def test_a_token_in_the_url_query_is_refused_even_beside_a_valid_header_2_3(api, user_token, path):
    token = user_token("read")
    response = api.get(f"{path}?access_token={token}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 400
    assert response["WWW-Authenticate"] == bearer_error("invalid_request", TOKEN_IN_QUERY)


@pytest.mark.parametrize("path", CHECKED_BY)
def test_a_token_in_the_url_query_is_refused_when_body_tokens_are_allowed_2_3(
    api, settings, user_token, path
):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "ACCESS_TOKEN_IN_BODY": True}
    response = api.get(path, {"access_token": user_token("read")})
    assert response.status_code == 400
    assert response["WWW-Authenticate"] == bearer_error("invalid_request", TOKEN_IN_QUERY)


def test_the_auth_scheme_is_case_insensitive_2_1(api, user_token):
    """RFC 7235 §2.1: the auth-scheme is a case-insensitive token."""
    token = user_token("read")
    for scheme in ("bearer", "BEARER"):
        response = api.get("/api/scoped/", HTTP_AUTHORIZATION=f"{scheme} {token}")
        assert response.status_code == 200, scheme


# --- the form-encoded body (RFC 6750 §2.2), only when ACCESS_TOKEN_IN_BODY is on -------------

BODY_ACCEPTED_BY = [
    # (path, status on success)
    ("/api/method-scoped/", 201),
    ("/api/bookings/cancel/", 200),
    ("/plain/class/", 201),
]


@pytest.fixture
def body_tokens_allowed(settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "ACCESS_TOKEN_IN_BODY": True}


@pytest.mark.parametrize(("path", "status"), BODY_ACCEPTED_BY)
def test_a_form_body_token_is_accepted_when_allowed_2_2(
    api, body_tokens_allowed, user_token, owner, path, status
):
    response = post_form(api, path, {"access_token": user_token("write")})
    assert response.status_code == status, response.content
    assert response.json()["user"] == owner.username
    assert response.json()["scopes"] == ["write"]


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("path", ["/api/method-scoped/", "/plain/class/"])
def test_a_form_body_token_is_accepted_on_put_and_patch_2_2(
    api, body_tokens_allowed, user_token, owner, path, method
):
    """RFC 6750 §2.2 allows any method whose request body has defined semantics, not only POST."""
    body = urlencode({"access_token": user_token("write")})
    response = getattr(api, method)(path, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.content
    assert response.json()["user"] == owner.username


@pytest.mark.parametrize("path", ["/api/method-scoped/", "/plain/class/"])
def test_a_form_body_token_is_not_read_on_delete_2_2(api, body_tokens_allowed, user_token, path):
    """Only POST, PUT and PATCH carry a body token; a DELETE body has no defined semantics."""
    body = urlencode({"access_token": user_token("write")})
    response = api.delete(path, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize("method", ["put", "patch"])
def test_a_put_body_token_is_ignored_by_default_2_2(api, user_token, method):
    body = urlencode({"access_token": user_token("write")})
    response = getattr(api, method)(
        "/api/method-scoped/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(("path", "status"), BODY_ACCEPTED_BY)
def test_a_form_body_token_is_ignored_by_default_2_2(api, user_token, path, status):
    response = post_form(api, path, {"access_token": user_token("write")})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize("path", CHECKED_BY)
def test_a_body_token_is_never_read_on_get_2_2(api, body_tokens_allowed, user_token, path):
    """RFC 6750 §2.2: "The "GET" method MUST NOT be used" to carry a body token."""
    body = urlencode({"access_token": user_token("read")})
    response = api.generic("GET", path, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(("path", "status"), BODY_ACCEPTED_BY)
def test_a_json_body_token_is_ignored_2_2(api, body_tokens_allowed, user_token, path, status):
    """RFC 6750 §2.2: only an ``application/x-www-form-urlencoded`` entity-body counts."""
    response = api.post(path, {"access_token": user_token("write")}, content_type="application/json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(("path", "status"), BODY_ACCEPTED_BY)
def test_a_multipart_body_token_is_ignored_2_2(api, body_tokens_allowed, user_token, path, status):
    """RFC 6750 §2.2: ``multipart/form-data`` is not the form encoding the RFC names."""
    response = api.post(path, {"access_token": user_token("write")})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(("path", "status"), BODY_ACCEPTED_BY)
def test_a_header_token_and_a_body_token_are_invalid_request_2(
    api, body_tokens_allowed, user_token, path, status
):
    """RFC 6750 §2: "Clients MUST NOT use more than one method to transmit the token"."""
    token = user_token("write")
    response = post_form(api, path, {"access_token": token}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 400
    assert response["WWW-Authenticate"] == bearer_error("invalid_request", TWO_TOKENS)
    assert response.json() == {"detail": TWO_TOKENS}


@pytest.mark.parametrize(("path", "status"), BODY_ACCEPTED_BY)
def test_two_body_tokens_are_invalid_request_2(api, body_tokens_allowed, user_token, path, status):
    token = user_token("write")
    response = post_form(api, path, [("access_token", token), ("access_token", token)])
    assert response.status_code == 400
    assert response["WWW-Authenticate"] == bearer_error("invalid_request", TWO_TOKENS)


# --- other Authorization schemes -------------------------------------------------------------


def drf_request(**headers) -> Request:
    return Request(RequestFactory().get("/api/scoped/", **headers))


def test_the_bearer_authenticator_ignores_basic_credentials(confidential_client):
    basic = basic_auth(confidential_client.client_id, CLIENT_SECRET)
    assert BearerTokenAuthentication().authenticate(drf_request(HTTP_AUTHORIZATION=basic)) is None


@pytest.mark.parametrize("path", ["/api/scoped/", "/api/decorated-function/", "/plain/function/"])
def test_basic_credentials_on_the_api_are_401_with_the_bearer_challenge(api, owner, path):
    """Nothing authenticates ``Basic``: DRF answers 401 with the Bearer challenge (RFC 7235 §4.1)."""
    response = api.get(path, HTTP_AUTHORIZATION=basic_auth(owner.username, "password"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


# --- a resource owner's token vs a client credentials token ----------------------------------


def test_a_user_token_authenticates_its_resource_owner(user_token, owner, confidential_client):
    user, info = BearerTokenAuthentication().authenticate(
        drf_request(HTTP_AUTHORIZATION=f"Bearer {user_token('read')}")
    )
    assert user == owner
    assert info.user == owner
    assert info.subject == owner.username
    assert info.client_id == confidential_client.client_id
    assert info.scopes == {"read"}
    assert not info.is_client_token


def test_a_client_credentials_token_authenticates_no_user_4_4(client_token, service):
    """RFC 6749 §4.4: the client acts on its own behalf; there is no resource owner."""
    user, info = BearerTokenAuthentication().authenticate(
        drf_request(HTTP_AUTHORIZATION=f"Bearer {client_token('read')}")
    )
    assert isinstance(user, AnonymousUser)
    assert info.subject is None
    assert info.client_id == service.client_id
    assert info.scopes == {"read"}
    assert info.is_client_token


@pytest.mark.parametrize(
    "path", ["/api/scoped/", "/api/decorated-function/", "/plain/function/", "/plain/class/"]
)
def test_a_client_credentials_token_reaches_the_view_as_an_anonymous_user_4_4(
    api, client_token, service, path
):
    response = send(api, "get", path, client_token("read"))
    assert response.status_code == 200
    assert response.json() == {"user": None, "client_id": service.client_id, "scopes": ["read"]}


def test_the_owner_only_view_accepts_a_user_token(api, user_token, owner):
    response = send(api, "get", "/api/owner-only/", user_token("read"))
    assert response.status_code == 200
    assert response.json()["user"] == owner.username


def test_the_owner_only_view_refuses_a_client_credentials_token(api, client_token):
    response = send(api, "get", "/api/owner-only/", client_token())
    assert response.status_code == 403
    assert response.json() == {"detail": NOT_FOR_CLIENT_TOKENS}


def test_the_client_only_view_accepts_a_client_credentials_token(api, client_token, service):
    response = send(api, "get", "/api/client-only/", client_token("write"))
    assert response.status_code == 200
    assert response.json() == {"user": None, "client_id": service.client_id, "scopes": ["write"]}


def test_the_client_only_view_refuses_a_user_token(api, user_token):
    response = send(api, "get", "/api/client-only/", user_token())
    assert response.status_code == 403
    assert response.json() == {"detail": ONLY_CLIENT_TOKENS}


@pytest.mark.parametrize("path", ["/api/owner-only/", "/api/client-only/"])
def test_the_token_kind_views_need_a_token_3_1(api, path):
    response = send(api, "get", path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


# --- TokenHasMethodScope ---------------------------------------------------------------------


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_every_unsafe_method_needs_the_write_scopes(api, user_token, method):
    response = send(api, method, "/api/method-scoped/", user_token("read"))
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == insufficient_scope("write")


def test_head_is_a_read(api, user_token):
    assert send(api, "head", "/api/method-scoped/", user_token("read")).status_code == 200
    response = send(api, "head", "/api/method-scoped/", user_token("write"))
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == insufficient_scope("read")


def test_the_view_scopes_override_the_settings(api, user_token):
    """``read_scopes``/``write_scopes`` on the view win over READ_SCOPES/WRITE_SCOPES."""
    read_only = user_token("read")
    response = send(api, "get", "/api/method-scoped-override/", read_only)
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == insufficient_scope("bookings:read")
    assert send(api, "get", "/api/method-scoped/", read_only).status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/method-scoped/", "/api/method-scoped-function/"], ids=["APIView", "api_view"]
)
def test_the_read_and_write_scopes_come_from_the_settings(api, settings, user_token, path):
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "READ_SCOPES": ["bookings:read"],
        "WRITE_SCOPES": ["bookings:read", "write"],
    }
    response = send(api, "get", path, user_token("read"))
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == insufficient_scope("bookings:read")
    assert send(api, "get", path, user_token("bookings:read")).status_code == 200

    response = send(api, "post", path, user_token("write"))
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == insufficient_scope("bookings:read write")
    assert send(api, "post", path, user_token("bookings:read write")).status_code == 201


# --- IsAuthenticatedOrTokenHasScope ----------------------------------------------------------


def test_a_session_user_without_a_token_is_let_in(flow, owner):
    response = flow.browser.get("/api/session-or-token/")
    assert response.status_code == 200
    assert response.json() == {"user": owner.username, "client_id": None, "scopes": []}


def test_a_session_user_with_a_token_short_of_scope_is_insufficient_scope_3_1(flow, user_token):
    """The token is what the request presented, so its scope decides; the cookie does not widen it."""
    response = send(flow.browser, "get", "/api/session-or-token/", user_token("read"))
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == insufficient_scope("write")


# --- composition with &, | and ~ -------------------------------------------------------------


def test_and_not_refuses_a_client_credentials_token_with_the_scope(api, client_token):
    response = send(api, "get", "/api/not-client/", client_token("read"))
    assert response.status_code == 403
    assert response.json() == {"detail": NO_PERMISSION}


def test_composed_refuses_a_client_credentials_token_with_the_scope(api, client_token):
    response = send(api, "get", "/api/composed/", client_token("read"))
    assert response.status_code == 403
    assert response.json() == {"detail": NO_PERMISSION}


def test_or_accepts_either_kind_of_token(api, user_token, client_token, owner, service):
    response = send(api, "get", "/api/any-token/", user_token("read"))
    assert response.status_code == 200
    assert response.json()["user"] == owner.username
    response = send(api, "get", "/api/any-token/", client_token("read"))
    assert response.status_code == 200
    assert response.json()["client_id"] == service.client_id


def test_or_still_needs_a_token_3_1(api):
    response = send(api, "get", "/api/any-token/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_or_still_refuses_an_invalid_token_3_1(api):
    response = send(api, "get", "/api/any-token/", NEVER_ISSUED)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == bearer_error("invalid_token", UNKNOWN_TOKEN)


def test_or_with_and_lets_a_client_through_on_the_first_branch(api, client_token):
    """``TokenIsClientOnly | (TokenHasResourceOwner & TokenHasScope)``: a client needs no scope."""
    assert send(api, "get", "/api/client-or-scoped-owner/", client_token("read")).status_code == 200


def test_or_with_and_holds_a_user_token_to_the_scope_3_1(api, user_token):
    assert send(api, "get", "/api/client-or-scoped-owner/", user_token("write")).status_code == 200
    response = send(api, "get", "/api/client-or-scoped-owner/", user_token("read"))
    assert response.status_code == 403
    assert response["WWW-Authenticate"] == insufficient_scope("write")
    assert response.json() == {"detail": "The access token lacks a required scope: write."}


# --- cost: one query per protected request ---------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/scoped/", "/api/decorated-function/", "/api/reports/", "/plain/function/", "/plain/class/"]
)
def test_a_valid_token_costs_one_query(api, user_token, django_assert_max_num_queries, path):
    token = user_token("read")
    with django_assert_max_num_queries(1):
        response = send(api, "get", path, token)
    assert response.status_code == 200


# --- CSRF: a bearer token is not ambient authority -------------------------------------------


@pytest.mark.parametrize(
    ("path", "scope", "status"),
    [("/plain/function/", "read", 200), ("/plain/class/", "write", 201)],
)
def test_plain_views_take_a_bearer_post_without_a_csrf_token(user_token, owner, path, scope, status):
    """Browsers never attach a bearer token on their own, so CSRF protection does not apply."""
    browser = Client(enforce_csrf_checks=True)
    response = send(browser, "post", path, user_token(scope), data={"field": "value"})
    assert response.status_code == status, response.content
    assert response.json()["user"] == owner.username


def test_drf_takes_a_bearer_post_from_a_logged_in_browser_without_a_csrf_token(user_token, owner):
    """The bearer authenticator runs first, so DRF's session CSRF check is not reached."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    response = send(browser, "post", "/api/method-scoped-function/", user_token("write"))
    assert response.status_code == 201
    assert response.json()["scopes"] == ["write"]


def test_drf_still_wants_a_csrf_token_from_a_session_without_a_bearer_token(owner):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    response = browser.post("/api/session-or-token/")
    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF Failed: CSRF cookie not set."}


@pytest.mark.parametrize("path", ["/api/decorated-function/", "/api/session-or-token/", "/plain/function/"])
def test_the_tokens_owner_wins_over_the_sessions_user(user_token, owner, path):
    somebody_else = type(owner).objects.create_user("somebody-else")
    browser = Client()
    browser.force_login(somebody_else)
    response = send(browser, "get", path, user_token("read write"))
    assert response.status_code == 200
    assert response.json()["user"] == owner.username


def test_a_plain_view_sees_the_tokens_owner_not_the_sessions(api, user_token, owner):
    somebody_else = type(owner).objects.create_user("somebody-else")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(somebody_else)
    response = send(browser, "post", "/plain/class/", user_token("write"))
    assert response.status_code == 201
    assert response.json()["user"] == owner.username
