"""Token revocation (RFC 7009): immediate, client-bound, and whole-family."""

import pytest
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from .conftest import CLIENT_SECRET, basic_auth
from .factories import ApplicationFactory


def revoke(flow, client, token, **extra):
    return flow.post(
        "revoke", {"token": token, **extra}, HTTP_AUTHORIZATION=basic_auth(client.client_id, CLIENT_SECRET)
    )


def test_revoking_an_access_token_revokes_its_refresh_token_2_1(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    response = revoke(flow, confidential_client, tokens["access_token"], token_type_hint="access_token")
    assert response.status_code == 200
    assert not get_access_token_model().objects.exists()
    assert get_refresh_token_model().objects.get().revoked is not None


def test_revoking_a_refresh_token_revokes_the_access_token_2_1(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    assert (
        revoke(
            flow, confidential_client, tokens["refresh_token"], token_type_hint="refresh_token"
        ).status_code
        == 200
    )
    assert not get_access_token_model().objects.exists()


def test_wrong_hint_still_finds_the_token_2_1(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    assert (
        revoke(flow, confidential_client, tokens["refresh_token"], token_type_hint="access_token").status_code
        == 200
    )
    assert not get_access_token_model().objects.exists()


def test_another_clients_token_is_not_touched_2_1(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    other = ApplicationFactory()
    response = revoke(flow, other, tokens["access_token"])
    # RFC 7009 §2.2: 200 whether or not the token was found.
    assert response.status_code == 200
    assert get_access_token_model().objects.count() == 1
    assert get_refresh_token_model().objects.get().revoked is None


def test_unknown_token_is_200_2_2(flow, confidential_client):
    assert revoke(flow, confidential_client, "no-such-token").status_code == 200


def test_revocation_needs_client_authentication_2_1(flow, confidential_client):
    tokens = flow.tokens_for(confidential_client)
    response = flow.post("revoke", {"token": tokens["access_token"]})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response["WWW-Authenticate"].startswith("Basic")
    assert get_access_token_model().objects.count() == 1


def test_unknown_hint_is_ignored_2_1(flow, confidential_client):
    """RFC 7009 §2.1: the server MAY ignore the hint and must search all token types."""
    tokens = flow.tokens_for(confidential_client)
    response = revoke(flow, confidential_client, tokens["access_token"], token_type_hint="id_token")
    assert response.status_code == 200
    assert not get_access_token_model().objects.exists()


def test_public_client_revokes_with_its_client_id(flow, public_client):
    tokens = flow.tokens_for(public_client)
    response = flow.post("revoke", {"token": tokens["refresh_token"], "client_id": public_client.client_id})
    assert response.status_code == 200
    assert not get_access_token_model().objects.exists()


# -- one module revokes, and it alone sends the revocation signals ------------------------------

REVOCATION_SIGNALS = ("token_revoked", "refresh_token_reused", "authorization_code_reused", "consent_revoked")


def _through_the_endpoint(flow, client, owner):
    tokens = flow.tokens_for(client)
    assert revoke(flow, client, tokens["access_token"]).status_code == 200


def _by_refresh_token_reuse(flow, client, owner):
    from .test_audit import refresh

    first = flow.tokens_for(client)
    assert refresh(flow, client, first["refresh_token"]).status_code == 200
    assert refresh(flow, client, first["refresh_token"]).status_code == 400


def _by_code_reuse(flow, client, owner):
    from .conftest import pkce_pair

    verifier, challenge = pkce_pair()
    code = flow.get_code(client, challenge=challenge)["code"]
    assert flow.exchange(client, code, verifier=verifier).status_code == 200
    assert flow.exchange(client, code, verifier=verifier).status_code == 400


def _with_the_connected_apps_page(flow, client, owner):
    flow.tokens_for(client)
    page = flow.browser.post(f"/oauth/connected-apps/{client.pk}/revoke/")
    assert page.status_code == 302


def _in_the_admin(flow, client, owner):
    from django.urls import reverse

    from .test_audit import staff

    flow.tokens_for(client)
    AccessToken = get_access_token_model()
    token = AccessToken.objects.get(application=client)
    # The site's own access token model has its own admin page (docs/extending.rst).
    meta = AccessToken._meta
    changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    answer = staff().post(
        changelist, {"action": "revoke_families", "_selected_action": [str(token.pk)], "index": "0"}
    )
    assert answer.status_code == 302


def _with_the_command(flow, client, owner):
    from .test_audit import command

    flow.tokens_for(client)
    command("oauth_provider_revoke_tokens", "--client-id", client.client_id, "--consents")


@pytest.mark.parametrize(
    ("revoke_somehow", "expected"),
    [
        (_through_the_endpoint, {"token_revoked"}),
        (_by_refresh_token_reuse, {"refresh_token_reused"}),
        (_by_code_reuse, {"authorization_code_reused"}),
        (_with_the_connected_apps_page, {"consent_revoked"}),
        (_in_the_admin, {"token_revoked"}),
        (_with_the_command, {"token_revoked", "consent_revoked"}),
    ],
)
def test_every_revocation_signal_comes_from_the_revocation_module(
    revoke_somehow, expected, flow, confidential_client, owner
):
    from oauth_provider.core import signals
    from oauth_provider.storage.revocation import Revocation

    heard: list[tuple[str, object]] = []
    receivers = {}
    for name in REVOCATION_SIGNALS:

        def receiver(sender, _name=name, **kwargs):
            heard.append((_name, sender))

        receivers[name] = receiver
        getattr(signals, name).connect(receiver)
    try:
        revoke_somehow(flow, confidential_client, owner)
    finally:
        for name, receiver in receivers.items():
            getattr(signals, name).disconnect(receiver)
    assert {name for name, _ in heard} == expected
    assert all(sender is Revocation for _, sender in heard), heard
