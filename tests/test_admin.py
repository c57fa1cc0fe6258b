"""Django admin: a client secret is shown once; token and code values and hashes never are."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)

from oauth_provider.core.hashing import hash_client_secret, hash_token, verify_client_secret
from oauth_provider.models import Consent
from oauth_provider.ops.admin import ApplicationForm
from oauth_provider.storage.revocation import revoke_consent

from .conftest import CLIENT_SECRET, basic_auth
from .factories import ApplicationFactory, UserFactory

Application = get_application_model()
AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
Grant = get_grant_model()

ADD_URL = "/admin/oauth_provider/application/add/"
CHANGELIST_URL = "/admin/oauth_provider/application/"


def application_form(**overrides) -> dict:
    """A POST body for the add/change form, one entry per field in ApplicationForm.Meta.fields."""
    data = {
        "name": "Bookings web app",
        "client_id": "bookings-web",
        "client_type": "confidential",
        "grant_types": ["authorization_code", "refresh_token"],
        "redirect_uris": "https://bookings.example/callback",
        "allowed_scopes": "read",
        "allowed_resources": "",
        "description": "",
        "homepage_url": "",
        "logo_url": "",
        "user": "",
        "skip_authorization": "",
        "is_active": "on",
        "can_introspect_any_token": "",
        "allowed_origins": "",
        "access_token_format": "opaque",
        "access_token_audience": "",
        "require_pushed_authorization_requests": "",
        "dpop_bound_access_tokens": "",
        "token_exchange_audiences": "",
        "access_token_lifetime": "",
        "refresh_token_lifetime": "",
        "refresh_token_absolute_lifetime": "",
        "authorization_code_lifetime": "",
    }
    data.update(overrides)
    assert set(data) == set(ApplicationForm.Meta.fields)
    return {key: value for key, value in data.items() if value != ""}


def cache_directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


# --- applications ---------------------------------------------------------------------------


@pytest.fixture
def created(admin_client):
    """Adds a confidential client through the admin; returns (response, secret, application).

    The POST redirects to the page that shows the secret (POST, redirect, GET)."""
    response = admin_client.post(ADD_URL, application_form(), follow=True)
    assert response.status_code == 200, response.content
    assert len(response.redirect_chain) == 1
    application = Application.objects.get(client_id="bookings-web")
    return response, response.context["secrets"][0][1], application


@pytest.mark.django_db
def test_adding_a_confidential_client_shows_its_secret_once(created):
    response, secret, application = created
    assert response.templates[0].name == "oauth_provider/admin/client_secret.html"
    assert len(secret) >= 32
    assert response.content.decode().count(secret) == 1
    assert application.client_id in response.content.decode()


@pytest.mark.django_db
def test_the_secret_page_has_one_heading(created):
    """The admin's base template shows the title; the page adds no second heading."""
    response, _, _ = created
    content = response.content.decode()
    # Django 4.2's header is an <h1> of its own (the site name); count the title's.
    assert content.count("Client created</h1>") == 1


@pytest.mark.django_db
def test_a_long_secret_wraps_instead_of_overflowing(created):
    response, secret, _ = created
    content = response.content.decode()
    assert f'<code class="client-secret">{secret}</code>' in content
    assert ".client-secret { word-break: break-all; }" in content


@pytest.mark.django_db
def test_the_secret_page_is_not_cached(created):
    response, _, _ = created
    assert "no-store" in cache_directives(response)


@pytest.mark.django_db
def test_only_a_hash_of_the_secret_is_stored(created):
    _, secret, application = created
    assert application.client_secret == hash_client_secret(secret)
    assert secret not in application.client_secret
    assert verify_client_secret(secret, application.client_secret) is True


@pytest.mark.django_db
def test_the_client_is_stored_as_entered(created):
    _, _, application = created
    assert application.name == "Bookings web app"
    assert application.client_type == "confidential"
    assert application.grant_type_list == ["authorization_code", "refresh_token"]
    assert application.redirect_uri_list == ["https://bookings.example/callback"]
    assert application.allowed_scope_list == ["read"]
    assert application.is_active is True


@pytest.mark.django_db
def test_the_secret_never_appears_again(admin_client, created):
    _, secret, application = created
    pages = [
        admin_client.get(f"/admin/oauth_provider/application/{application.pk}/change/"),
        admin_client.get(CHANGELIST_URL),
        admin_client.get(CHANGELIST_URL, {"q": "bookings"}),
        admin_client.get(f"/admin/oauth_provider/application/{application.pk}/history/"),
    ]
    for page in pages:
        assert page.status_code == 200
        content = page.content.decode()
        assert "Bookings web app" in content
        assert secret not in content
        assert application.client_secret not in content
        assert application.client_secret.removeprefix("hmac-sha256$") not in content


