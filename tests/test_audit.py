"""Audit trail: every audited signal is one structured record on ``oauth_provider.audit``
and, with ``AUDIT_LOG_MODEL``, one AuditEvent row; neither holds a secret, token or code
(SECURITY.md item 8, "Also expected: audit events")."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.test import override_settings
from oauth2_provider.models import get_application_model, get_grant_model

from oauth_provider.audit import AUDITED_SIGNALS
from oauth_provider.consent import revoke_consent
from oauth_provider.hashing import hash_client_secret, hash_token
from oauth_provider.models import AuditEvent

from .conftest import CLIENT_SECRET, basic_auth, pkce_pair
from .factories import ApplicationFactory

Application = get_application_model()
Grant = get_grant_model()

#: The arguments each event carries: ids and plain facts, nothing else.
EVENT_KEYS = {
    "client_created": {"application_id", "client_id"},
    "client_secret_rotated": {"application_id", "grace_seconds"},
    "client_disabled": {"application_id"},
    "consent_given": {"application_id", "user_id", "scope"},
    "consent_revoked": {"application_id", "user_id"},
    "token_issued": {"application_id", "user_id", "grant_type", "scope", "token_family"},
    "token_revoked": {"application_id", "token_family", "tokens_revoked"},
    "refresh_token_reused": {"application_id", "token_family", "tokens_revoked"},
    "authorization_code_reused": {"application_id", "grant_id", "tokens_revoked"},
    "rate_limit_hit": {"endpoint", "subject_kind"},
}


@dataclass
class Audit:
    """Collects what the audit trail wrote from ``start()`` on."""

    caplog: Any
    mark: int = 0
    hidden: set[str] = field(default_factory=set)

    def start(self) -> None:
        self.caplog.clear()
        self.mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def records(self) -> list[logging.LogRecord]:
        return [r for r in self.caplog.records if r.name == "oauth_provider.audit"]

    def rows(self) -> list[AuditEvent]:
        return list(AuditEvent.objects.filter(pk__gt=self.mark).order_by("pk"))

    def hide(self, *values: str) -> None:
        """Values that must appear nowhere in the trail, with their stored hashes."""
        for value in values:
            self.hidden.update({value, hash_token(value), hash_client_secret(value)})


@pytest.fixture
def audit(settings, caplog, db):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "AUDIT_LOG_MODEL": True}
    caplog.set_level(logging.INFO, logger="oauth_provider.audit")
    recorder = Audit(caplog)
    recorder.hide(CLIENT_SECRET)
    return recorder


def command(*args: str) -> dict:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def refresh(flow, client, refresh_token: str):
    return flow.token(
        {"grant_type": "refresh_token", "refresh_token": refresh_token},
        HTTP_AUTHORIZATION=basic_auth(client.client_id, CLIENT_SECRET),
    )


def issue(flow, audit, client, **kwargs) -> dict:
    tokens = flow.tokens_for(client, **kwargs)
    audit.hide(tokens["access_token"], tokens["refresh_token"])
    return tokens


# Each scenario sets the scene, calls audit.start(), does the one thing that must be
# audited, and returns the application id the event must name (None if it names none).
Scenario = Callable[[Any, Audit, Any, Any], Any]


def client_created(flow, audit, client, owner):
    audit.start()
    output = command("oauth_provider_create_client", "--name", "New", "--grant-type", "client_credentials")
    audit.hide(output["client_secret"])
    return Application.objects.get(client_id=output["client_id"]).pk


def client_secret_rotated(flow, audit, client, owner):
    audit.start()
    output = command("oauth_provider_rotate_secret", "--client-id", client.client_id)
    audit.hide(output["client_secret"])
    return client.pk


def client_disabled(flow, audit, client, owner):
    audit.start()
    command("oauth_provider_disable_client", "--client-id", client.client_id)
    return client.pk


def consent_given(flow, audit, client, owner):
    verifier, challenge = pkce_pair()
    audit.hide(verifier, challenge)
    audit.start()
    audit.hide(flow.get_code(client, challenge=challenge)["code"])
    return client.pk


def consent_revoked(flow, audit, client, owner):
    issue(flow, audit, client)
    audit.start()
    revoke_consent(owner, client)
    return client.pk


def token_issued(flow, audit, client, owner):
    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    audit.start()
    response = flow.token(
        {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic_auth(service.client_id, CLIENT_SECRET)
    )
    audit.hide(response.json()["access_token"])
    return service.pk


def token_revoked(flow, audit, client, owner):
    tokens = issue(flow, audit, client)
    audit.start()
    response = flow.post(
        "revoke",
        {"token": tokens["access_token"]},
        HTTP_AUTHORIZATION=basic_auth(client.client_id, CLIENT_SECRET),
    )
    assert response.status_code == 200
    return client.pk


def refresh_token_reused(flow, audit, client, owner):
    first = issue(flow, audit, client)
    second = refresh(flow, client, first["refresh_token"]).json()
    audit.hide(second["access_token"], second["refresh_token"])
    audit.start()
    assert refresh(flow, client, first["refresh_token"]).status_code == 400
    return client.pk


def authorization_code_reused(flow, audit, client, owner):
    verifier, challenge = pkce_pair()
    code = flow.get_code(client, challenge=challenge)["code"]
    tokens = flow.exchange(client, code, verifier=verifier).json()
    audit.hide(code, verifier, challenge, tokens["access_token"], tokens["refresh_token"])
    audit.start()
    assert flow.exchange(client, code, verifier=verifier).status_code == 400
    return client.pk


def rate_limit_hit(flow, audit, client, owner):
    auth = basic_auth(client.client_id, CLIENT_SECRET)
    with override_settings(OAUTH_PROVIDER={**settings.OAUTH_PROVIDER, "RATE_LIMITS": {"revoke": "1/minute"}}):
        assert flow.post("revoke", {"token": "unknown"}, HTTP_AUTHORIZATION=auth).status_code == 200
        audit.start()
        assert flow.post("revoke", {"token": "unknown"}, HTTP_AUTHORIZATION=auth).status_code == 429
    return None


SCENARIOS: dict[str, Scenario] = {
    scenario.__name__: scenario
    for scenario in (
        client_created,
        client_secret_rotated,
        client_disabled,
        consent_given,
        consent_revoked,
        token_issued,
        token_revoked,
        refresh_token_reused,
        authorization_code_reused,
        rate_limit_hit,
    )
}


def test_every_audited_signal_has_a_scenario():
    assert set(SCENARIOS) == set(AUDITED_SIGNALS) == set(EVENT_KEYS)


def serialized_record(record: logging.LogRecord) -> str:
    return record.getMessage() + json.dumps(record.__dict__, default=str)


def serialized_row(row: AuditEvent) -> str:
    return json.dumps(model_to_dict(row), default=str) + str(row)


@pytest.mark.parametrize("event", list(SCENARIOS))
def test_each_event_is_audited_exactly_once(event, audit, flow, confidential_client, owner):
    application_id = SCENARIOS[event](flow, audit, confidential_client, owner)

    records, rows = audit.records(), audit.rows()
    assert [record.audit_event for record in records] == [event]
    assert [row.event for row in rows] == [event]
    record, row = records[0], rows[0]
    assert record.levelno == logging.INFO
    assert record.getMessage() == event
    assert set(record.audit_data) == EVENT_KEYS[event]
    assert row.data == record.audit_data
    assert row.application_id == application_id
    assert record.audit_data.get("application_id") == application_id


@pytest.mark.parametrize("event", list(SCENARIOS))
def test_no_secret_token_or_code_reaches_the_trail(event, audit, flow, confidential_client, owner):
    SCENARIOS[event](flow, audit, confidential_client, owner)

    trail = [serialized_record(r) for r in audit.records()] + [serialized_row(r) for r in audit.rows()]
    assert trail
    assert len(audit.hidden) >= 3
    for text in trail:
        for value in audit.hidden:
            assert value not in text


def test_an_owners_event_is_stored_with_the_owner(audit, flow, confidential_client, owner):
    consent_given(flow, audit, confidential_client, owner)
    row = audit.rows()[0]
    assert row.user_id == str(owner.pk)
    assert row.data == {"user_id": owner.pk, "application_id": confidential_client.pk, "scope": "read"}


def test_a_client_credentials_token_has_no_owner(audit, flow, confidential_client, owner):
    token_issued(flow, audit, confidential_client, owner)
    row = audit.rows()[0]
    assert row.user_id == ""
    assert row.data["user_id"] is None
    assert row.data["grant_type"] == "client_credentials"


def test_token_families_are_stored_as_strings(audit, flow, confidential_client, owner):
    token_revoked(flow, audit, confidential_client, owner)
    row = audit.rows()[0]
    family = str(Grant.objects.get(application=confidential_client).token_family)
    assert row.data["token_family"] == family
    assert row.data["tokens_revoked"] == 2


def test_without_audit_log_model_events_are_logged_but_not_stored(caplog, flow, confidential_client, owner):
    caplog.set_level(logging.INFO, logger="oauth_provider.audit")
    recorder = Audit(caplog)
    consent_revoked(flow, recorder, confidential_client, owner)
    assert [r.audit_event for r in recorder.records()] == ["consent_revoked"]
    assert not AuditEvent.objects.exists()


# --- the admin's actions ------------------------------------------------------------------------


def admin_action(admin_client, model: str, action: str, pk: int):
    return admin_client.post(
        f"/admin/oauth_provider/{model}/", {"action": action, "_selected_action": [str(pk)], "index": "0"}
    )


@pytest.mark.parametrize(
    ("model", "action", "event"),
    [
        ("application", "rotate_secret", "client_secret_rotated"),
        ("application", "revoke_tokens", "token_revoked"),
        ("application", "disable", "client_disabled"),
        ("consent", "revoke", "consent_revoked"),
    ],
)
def test_admin_actions_are_audited_once(model, action, event, audit, admin_client, flow, confidential_client):
    issue(flow, audit, confidential_client)
    row = confidential_client if model == "application" else confidential_client.consents.get()
    audit.start()
    response = admin_action(admin_client, model, action, row.pk)
    assert response.status_code in (200, 302)
    if action == "rotate_secret":
        audit.hide(response.context["secrets"][0][1])
    assert [r.audit_event for r in audit.records()] == [event]
    assert [r.application_id for r in audit.rows()] == [confidential_client.pk]
    for text in [serialized_record(r) for r in audit.records()] + [serialized_row(r) for r in audit.rows()]:
        for value in audit.hidden:
            assert value not in text


@pytest.mark.xfail(strict=True, reason="the admin's add view saves the client without sending client_created")
def test_a_client_added_in_the_admin_is_audited(audit, admin_client):
    from .test_admin import ADD_URL, application_form

    audit.start()
    response = admin_client.post(ADD_URL, application_form())
    assert response.status_code == 200
    assert [r.audit_event for r in audit.records()] == ["client_created"]


@pytest.mark.xfail(strict=True, reason="the admin's revoke_families action sends no token_revoked")
def test_tokens_revoked_in_the_admin_are_audited(audit, admin_client, flow, confidential_client):
    issue(flow, audit, confidential_client)
    token = confidential_client.accesstoken_set.get()
    audit.start()
    assert admin_action(admin_client, "accesstoken", "revoke_families", token.pk).status_code == 302
    assert [r.audit_event for r in audit.records()] == ["token_revoked"]
