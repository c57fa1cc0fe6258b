"""Hostile input at the owner's pages and around them: a clear 400 or 404, never a 500."""

from __future__ import annotations

from io import BytesIO
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client

from oauth_provider.wsgi import guard

from .conftest import CLIENT_SECRET
from .factories import ApplicationFactory

pytestmark = pytest.mark.django_db

LATIN_1_FORM = "application/x-www-form-urlencoded; charset=latin-1"


@pytest.fixture
def browser(owner, confidential_client):
    """A logged-in browser that enforces CSRF and holds a valid CSRF cookie."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    page = browser.get(
        "/oauth/authorize/",
        {
            "response_type": "code",
            "client_id": confidential_client.client_id,
            "redirect_uri": "https://client.example/callback",
        },
    )
    assert page.status_code == 200
    browser.csrf_token = browser.cookies["csrftoken"].value
    return browser


@pytest.mark.parametrize(
    "path", ["/oauth/authorize/?client_id=x", "/oauth/connected-apps/1/revoke/", "/oauth/connected-apps/"]
)
def test_a_form_in_another_charset_is_a_400_page_not_a_500(browser, path):
    """Django refuses form bodies declared in a charset other than UTF-8, in its CSRF check
    and again in its own 400 handler; the package's pages answer 400 themselves."""
    response = browser.post(path, f"csrfmiddlewaretoken={browser.csrf_token}", content_type=LATIN_1_FORM)
    assert response.status_code == 400
    assert "UTF-8" in response.content.decode()


def test_the_csrf_check_still_applies_to_the_pages(browser, confidential_client):
    """Exempt from the site's middleware, the pages run the same check themselves."""
    response = browser.post(f"/oauth/connected-apps/{confidential_client.pk}/revoke/", {})
    assert response.status_code == 403
    consent = browser.post("/oauth/authorize/", {"client_id": confidential_client.client_id})
    assert consent.status_code == 403


def test_a_form_with_too_many_fields_is_a_400_page(browser):
    body = "&".join(f"f{i}=1" for i in range(1100))
    response = browser.post(
        "/oauth/connected-apps/1/revoke/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "application_id", ["9223372036854775808", "99999999999999999999999", "9223372036854775807"]
)
def test_an_id_too_large_for_the_database_is_a_404(browser, application_id):
    assert browser.get(f"/oauth/connected-apps/{application_id}/revoke/").status_code == 404


@pytest.fixture
def connections_kept():
    """A WSGI request closes the database connection when it starts and ends, which would
    end the test's transaction; Django's test client disconnects the same receivers."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def environ(query: str, content_type: str) -> dict:
    values = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/.well-known/oauth-authorization-server",
        "QUERY_STRING": query,
        "CONTENT_TYPE": content_type,
        "SERVER_NAME": "testserver",
        "wsgi.input": BytesIO(b""),
    }
    setup_testing_defaults(values)
    return values


TOO_MANY_FIELDS = "&".join(f"a{i}=1" for i in range(1100))


def test_django_cannot_build_a_request_with_too_many_fields_and_a_charset():
    """Why ``oauth_provider.wsgi.guard`` exists: the request's constructor raises."""
    from django.core.exceptions import TooManyFieldsSent

    with pytest.raises(TooManyFieldsSent):
        get_wsgi_application()(environ(TOO_MANY_FIELDS, "text/plain; charset=latin-1"), lambda *a: None)


def test_the_wsgi_guard_answers_400_invalid_request():
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(
        guard(get_wsgi_application())(environ(TOO_MANY_FIELDS, "text/plain; charset=latin-1"), start_response)
    )
    assert seen["status"] == "400 Bad Request"
    assert seen["headers"]["Cache-Control"] == "no-store"
    assert b'"error": "invalid_request"' in body


def test_the_wsgi_guard_lets_other_requests_through(connections_kept):
    seen = {}

    def start_response(status, headers):
        seen["status"] = status

    b"".join(guard(get_wsgi_application())(environ("a=1", "text/plain; charset=utf-8"), start_response))
    assert seen["status"] == "200 OK"


def test_the_application_admin_offers_no_broken_view_on_site_link(admin_client):
    application = ApplicationFactory(client_secret=CLIENT_SECRET)
    page = admin_client.get(f"/admin/oauth_provider/application/{application.pk}/change/")
    assert page.status_code == 200
    assert "viewsitelink" not in page.content.decode()


def asgi_call(application, query: str, content_type: str) -> list[dict]:
    """One ASGI request to the metadata document; the messages the application sent."""
    import asyncio

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/.well-known/oauth-authorization-server",
        "raw_path": b"/.well-known/oauth-authorization-server",
        "query_string": query.encode(),
        "headers": [(b"host", b"testserver"), (b"content-type", content_type.encode())],
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
    }
    sent: list[dict] = []
    received: list[bool] = []

    async def receive():
        if received:  # Django listens for a disconnect until it has answered
            await asyncio.Event().wait()
        received.append(True)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(application(scope, receive, send))
    return sent


def test_django_asgi_cannot_build_the_request_either():
    """Why ``oauth_provider.asgi.guard`` exists: the ASGI handler fails the same way."""
    from django.core.asgi import get_asgi_application
    from django.core.exceptions import TooManyFieldsSent

    with pytest.raises(TooManyFieldsSent):
        asgi_call(get_asgi_application(), TOO_MANY_FIELDS, "text/plain; charset=latin-1")


def test_the_asgi_guard_answers_400_invalid_request():
    from django.core.asgi import get_asgi_application

    from oauth_provider.asgi import guard as asgi_guard

    start, body = asgi_call(
        asgi_guard(get_asgi_application()), TOO_MANY_FIELDS, "text/plain; charset=latin-1"
    )
    assert start["status"] == 400
    assert (b"cache-control", b"no-store") in start["headers"]
    assert b'"error": "invalid_request"' in body["body"]


def test_the_asgi_guard_lets_other_requests_through():
    from django.core.asgi import get_asgi_application

    from oauth_provider.asgi import guard as asgi_guard

    sent = asgi_call(asgi_guard(get_asgi_application()), "a=1", "text/plain; charset=utf-8")
    assert sent[0]["status"] == 200
