"""Fill the site's database through django-oauth-toolkit's own models and endpoints, as its
tutorial does, and print what a client holds (secrets, tokens, a code) as JSON.

Run with ``DJANGO_SETTINGS_MODULE=tests.dot_site.settings python -m tests.dot_site.populate``
after ``migrate``.
"""

import base64
import hashlib
import json
import secrets
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from oauth2_provider.models import AccessToken, Application  # noqa: E402

REDIRECT_URI = "https://client.example/callback"


def basic(client_id, secret):
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def pkce():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def code_for(browser, application, scope):
    verifier, challenge = pkce()
    params = {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": "s",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    answer = browser.get("/o/authorize/?" + urlencode(params))
    if answer.status_code == 200:  # the consent page; a skip_authorization client has none
        answer = browser.post("/o/authorize/?" + urlencode(params), {**params, "allow": "Authorize"})
    assert answer.status_code == 302, answer.content
    return parse_qs(urlsplit(answer["Location"]).query)["code"][0], verifier


def token(api, data, **headers):
    response = api.post("/o/token/", data, **headers)
    assert response.status_code == 200, response.content
    return response.json()


def main():
    alice = get_user_model().objects.create_user("alice", password="alice-password")
    bob = get_user_model().objects.create_user("bob", password="bob-password")
    web_secret = "web-secret-" + "w" * 40
    web = Application.objects.create(
        name="Web app",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT_URI,
        client_secret=web_secret,
        user=alice,
    )
    service_secret = "service-secret-" + "s" * 40
    service = Application.objects.create(
        name="Service",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=service_secret,
        hash_client_secret=False,
    )
    mobile = Application.objects.create(
        name="Mobile app",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT_URI,
        skip_authorization=True,
    )
    browser, api = Client(), Client()
    browser.force_login(alice)
    web_auth = {"HTTP_AUTHORIZATION": basic(web.client_id, web_secret)}

    # A first session, refreshed once: its first refresh token is revoked by the rotation.
    code, verifier = code_for(browser, web, "read write")
    first = token(
        api,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
        **web_auth,
    )
    web_tokens = token(
        api, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}, **web_auth
    )
    # A code issued but not yet exchanged when the site switches.
    pending_code, pending_verifier = code_for(browser, web, "read")

    code, verifier = code_for(browser, mobile, "read")
    mobile_tokens = token(
        api,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
            "client_id": mobile.client_id,
        },
    )
    service_tokens = token(
        api,
        {"grant_type": "client_credentials", "scope": "read"},
        HTTP_AUTHORIZATION=basic(service.client_id, service_secret),
    )
    # Bob's token expired long ago.
    expired = AccessToken.objects.create(
        user=bob,
        application=web,
        token="expired-" + secrets.token_urlsafe(20),
        scope="read",
        expires=timezone.now() - timedelta(days=1),
    )
    print(
        json.dumps(
            {
                "users": {"alice": alice.pk, "bob": bob.pk},
                "web": {
                    "id": web.pk,
                    "client_id": web.client_id,
                    "secret": web_secret,
                    "stored": web.client_secret,
                },
                "service": {"id": service.pk, "client_id": service.client_id, "secret": service_secret},
                "mobile": {"id": mobile.pk, "client_id": mobile.client_id},
                "web_tokens": web_tokens,
                "first_refresh_token": first["refresh_token"],
                "first_access_token": first["access_token"],
                "pending_code": {"code": pending_code, "verifier": pending_verifier},
                "mobile_tokens": mobile_tokens,
                "service_tokens": service_tokens,
                "expired_access_token": expired.token,
            }
        )
    )


main()
