"""The device authorization grant (RFC 8628): the device authorization endpoint (§3.1, §3.2),
the verification page (§3.3), polling (§3.4, §3.5) and the security considerations of §5:
user code brute force, a device code redeemed by another client or for another owner,
scopes fixed when the owner approves (not when the device redeems)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from oauth_provider.core.grant_types import GrantType
from oauth_provider.server.device import authorizations, codes
from oauth_provider.storage.models import DeviceAuthorization

from .conftest import CLIENT_SECRET, basic_auth
from .factories import ApplicationFactory, PublicApplicationFactory, UserFactory

DEVICE_CODE = GrantType.DEVICE_CODE.value
USER_CODE = re.compile(r"^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$")


@pytest.fixture
def device_grant(settings):
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "GRANT_TYPES": [*settings.OAUTH_PROVIDER["GRANT_TYPES"], DEVICE_CODE],
    }
    return settings


@pytest.fixture
def tv(db, device_grant):
    """A public client: a TV app with no browser and no secret."""
    return PublicApplicationFactory(
        name="Living-room TV", grant_types=f"{DEVICE_CODE} refresh_token", redirect_uris=""
    )


@pytest.fixture
def console(db, device_grant):
    """A confidential client with the device grant."""
    return ApplicationFactory(name="Console", grant_types=DEVICE_CODE, redirect_uris="")


def post(client: Client, name: str, data: dict, **headers):
    return client.post(
        reverse(f"oauth_provider:{name}"),
        urlencode(data),
        content_type="application/x-www-form-urlencoded",
        **headers,
    )


def start(application, scope: str | None = "read write", **headers):
    data = {} if scope is None else {"scope": scope}
    if application.client_type == "public":
        data["client_id"] = application.client_id
    else:
        headers.setdefault("HTTP_AUTHORIZATION", basic_auth(application.client_id, CLIENT_SECRET))
    return post(Client(), "device_authorization", data, **headers)


def poll(application, device_code: str, **extra):
    data = {"grant_type": DEVICE_CODE, "device_code": device_code, **extra}
    headers = {}
    if application.client_type == "public":
        data["client_id"] = application.client_id
    else:
        headers["HTTP_AUTHORIZATION"] = basic_auth(application.client_id, CLIENT_SECRET)
    return post(Client(), "token", data, **headers)


def browser_for(user, address: str = "127.0.0.1") -> Client:
    browser = Client(REMOTE_ADDR=address)
    browser.force_login(user)
    return browser


def enter_code(browser: Client, user_code: str):
    return browser.post(reverse("oauth_provider:device"), {"user_code": user_code})


def decide(browser: Client, page, allow: bool = True, approved: list[str] | None = None, **overrides):
    form = page.context["form"]
    data = {
        name: value for name, value in form.initial.items() if value is not None and name != "approved_scopes"
    }
    data["approved_scopes"] = approved if approved is not None else form.initial["approved_scopes"]
    if allow:
        data["allow"] = "Authorize"
    data.update(overrides)
    return browser.post(reverse("oauth_provider:device"), data)


def error_of(response) -> str:
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = json.loads(response.content)
    assert body["error_description"].strip()
    return body["error"]


def approve(browser: Client, user_code: str, **kwargs):
    page = enter_code(browser, user_code)
    assert page.status_code == 200, page.content
    done = decide(browser, page, **kwargs)
    assert done.status_code == 200
    return done


# -- off by default ------------------------------------------------------------------------


def test_off_by_default_no_endpoints_no_metadata(db, owner):
    assert (
        DEVICE_CODE
        not in Client().get("/.well-known/oauth-authorization-server").json()["grant_types_supported"]
    )
    assert (
        "device_authorization_endpoint" not in Client().get("/.well-known/oauth-authorization-server").json()
    )
    assert post(Client(), "device_authorization", {"client_id": "x"}).status_code == 404
    assert browser_for(owner).get(reverse("oauth_provider:device")).status_code == 404


def test_metadata_advertises_it_when_on_rfc8628_4(tv):
    document = Client().get("/.well-known/oauth-authorization-server").json()
    assert document["device_authorization_endpoint"] == "http://testserver/oauth/device_authorization/"
    assert DEVICE_CODE in document["grant_types_supported"]


# -- the device authorization request (§3.1, §3.2) --------------------------------------


def test_device_authorization_response_3_2(tv):
    response = start(tv)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {
        "device_code",
        "user_code",
        "verification_uri",
        "verification_uri_complete",
        "expires_in",
        "interval",
    }
    assert USER_CODE.match(body["user_code"])
    assert body["verification_uri"] == "http://testserver/oauth/device/"
    assert (
        body["verification_uri_complete"] == f"http://testserver/oauth/device/?user_code={body['user_code']}"
    )
    assert body["expires_in"] == 600 and body["interval"] == 5
    assert len(body["device_code"]) >= 43
    # Only hashes at rest.
    row = DeviceAuthorization.objects.get()
    assert body["device_code"] not in (row.device_code, row.user_code)
    assert body["user_code"].replace("-", "") not in row.user_code
    assert row.requested_scope == "read write" and row.scope == "" and row.user is None


def test_confidential_client_authenticates_with_basic(console):
    assert start(console).status_code == 200
    response = start(console, HTTP_AUTHORIZATION=basic_auth(console.client_id, "wrong-secret-" + "x" * 30))
    assert response.status_code == 401 and error_of(response) == "invalid_client"
    assert response["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize(
    ("data", "status", "error"),
    [
        ({}, 400, "invalid_request"),
        ({"client_id": "no-such-client"}, 401, "invalid_client"),
        ({"client_id": "{tv}", "scope": "admin"}, 400, "invalid_scope"),
        ({"client_id": "{web}"}, 400, "unauthorized_client"),
    ],
    ids=["no-client", "unknown-client", "unknown-scope", "client-without-the-grant"],
)
def test_device_authorization_errors(tv, data, status, error):
    web = PublicApplicationFactory()
    data = {k: v.format(tv=tv.client_id, web=web.client_id) for k, v in data.items()}
    response = post(Client(), "device_authorization", data)
    assert response.status_code == status, response.content
    assert error_of(response) == error
    assert not DeviceAuthorization.objects.exists()


def test_duplicate_parameters_and_get_are_invalid_request(tv):
    body = f"client_id={tv.client_id}&scope=read&scope=write"
    response = Client().post(
        reverse("oauth_provider:device_authorization"), body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400 and error_of(response) == "invalid_request"
    response = Client().get(reverse("oauth_provider:device_authorization"), {"client_id": tv.client_id})
    assert response.status_code in (400, 405)


# -- the whole flow --------------------------------------------------------------------------


def test_pending_then_approved_then_tokens_for_the_approving_owner(tv, owner):
    started = start(tv).json()
    assert error_of(poll(tv, started["device_code"])) == "authorization_pending"
    page = enter_code(browser_for(owner), started["user_code"])
    # The same consent page as the authorization code grant: the client and the scopes.
    assert page.status_code == 200
    assert [t.name for t in page.templates][0] == "oauth_provider/authorize.html"
    assert b"Living-room TV" in page.content
    assert [scope["name"] for scope in page.context["scopes"]] == ["read", "write"]
    assert page["X-Frame-Options"] == "DENY"
    assert b'name="step" value="decide"' in page.content and b'action="/oauth/device/"' in page.content
    done = decide(browser_for(owner), page)
    assert b"oauth-device-approved" in done.content
    DeviceAuthorization.objects.update(last_polled=None)
    response = poll(tv, started["device_code"])
    assert response.status_code == 200, response.content
    tokens = response.json()
    assert tokens["token_type"] == "Bearer" and tokens["scope"] == "read write" and "refresh_token" in tokens
    access = get_access_token_model().objects.get()
    assert access.user == owner and access.application == tv
    assert access.token_family == DeviceAuthorization.objects.get().token_family
    # §3.5 and RFC 6749 §5.2: a device code is exchanged once.
    assert error_of(poll(tv, started["device_code"])) == "invalid_grant"
    assert get_access_token_model().objects.count() == 1


def test_the_refresh_token_works_and_stays_in_the_family(tv, owner):
    started = start(tv, scope="read").json()
    approve(browser_for(owner), started["user_code"])
    tokens = poll(tv, started["device_code"]).json()
    refreshed = post(
        Client(),
        "token",
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": tv.client_id},
    )
    assert refreshed.status_code == 200, refreshed.content
    families = set(get_refresh_token_model().objects.values_list("token_family", flat=True))
    assert families == {DeviceAuthorization.objects.get().token_family}


def test_slow_down_adds_5_seconds_3_5(tv):
    started = start(tv).json()
    assert error_of(poll(tv, started["device_code"])) == "authorization_pending"
    assert error_of(poll(tv, started["device_code"])) == "slow_down"
    assert DeviceAuthorization.objects.get().interval == 10
    assert error_of(poll(tv, started["device_code"])) == "slow_down"
    assert DeviceAuthorization.objects.get().interval == 15
    DeviceAuthorization.objects.update(last_polled=timezone.now() - timedelta(seconds=16))
    assert error_of(poll(tv, started["device_code"])) == "authorization_pending"


def test_denied_is_access_denied_3_5(tv, owner):
    started = start(tv).json()
    page = enter_code(browser_for(owner), started["user_code"])
    done = decide(browser_for(owner), page, allow=False)
    assert b"oauth-device-denied" in done.content
    assert error_of(poll(tv, started["device_code"])) == "access_denied"
    assert not get_access_token_model().objects.exists()


def test_unticking_every_scope_denies(tv, owner):
    started = start(tv).json()
    page = enter_code(browser_for(owner), started["user_code"])
    decide(browser_for(owner), page, approved=[])
    assert error_of(poll(tv, started["device_code"])) == "access_denied"


def test_expired_is_expired_token_3_5(tv, owner):
    started = start(tv).json()
    DeviceAuthorization.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert error_of(poll(tv, started["device_code"])) == "expired_token"
    # An expired user code is no longer accepted on the page either.
    assert enter_code(browser_for(owner), started["user_code"]).status_code == 400


def test_unknown_device_code_is_invalid_grant(tv):
    assert error_of(poll(tv, "no-such-device-code")) == "invalid_grant"
    assert error_of(poll(tv, "")) == "invalid_request"


# -- scopes are fixed at consent (django-oauth-toolkit resolved them at redemption) ------


def test_the_token_carries_the_scopes_the_owner_left_ticked(tv, owner):
    started = start(tv).json()
    page = enter_code(browser_for(owner), started["user_code"])
    decide(browser_for(owner), page, approved=["read"])
    DeviceAuthorization.objects.update(last_polled=None)
    # The device asks for more at redemption: it gets what the owner approved, no more.
    tokens = poll(tv, started["device_code"], scope="read write").json()
    assert tokens["scope"] == "read"
    assert get_access_token_model().objects.get().scope == "read"


def test_a_tampered_consent_form_cannot_widen_the_scopes(tv, owner):
    started = start(tv, scope="read").json()
    browser = browser_for(owner)
    page = enter_code(browser, started["user_code"])
    # A scope added to the hidden field: refused, nothing decided.
    assert decide(browser, page, scope="read write", approved=["read", "write"]).status_code == 400
    assert DeviceAuthorization.objects.get().status == DeviceAuthorization.PENDING
    # A ticked scope the device never asked for is ignored.
    decide(browser, enter_code(browser, started["user_code"]), approved=["read", "write"])
    assert DeviceAuthorization.objects.get().scope == "read"


def test_owner_policy_refusal_denies(tv, owner, settings):
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "RESOURCE_OWNER_SCOPES": "tests.scope_policies.staff_grant_everything",
    }
    started = start(tv).json()
    page = enter_code(browser_for(owner), started["user_code"])
    done = decide(browser_for(owner), page)
    assert b"may not grant" in done.content
    assert error_of(poll(tv, started["device_code"])) == "access_denied"


# -- the verification page ----------------------------------------------------------------


def test_the_page_needs_a_logged_in_owner(tv):
    response = Client().get(reverse("oauth_provider:device") + "?user_code=BCDF-GHJK")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_verification_uri_complete_only_fills_in_the_code_5_4(tv, owner):
    started = start(tv).json()
    page = browser_for(owner).get(started["verification_uri_complete"])
    assert page.status_code == 200
    assert started["user_code"].encode() in page.content
    # Nothing is decided until the owner confirms.
    assert DeviceAuthorization.objects.get().status == DeviceAuthorization.PENDING
    assert page["Cache-Control"].startswith("max-age=0")


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "{spaced}"])
def test_the_user_code_is_read_without_case_or_separators(tv, owner, typed):
    code = start(tv).json()["user_code"]
    typed = typed.format(code=code, lower=code.lower(), spaced=" " + code.replace("-", " ") + " ")
    assert enter_code(browser_for(owner), typed).status_code == 200


def test_the_consent_post_needs_the_csrf_token(tv, owner):
    code = start(tv).json()["user_code"]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    assert browser.post(reverse("oauth_provider:device"), {"user_code": code}).status_code == 403


# -- §5: the security considerations -------------------------------------------------------


def test_a_user_code_is_used_once_and_binds_the_owner_who_approved(tv, owner):
    """The device gets the first owner's tokens; a second owner entering the same code
    (django-oauth-toolkit's device flow let them) gets no page and changes nothing."""
    started = start(tv).json()
    approve(browser_for(owner), started["user_code"])
    intruder = UserFactory()
    page = enter_code(browser_for(intruder), started["user_code"])
    assert page.status_code == 400 and b"not valid" in page.content
    row = DeviceAuthorization.objects.get()
    assert row.user == owner and row.status == DeviceAuthorization.APPROVED
    assert poll(tv, started["device_code"]).status_code == 200
    assert get_access_token_model().objects.get().user == owner


def test_a_consent_form_left_open_by_another_owner_cannot_take_over(tv, owner):
    """Two owners open the consent page for one code; the first decision wins, the second
    is refused and does not change the owner the tokens are for."""
    started = start(tv).json()
    intruder = UserFactory()
    intruder_page = enter_code(browser_for(intruder), started["user_code"])
    owner_page = enter_code(browser_for(owner), started["user_code"])
    decide(browser_for(owner), owner_page)
    assert decide(browser_for(intruder), intruder_page).status_code == 400
    assert DeviceAuthorization.objects.get().user == owner


def test_a_device_code_is_bound_to_its_client(tv, owner):
    started = start(tv).json()
    approve(browser_for(owner), started["user_code"])
    other = PublicApplicationFactory(grant_types=DEVICE_CODE, redirect_uris="")
    assert error_of(poll(other, started["device_code"])) == "invalid_grant"
    assert not get_access_token_model().objects.exists()
    assert poll(tv, started["device_code"]).status_code == 200


def test_a_device_code_is_redeemed_once_even_when_read_twice(tv, owner):
    """Two token requests that both read the approved row: the conditional update lets one
    through (the second gets invalid_grant in the token endpoint)."""
    started = start(tv).json()
    approve(browser_for(owner), started["user_code"])
    row = DeviceAuthorization.objects.get()
    assert authorizations.redeem(row) is True
    assert authorizations.redeem(row) is False


def test_an_inactive_client_codes_are_not_accepted(tv, owner):
    started = start(tv).json()
    type(tv).objects.filter(pk=tv.pk).update(is_active=False)
    assert enter_code(browser_for(owner), started["user_code"]).status_code == 400


def user_code_brute_force(settings, *, owners_and_addresses):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "DEVICE_USER_CODE_ATTEMPTS": 3}
    responses = []
    for user, address in owners_and_addresses:
        responses.append(enter_code(browser_for(user, address), "BCDF-GHJK").status_code)
    return responses


