"""A code or refresh token spent by another request after this one read it.

On PostgreSQL the row is locked when read, so this cannot happen there; on SQLite the
token endpoint's transaction begins at its first write, and marking the code or the
refresh token used is a conditional UPDATE. Either way, the request that comes second
is the reuse: ``invalid_grant``, and the family ends (RFC 6749 §4.1.2, §10.4;
RFC 9700 §4.14.2). The tests make the other request's write happen in between.
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

from oauth_provider.core import signals
from oauth_provider.core.hashing import hash_token
from oauth_provider.server.validator import OAuth2Validator

from .conftest import CLIENT_SECRET, basic_auth, pkce_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def received(request):
    """``received(signal)``: the keyword arguments of each time ``signal`` was sent."""
    calls: list[dict] = []

    def receive(sender, **kwargs):
        calls.append(kwargs)

    def connect(signal):
        signal.connect(receive, dispatch_uid="test_single_use_races")
        request.addfinalizer(lambda: signal.disconnect(dispatch_uid="test_single_use_races"))
        return calls

    return connect


def then(monkeypatch, method: str, meanwhile) -> None:
    """Run ``meanwhile`` right after the validator's ``method`` accepted the request."""
    original = getattr(OAuth2Validator, method)

    def wrapped(self, *args, **kwargs):
        accepted = original(self, *args, **kwargs)
        if accepted:
            meanwhile()
        return accepted

    monkeypatch.setattr(OAuth2Validator, method, wrapped)


def test_a_refresh_token_rotated_meanwhile_is_reuse_6(flow, confidential_client, monkeypatch, received):
    tokens = flow.tokens_for(confidential_client, scope="read")
    reused = received(signals.refresh_token_reused)
    checksum = hash_token(tokens["refresh_token"])

    def another_request_rotates_it():
        now = timezone.now()
        get_refresh_token_model().objects.filter(token_checksum=checksum).update(revoked=now, updated=now)

    then(monkeypatch, "validate_refresh_token", another_request_rotates_it)
    response = flow.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert len(reused) == 1
    # The family ended: the access token issued with the refresh token is gone, nothing new exists.
    assert not get_access_token_model().objects.exists()
    assert not get_refresh_token_model().objects.filter(revoked__isnull=True).exists()


def test_a_code_exchanged_meanwhile_is_reuse_4_1_2(flow, confidential_client, monkeypatch, received):
    verifier, challenge = pkce_pair()
    code = flow.get_code(confidential_client, challenge=challenge)["code"]
    reused = received(signals.authorization_code_reused)

    def another_request_exchanges_it():
        get_grant_model().objects.filter(code=hash_token(code)).update(consumed=timezone.now())

    then(monkeypatch, "validate_code", another_request_exchanges_it)
    response = flow.exchange(confidential_client, code, verifier=verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert len(reused) == 1
    assert not get_access_token_model().objects.exists()
    assert not get_refresh_token_model().objects.exists()


def test_an_unraced_exchange_marks_the_code_used_once(flow, confidential_client, received):
    verifier, challenge = pkce_pair()
    code = flow.get_code(confidential_client, challenge=challenge)["code"]
    reused = received(signals.authorization_code_reused)
    assert flow.exchange(confidential_client, code, verifier=verifier).status_code == 200
    assert get_grant_model().objects.get(code=hash_token(code)).consumed is not None
    assert reused == []
    response = flow.exchange(confidential_client, code, verifier=verifier)
    assert response.status_code == 400
    assert len(reused) == 1
