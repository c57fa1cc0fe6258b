"""Signing keys in the admin: generated there, never typed in; the private key never shown."""

from __future__ import annotations

import pytest

from oauth_provider.core import key_encryption
from oauth_provider.storage import signing_keys
from oauth_provider.storage.models import SigningKey

pytestmark = pytest.mark.django_db

BASE = "/admin/oauth_provider/signingkey/"


def test_an_operator_generates_a_key_and_sees_only_its_public_half(admin_client):
    response = admin_client.post(
        f"{BASE}add/", {"new_algorithm": "ES256", "signs_at_once": "on"}, follow=True
    )
    assert response.status_code == 200
    key = SigningKey.objects.get()
    assert key.algorithm == "ES256" and signing_keys.signing_key("ES256").kid == key.kid
    data = f"oauth_provider.signing_key:{key.kid}:ES256".encode()
    private_d = key_encryption.decrypt(key.private_key, data).decode().split('"d":"')[1].split('"')[0]
    for page in (admin_client.get(BASE), admin_client.get(f"{BASE}{key.pk}/change/")):
        assert page.status_code == 200
        assert key.kid.encode() in page.content
        assert private_d.encode() not in page.content
        assert key.private_key.encode() not in page.content


def test_a_new_key_waits_for_the_lead_time_unless_asked(admin_client):
    admin_client.post(f"{BASE}add/", {"new_algorithm": "RS256"})
    key = SigningKey.objects.get()
    assert key.status() == "published"


def test_keys_are_retired_not_deleted(admin_client):
    key = signing_keys.create_key("RS256", activate_at=None)
    response = admin_client.post(BASE, {"action": "retire_compromised", "_selected_action": [key.pk]})
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.compromised and key.status() == "unpublished"
    admin_client.post(BASE, {"action": "delete_selected", "_selected_action": [key.pk]})
    assert SigningKey.objects.filter(pk=key.pk).exists()


def test_the_client_form_shows_the_openid_fields_only_while_openid_connect_is_on(admin_client, settings):
    page = admin_client.get("/admin/oauth_provider/application/add/")
    assert b"post_logout_redirect_uris" not in page.content
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "OIDC_ENABLED": True}
    page = admin_client.get("/admin/oauth_provider/application/add/")
    for field in (b"first_party", b"post_logout_redirect_uris", b"subject_type"):
        assert field in page.content
    assert b'value="HS256"' not in page.content