def test_user_code_brute_force_locks_the_owner_out_5_1(tv, owner, settings):
    started = start(tv).json()
    attempts = [(owner, f"10.0.0.{n}") for n in range(3)]
    assert user_code_brute_force(settings, owners_and_addresses=attempts) == [400, 400, 400]
    # Locked out from any address, even with the right code.
    locked = enter_code(browser_for(owner, "10.0.0.99"), started["user_code"])
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    assert DeviceAuthorization.objects.get().status == DeviceAuthorization.PENDING
    # Another owner elsewhere is not.
    assert enter_code(browser_for(UserFactory(), "10.0.1.1"), started["user_code"]).status_code == 200


def test_user_code_brute_force_locks_the_address_out_5_1(tv, settings):
    started = start(tv).json()
    attempts = [(UserFactory(), "10.0.0.7") for _ in range(3)]
    assert user_code_brute_force(settings, owners_and_addresses=attempts) == [400, 400, 400]
    assert enter_code(browser_for(UserFactory(), "10.0.0.7"), started["user_code"]).status_code == 429


def test_user_code_brute_force_on_redis(tv, owner, settings, redis_cache):
    attempts = [(owner, "10.0.0.1")] * 3
    assert user_code_brute_force(settings, owners_and_addresses=attempts) == [400, 400, 400]
    assert enter_code(browser_for(owner, "10.0.0.2"), "BCDF-GHJK").status_code == 429