@pytest.mark.django_db
def test_the_secret_cannot_be_searched_for(admin_client, created):
    _, secret, application = created
    assert admin_client.get(CHANGELIST_URL, {"q": "bookings-web"}).context["cl"].result_count == 1
    assert admin_client.get(CHANGELIST_URL, {"q": secret}).context["cl"].result_count == 0
    assert admin_client.get(CHANGELIST_URL, {"q": application.client_secret}).context["cl"].result_count == 0


@pytest.mark.django_db
def test_editing_a_client_keeps_its_secret(admin_client, created):
    _, secret, application = created
    response = admin_client.post(
        f"/admin/oauth_provider/application/{application.pk}/change/",
        application_form(name="Renamed", grant_types=["authorization_code"]),
    )
    assert response.status_code == 302
    assert response["Location"] == CHANGELIST_URL
    application.refresh_from_db()
    assert application.name == "Renamed"
    assert application.grant_types == "authorization_code"
    assert application.client_secret == hash_client_secret(secret)


@pytest.mark.django_db
def test_the_change_form_shows_the_stored_grant_types_checked(admin_client):
    application = ApplicationFactory(grant_types="authorization_code client_credentials")
    response = admin_client.get(f"/admin/oauth_provider/application/{application.pk}/change/")
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.initial["grant_types"] == ["authorization_code", "client_credentials"]


@pytest.mark.django_db
def test_adding_a_public_client_shows_no_secret(admin_client):
    response = admin_client.post(ADD_URL, application_form(client_id="spa", client_type="public"))
    assert response.status_code == 302
    assert response["Location"] == CHANGELIST_URL
    assert Application.objects.get(client_id="spa").client_secret == ""