def test_device_authorization_is_rate_limited(tv, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "RATE_LIMITS": {"device_authorization": "2/minute"}}
    assert [start(tv).status_code for _ in range(3)] == [200, 200, 429]


# -- the codes -----------------------------------------------------------------------------


def test_user_codes_are_from_the_unambiguous_alphabet():
    drawn = {codes.generate_user_code() for _ in range(200)}
    assert len(drawn) == 200
    assert all(len(code) == 8 and set(code) <= set(codes.USER_CODE_ALPHABET) for code in drawn)
    assert not set("AEIOU0123456789") & set(codes.USER_CODE_ALPHABET)


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("BCDF-GHJK", "BCDFGHJK"),
        ("bcdf ghjk", "BCDFGHJK"),
        ("BCDFGHJ", None),
        ("BCDF-GHJA", None),
        ("BCDF-GHJK1", None),
        ("", None),
        ("\x00" * 8, None),
        ("B" * 10_000, None),
    ],
)
def test_normalize_user_code(typed, normalized):
    assert codes.normalize_user_code(typed) == normalized


# -- races -------------------------------------------------------------------------------------


def test_a_device_code_redeemed_meanwhile_is_invalid_grant(tv, owner, monkeypatch):
    """Another poll exchanged the code after this one read it approved: this one gets
    invalid_grant and stores nothing."""
    from oauth_provider.server.validator import OAuth2Validator

    started = start(tv).json()
    approve(browser_for(owner), started["user_code"])
    original = OAuth2Validator.validate_device_code

    def then_another_poll_redeems(self, *args, **kwargs):
        outcome = original(self, *args, **kwargs)
        DeviceAuthorization.objects.update(status=DeviceAuthorization.REDEEMED)
        return outcome

    monkeypatch.setattr(OAuth2Validator, "validate_device_code", then_another_poll_redeems)
    response = poll(tv, started["device_code"])
    assert response.status_code == 400 and error_of(response) == "invalid_grant"
    assert not get_access_token_model().objects.exists()
    assert not get_refresh_token_model().objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_polls_of_an_approved_code_issue_tokens_once(device_grant):
    """RFC 8628 §3.5 under concurrency: of N parallel token requests exactly one succeeds."""
    from .test_concurrency import race

    owner = UserFactory()
    for _ in range(5):
        tv = PublicApplicationFactory(grant_types=DEVICE_CODE, redirect_uris="")
        started = start(tv).json()
        approve(browser_for(owner), started["user_code"])
        data = {"grant_type": DEVICE_CODE, "device_code": started["device_code"], "client_id": tv.client_id}
        responses = race(6, lambda client, data=data: post(client, "token", data))
        assert sorted(r.status_code for r in responses) == [200] + [400] * 5
        assert {json.loads(r.content).get("error") for r in responses if r.status_code == 400} == {
            "invalid_grant"
        }
        assert get_access_token_model().objects.filter(application=tv).count() == 1