@pytest.mark.django_db
def test_the_logo_url_can_be_set(admin_client, created):
    _, _, application = created
    response = admin_client.post(
        f"/admin/oauth_provider/application/{application.pk}/change/",
        application_form(logo_url="https://bookings.example/logo.png"),
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.logo_url == "https://bookings.example/logo.png"


@pytest.mark.django_db
def test_an_allowed_origin_with_a_path_is_refused(admin_client):
    response = admin_client.post(ADD_URL, application_form(allowed_origins="https://bookings.example/app"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["allowed_origins"] == [
        "'https://bookings.example/app' has a path, query or fragment; an origin is "
        "scheme://host[:port] only, here 'https://bookings.example'."
    ]
    assert not Application.objects.filter(client_id="bookings-web").exists()


@pytest.mark.django_db
def test_an_invalid_redirect_uri_is_refused(admin_client):
    response = admin_client.post(ADD_URL, application_form(redirect_uris="http://bookings.example/callback"))
    assert response.status_code == 200
    assert "redirect_uris" in response.context["adminform"].form.errors
    assert not Application.objects.filter(client_id="bookings-web").exists()


# --- actions on applications ----------------------------------------------------------------


def run_action(admin_client, model: str, action: str, pks, follow: bool = False) -> object:
    return admin_client.post(
        f"/admin/oauth_provider/{model}/",
        {"action": action, "_selected_action": [str(pk) for pk in pks], "index": "0"},
        follow=follow,
    )


def client_credentials(client_id: str, secret: str):
    return Client().post(
        "/oauth/token/",
        "grant_type=client_credentials",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic_auth(client_id, secret),
    )


@pytest.fixture
def service(db):
    return ApplicationFactory(name="Nightly reports", grant_types="client_credentials", redirect_uris="")


@pytest.fixture
def rotated(admin_client, service):
    """Rotates the service's secret with the admin action; returns (response, new secret)."""
    response = run_action(admin_client, "application", "rotate_secret", [service.pk], follow=True)
    assert response.status_code == 200
    (application, secret), *others = response.context["secrets"]
    assert others == [] and application == service
    return response, secret


def test_the_rotated_secret_is_shown_once_on_a_page_that_is_not_cached(admin_client, service, rotated):
    response, secret = rotated
    assert response.templates[0].name == "oauth_provider/admin/client_secret.html"
    assert "no-store" in cache_directives(response)
    content = response.content.decode()
    assert content.count(secret) == 1
    assert content.count("New client secrets</h1>") == 1
    service.refresh_from_db()
    assert service.client_secret == hash_client_secret(secret)
    for page in (
        admin_client.get(CHANGELIST_URL),
        admin_client.get(f"/admin/oauth_provider/application/{service.pk}/change/"),
    ):
        assert page.status_code == 200
        assert secret not in page.content.decode()
        assert service.client_secret not in page.content.decode()


def test_the_rotated_secret_works_and_the_old_one_during_the_grace_period(service, rotated, settings):
    _, secret = rotated
    assert client_credentials(service.client_id, secret).status_code == 200
    assert client_credentials(service.client_id, CLIENT_SECRET).status_code == 200
    service.refresh_from_db()
    grace = settings.OAUTH_PROVIDER.get("CLIENT_SECRET_ROTATION_GRACE_SECONDS", 24 * 3600)
    assert service.previous_client_secret_expires > timezone.now() + timedelta(seconds=grace - 60)


def test_the_old_secret_fails_after_the_grace_period(service, rotated):
    _, secret = rotated
    Application.objects.filter(pk=service.pk).update(
        previous_client_secret_expires=timezone.now() - timedelta(seconds=1)
    )
    refused = client_credentials(service.client_id, CLIENT_SECRET)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    assert client_credentials(service.client_id, secret).status_code == 200


def test_rotating_a_public_client_shows_no_secret(admin_client, public_client):
    response = run_action(admin_client, "application", "rotate_secret", [public_client.pk])
    assert response.status_code == 302
    assert [str(m) for m in response.wsgi_request._messages] == ["Public clients have no secret to rotate."]


def test_the_revoke_tokens_action_ends_every_token_of_the_client(admin_client, flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    bystander = ApplicationFactory()
    kept = flow.tokens_for(bystander)
    response = run_action(admin_client, "application", "revoke_tokens", [confidential_client.pk])
    assert response.status_code == 302
    assert [str(m) for m in response.wsgi_request._messages] == ["Revoked 2 tokens."]
    api = flow.api
    assert api.get("/api/scoped/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").status_code == 401
    refreshed = flow.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
    )
    assert refreshed.status_code == 400
    assert api.get("/api/scoped/", HTTP_AUTHORIZATION=f"Bearer {kept['access_token']}").status_code == 200


def test_the_disable_action_stops_the_client(admin_client, service):
    assert client_credentials(service.client_id, CLIENT_SECRET).status_code == 200
    response = run_action(admin_client, "application", "disable", [service.pk])
    assert response.status_code == 302
    assert [str(m) for m in response.wsgi_request._messages] == ["Clients disabled."]
    service.refresh_from_db()
    assert service.is_active is False
    assert client_credentials(service.client_id, CLIENT_SECRET).status_code == 401


# --- tokens and codes -----------------------------------------------------------------------


@pytest.fixture
def issued(flow, confidential_client):
    """Tokens from a full authorization code grant, and every value that must stay hidden."""
    tokens = flow.tokens_for(confidential_client)
    grant = Grant.objects.get(application=confidential_client)
    access = AccessToken.objects.get(application=confidential_client)
    refresh = RefreshToken.objects.get(application=confidential_client)
    hidden = {
        tokens["access_token"],
        tokens["refresh_token"],
        hash_token(tokens["access_token"]),
        hash_token(tokens["refresh_token"]),
        access.token_checksum,
        refresh.token_checksum,
        grant.code,
        grant.code_challenge,
    }
    assert all(hidden)
    return {"tokens": tokens, "access": access, "refresh": refresh, "grant": grant, "hidden": hidden}


def assert_hides(response, hidden):
    assert response.status_code == 200
    content = response.content.decode()
    for value in hidden:
        assert value not in content


MODEL_URLS = ["accesstoken", "refreshtoken", "grant"]


@pytest.mark.parametrize("model", MODEL_URLS)
def test_changelists_show_no_token_values_or_hashes(admin_client, issued, confidential_client, model):
    response = admin_client.get(f"/admin/oauth_provider/{model}/")
    assert_hides(response, issued["hidden"])
    assert response.context["cl"].result_count == 1
    assert confidential_client.name in response.content.decode()


@pytest.mark.parametrize("model", MODEL_URLS)
def test_search_finds_rows_by_client_not_by_token(admin_client, issued, confidential_client, owner, model):
    url = f"/admin/oauth_provider/{model}/"
    for term in (confidential_client.name, confidential_client.client_id, owner.username):
        response = admin_client.get(url, {"q": term})
        assert_hides(response, issued["hidden"])
        assert response.context["cl"].result_count == 1
    for term in issued["hidden"]:
        response = admin_client.get(url, {"q": term})
        assert response.status_code == 200
        assert response.context["cl"].result_count == 0


@pytest.mark.parametrize("model", MODEL_URLS)
def test_detail_pages_show_no_token_values_or_hashes(admin_client, issued, model):
    row = {"accesstoken": issued["access"], "refreshtoken": issued["refresh"], "grant": issued["grant"]}[
        model
    ]
    response = admin_client.get(f"/admin/oauth_provider/{model}/{row.pk}/change/")
    assert_hides(response, issued["hidden"])


@pytest.mark.parametrize("model", MODEL_URLS)
def test_tokens_and_codes_cannot_be_added_in_the_admin(admin_client, db, model):
    assert admin_client.get(f"/admin/oauth_provider/{model}/add/").status_code == 403


@pytest.mark.django_db
def test_revoking_an_access_token_revokes_its_family(admin_client, flow, issued, confidential_client):
    bystander = ApplicationFactory()
    flow.tokens_for(bystander)

    response = run_action(admin_client, "accesstoken", "revoke_families", [issued["access"].pk])

    assert response.status_code == 302
    assert not AccessToken.objects.filter(pk=issued["access"].pk).exists()
    issued["refresh"].refresh_from_db()
    assert issued["refresh"].revoked is not None
    # another client's family is untouched
    assert AccessToken.objects.filter(application=bystander).count() == 1
    assert RefreshToken.objects.get(application=bystander).revoked is None


@pytest.mark.django_db
def test_revoking_a_refresh_token_revokes_its_family(admin_client, issued):
    response = run_action(admin_client, "refreshtoken", "revoke_families", [issued["refresh"].pk])
    assert response.status_code == 302
    issued["refresh"].refresh_from_db()
    assert issued["refresh"].revoked is not None
    assert not AccessToken.objects.filter(pk=issued["access"].pk).exists()


@pytest.mark.django_db
def test_the_revoke_action_reports_what_it_did(admin_client, issued):
    response = run_action(admin_client, "accesstoken", "revoke_families", [issued["access"].pk])
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Revoked 2 tokens."]


# --- consents -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_revoking_a_consent_revokes_it_and_the_tokens_it_allowed(admin_client, flow, issued, owner):
    consent = Consent.objects.get(user=owner, application=issued["access"].application)
    bystander = ApplicationFactory()
    flow.tokens_for(bystander)

    response = run_action(admin_client, "consent", "revoke", [consent.pk])

    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.revoked is not None
    assert not AccessToken.objects.filter(application=consent.application).exists()
    assert RefreshToken.objects.get(application=consent.application).revoked is not None
    # the owner's consent to another client, and its tokens, are untouched
    assert Consent.objects.get(user=owner, application=bystander).revoked is None
    assert AccessToken.objects.filter(application=bystander).count() == 1
    assert RefreshToken.objects.get(application=bystander).revoked is None


@pytest.mark.django_db
def test_consent_pages_show_no_token_values(admin_client, issued, owner):
    consent = Consent.objects.get(user=owner)
    assert_hides(admin_client.get("/admin/oauth_provider/consent/"), issued["hidden"])
    assert_hides(admin_client.get(f"/admin/oauth_provider/consent/{consent.pk}/change/"), issued["hidden"])


# --- list filters: client, user, status and expiry ------------------------------------------


@pytest.mark.parametrize("model", MODEL_URLS)
def test_lists_filter_by_client_and_user(admin_client, flow, issued, confidential_client, owner, model):
    # A second client used by a second owner: Django shows a related filter (and applies
    # its parameter) only when there are at least two values to choose from.
    other_client, other_owner = ApplicationFactory(), UserFactory()
    flow.browser.force_login(other_owner)
    flow.tokens_for(other_client)
    url = f"/admin/oauth_provider/{model}/"
    for params, expected in [
        ({"application__id__exact": confidential_client.pk}, owner),
        ({"application__id__exact": other_client.pk}, other_owner),
        ({"user__id__exact": owner.pk}, owner),
        ({"user__id__exact": other_owner.pk}, other_owner),
    ]:
        response = admin_client.get(url, params)
        assert response.status_code == 200
        rows = list(response.context["cl"].result_list)
        assert [row.user for row in rows] == [expected], params


@pytest.mark.parametrize(("model", "row"), [("accesstoken", "access"), ("grant", "grant")])
def test_lists_filter_live_and_expired(admin_client, issued, model, row):
    url = f"/admin/oauth_provider/{model}/"
    counts = {
        status: admin_client.get(url, {"status": status}).context["cl"].result_count
        for status in ("live", "expired")
    }
    assert counts == {"live": 1, "expired": 0}
    type(issued[row]).objects.update(expires=timezone.now() - timedelta(seconds=1))
    counts = {
        status: admin_client.get(url, {"status": status}).context["cl"].result_count
        for status in ("live", "expired")
    }
    assert counts == {"live": 0, "expired": 1}


def test_refresh_tokens_and_consents_filter_active_and_revoked(
    admin_client, issued, confidential_client, owner
):
    urls = ["/admin/oauth_provider/refreshtoken/", "/admin/oauth_provider/consent/"]

    def counts(url):
        return {
            status: admin_client.get(url, {"status": status}).context["cl"].result_count
            for status in ("active", "revoked")
        }

    assert [counts(url) for url in urls] == [{"active": 1, "revoked": 0}] * 2
    revoke_consent(owner, confidential_client)
    assert [counts(url) for url in urls] == [{"active": 0, "revoked": 1}] * 2


# --- shown once: POST, redirect, GET ----------------------------------------------------------------


@pytest.mark.django_db
def test_reloading_the_secret_page_shows_no_secret_and_submits_nothing(admin_client):
    added = admin_client.post(ADD_URL, application_form())
    assert added.status_code == 302
    page = admin_client.get(added["Location"])
    secret = page.context["secrets"][0][1]
    assert page.content.decode().count(secret) == 1
    reloaded = admin_client.get(added["Location"])
    assert reloaded.status_code == 200
    assert secret not in reloaded.content.decode()
    assert reloaded.context["secrets"] == []
    assert 'id="secret-already-shown"' in reloaded.content.decode()
    assert "no-store" in cache_directives(reloaded)
    assert Application.objects.filter(client_id="bookings-web").count() == 1


@pytest.mark.django_db
def test_the_session_never_holds_a_secret_in_clear(admin_client):
    """What the session keeps is sealed with a pad that only the page's URL carries."""
    from django.contrib.sessions.models import Session

    added = admin_client.post(ADD_URL, application_form())
    stored = Session.objects.get().get_decoded()
    pad = added["Location"].partition("pad=")[2]
    secret = admin_client.get(added["Location"]).context["secrets"][0][1]
    assert secret not in str(stored)
    assert pad and pad not in str(stored)
    assert "oauth_provider_shown_once" in stored


def test_seal_and_unseal():
    from oauth_provider.ops.shown_once import seal, unseal

    sealed, pad = seal(b"a secret")
    assert sealed != b"a secret" and len(pad) == len(sealed)
    assert unseal(sealed, pad) == b"a secret"
    assert unseal(sealed, pad[:-1]) is None


@pytest.mark.django_db
def test_the_secret_page_needs_the_right_pad(admin_client):
    added = admin_client.post(ADD_URL, application_form())
    url, _, pad = added["Location"].partition("?pad=")
    wrong = "00" * (len(pad) // 2)
    garbled = admin_client.get(f"{url}?pad={wrong}")
    assert garbled.status_code == 200
    assert garbled.context["secrets"] == []
    # One look only, right pad or wrong.
    assert admin_client.get(f"{url}?pad={pad}").context["secrets"] == []


# --- OpenID Connect is off: no ID tokens in the admin ---------------------------------------


def test_id_tokens_are_hidden_while_openid_connect_is_off(admin_client):
    index = admin_client.get("/admin/")
    assert index.status_code == 200
    assert b"/admin/oauth_provider/idtoken/" not in index.content
    assert b"Id tokens" not in index.content
    assert admin_client.get("/admin/oauth_provider/idtoken/").status_code == 403


def test_id_tokens_show_once_openid_connect_is_on(admin_client, settings):
    """What a later OpenID Connect setting turns on, the admin follows."""
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ENABLED": True}
    assert b"/admin/oauth_provider/idtoken/" in admin_client.get("/admin/").content
    assert admin_client.get("/admin/oauth_provider/idtoken/").status_code == 200


# --- help for the fields that need it, and a list that fits the screen ----------------------


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("user", "it does not limit who may authorize the client"),
        ("skip_authorization", "Issue codes without showing the consent page"),
    ],
)
def test_the_application_form_explains_the_user_and_skip_authorization(admin_client, field, text):
    page = admin_client.get("/admin/oauth_provider/application/add/")
    assert text in str(ApplicationForm.base_fields[field].help_text)
    assert text in page.content.decode()


def test_the_applications_list_shows_each_grant_type_on_a_line_and_the_day_created(admin_client):
    ApplicationFactory(name="Sync", grant_types="authorization_code refresh_token")
    page = admin_client.get("/admin/oauth_provider/application/").content.decode()
    assert "authorization_code<br>refresh_token" in page
    assert "authorization_code refresh_token" not in page