# -- a third-party client against a live server -------------------------------------------------


def test_authlib_completes_the_device_flow(live_server, settings, transactional_db):
    """Authlib's OAuth2Session (a client not written here) polls the token endpoint with the
    device grant while the owner approves in a browser session; then calls the API."""
    import requests
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.requests_client import OAuth2Session

    from .test_openid_connect_client import logged_in_browser

    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "GRANT_TYPES": [*settings.OAUTH_PROVIDER["GRANT_TYPES"], DEVICE_CODE],
        "DEVICE_CODE_INTERVAL_SECONDS": 1,
    }
    base = live_server.url
    owner = UserFactory()
    tv = PublicApplicationFactory(grant_types=f"{DEVICE_CODE} refresh_token", redirect_uris="")
    meta = requests.get(f"{base}/.well-known/oauth-authorization-server", timeout=10).json()
    started = requests.post(
        meta["device_authorization_endpoint"], data={"client_id": tv.client_id, "scope": "read"}, timeout=10
    ).json()
    session = OAuth2Session(tv.client_id, token_endpoint_auth_method="none")

    def fetch():
        return session.fetch_token(
            meta["token_endpoint"], grant_type=DEVICE_CODE, device_code=started["device_code"]
        )

    with pytest.raises(OAuthError) as pending:
        fetch()
    assert pending.value.error == "authorization_pending"
    browser = logged_in_browser(base, owner.username)
    page = f"{base}/oauth/device/"
    csrf = {"csrfmiddlewaretoken": browser.cookies["csrftoken"]}
    entered = browser.post(page, data={"user_code": started["user_code"], **csrf}, headers={"Referer": page})
    assert entered.status_code == 200
    decision = {
        "user_code": started["user_code"],
        "scope": "read",
        "step": "decide",
        "approved_scopes": "read",
    }
    approved = browser.post(page, data={**decision, "allow": "1", **csrf}, headers={"Referer": page})
    assert "oauth-device-approved" in approved.text
    DeviceAuthorization.objects.update(last_polled=None)
    token = fetch()
    assert token["scope"] == "read" and token["token_type"] == "Bearer"
    api = requests.get(
        f"{base}/api/scoped/", headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=10
    )
    assert api.status_code == 200, api.text


def test_revoking_the_consent_before_the_device_polls_denies_it(tv, owner):
    """The owner approved, then revoked the app on the connected apps page before the device
    exchanged its code: the device gets access_denied, as a pending code would be gone."""
    from oauth_provider.storage.revocation import revoke_consent

    started = start(tv).json()
    approve(browser_for(owner), started["user_code"])
    revoke_consent(owner, tv)
    assert error_of(poll(tv, started["device_code"])) == "access_denied"
    assert not get_access_token_model().objects.exists()


def test_django_oauth_toolkits_device_paths_are_served_too(tv, settings):
    """oauth_provider.dot_urls (docs/switching.rst): a device configured with the old paths."""
    settings.ROOT_URLCONF = "tests.dot_compat_urls"
    assert reverse("oauth2_provider:device-authorization") == "/o/device-authorization/"
    response = Client().post(
        "/o/device-authorization/",
        urlencode({"client_id": tv.client_id, "scope": "read"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200, response.content
    assert USER_CODE.match(response.json()["user_code"])
    owner = UserFactory()
    browser = Client()
    browser.force_login(owner)
    page = browser.get(reverse("oauth2_provider:device"))
    assert page.status_code == 200 and b"user_code" in page.content
