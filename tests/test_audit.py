"""Audit trail: every audited signal is one structured record on ``oauth_provider.audit``
and, with ``AUDIT_LOG_MODEL``, one AuditEvent row; neither holds a secret, token or code
(docs/security.rst, policy item 8, "Also expected: audit events")."""

from __future__ import annotations

import io
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.test import Client, override_settings
from oauth2_provider.models import get_application_model, get_grant_model

from oauth_provider.core.hashing import hash_client_secret, hash_token
from oauth_provider.models import AuditEvent
from oauth_provider.ops.audit import AUDITED_SIGNALS
from oauth_provider.storage.revocation import revoke_consent

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
    "authorization_request_pushed": {"application_id", "expires_in"},
    "dpop_proof_replayed": {"where", "jkt"},
    "device_authorization_decided": {"application_id", "user_id", "approved", "scope"},
    "token_issued": {"application_id", "user_id", "grant_type", "client_type", "scope", "token_family"},
    "token_exchanged": {"application_id", "user_id", "subject_application_id", "audience", "scope", "actor"},
    "token_revoked": {"application_id", "user_id", "token_family", "tokens_revoked"},
    "refresh_token_reused": {"application_id", "token_family", "tokens_revoked"},
    "authorization_code_reused": {"application_id", "grant_id", "tokens_revoked"},
    "rate_limit_hit": {"endpoint", "subject_kind", "first_in_window"},
    "guessing_suspected": {"subject_kind", "client_id", "failures"},
    "signing_key_created": {"kid", "algorithm", "publish_at", "activate_at"},
    "signing_key_retired": {"kid", "algorithm", "retire_at", "unpublish_at", "compromised"},
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


def device_authorization_decided(flow, audit, client, owner):
    device = "urn:ietf:params:oauth:grant-type:device_code"
    grants = [*settings.OAUTH_PROVIDER["GRANT_TYPES"], device]
    tv = ApplicationFactory(grant_types=device, redirect_uris="")
    with override_settings(OAUTH_PROVIDER={**settings.OAUTH_PROVIDER, "GRANT_TYPES": grants}):
        started = flow.post(
            "device_authorization",
            {"scope": "read"},
            HTTP_AUTHORIZATION=basic_auth(tv.client_id, CLIENT_SECRET),
        ).json()
        audit.hide(started["device_code"], started["user_code"], started["user_code"].replace("-", ""))
        audit.start()
        page = flow.browser.post("/oauth/device/", {"user_code": started["user_code"]})
        assert page.status_code == 200
        data = {"user_code": started["user_code"], "scope": "read", "step": "decide"}
        assert b"oauth-device-denied" in flow.browser.post("/oauth/device/", data).content
    return tv.pk


def authorization_request_pushed(flow, audit, client, owner):
    verifier, challenge = pkce_pair()
    audit.hide(verifier, challenge)
    params = {
        "response_type": "code",
        "redirect_uri": client.redirect_uri_list[0],
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    with override_settings(OAUTH_PROVIDER={**settings.OAUTH_PROVIDER, "PUSHED_AUTHORIZATION_REQUESTS": True}):
        audit.start()
        response = flow.post(
            "pushed_authorization_request",
            params,
            HTTP_AUTHORIZATION=basic_auth(client.client_id, CLIENT_SECRET),
        )
    assert response.status_code == 201, response.content
    audit.hide(response.json()["request_uri"])
    return client.pk


def dpop_proof_replayed(flow, audit, client, owner):
    from joserfc import jwk, jwt

    key = jwk.ECKey.generate_key("P-256")
    claims = {
        "jti": uuid.uuid4().hex,
        "htm": "POST",
        "htu": "http://testserver/oauth/token/",
        "iat": int(time.time()),
    }
    proof = jwt.encode({"alg": "ES256", "typ": "dpop+jwt", "jwk": key.as_dict(private=False)}, claims, key)
    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    auth = basic_auth(service.client_id, CLIENT_SECRET)
    with override_settings(OAUTH_PROVIDER={**settings.OAUTH_PROVIDER, "DPOP_ENABLED": True}):
        first = flow.token({"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=auth, HTTP_DPOP=proof)
        audit.hide(first.json()["access_token"], proof)
        audit.start()
        replay = flow.token({"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=auth, HTTP_DPOP=proof)
    assert replay.status_code == 400
    return None


def token_issued(flow, audit, client, owner):
    service = ApplicationFactory(grant_types="client_credentials", redirect_uris="")
    audit.start()
    response = flow.token(
        {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic_auth(service.client_id, CLIENT_SECRET)
    )
    audit.hide(response.json()["access_token"])
    return service.pk


def token_exchanged(flow, audit, client, owner):
    exchange = "urn:ietf:params:oauth:grant-type:token-exchange"
    access = "urn:ietf:params:oauth:token-type:access_token"
    grants = [*settings.OAUTH_PROVIDER["GRANT_TYPES"], exchange]
    gateway = ApplicationFactory(grant_types=exchange, redirect_uris="", token_exchange_audiences="bookings")
    tokens = issue(flow, audit, client)
    with override_settings(OAUTH_PROVIDER={**settings.OAUTH_PROVIDER, "GRANT_TYPES": grants}):
        audit.start()
        response = flow.token(
            {
                "grant_type": exchange,
                "subject_token": tokens["access_token"],
                "subject_token_type": access,
                "audience": "bookings",
            },
            HTTP_AUTHORIZATION=basic_auth(gateway.client_id, CLIENT_SECRET),
        )
    assert response.status_code == 200, response.content
    audit.hide(response.json()["access_token"])
    return gateway.pk


def token_revoked(flow, audit, client, owner):
    issue(flow, audit, client)
    token = client.accesstoken_set.get()
    audit.start()
    assert admin_action(staff(), "accesstoken", "revoke_families", token.pk).status_code == 302
    return client.pk


def revoke_at_the_endpoint(flow, client, token: str):
    """RFC 7009 revocation by the client the token was issued to."""
    return flow.post(
        "revoke", {"token": token}, HTTP_AUTHORIZATION=basic_auth(client.client_id, CLIENT_SECRET)
    )


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


def guessing_suspected(flow, audit, client, owner):
    limit = settings.OAUTH_PROVIDER.get("FAILED_ATTEMPTS_LIMIT", 10)
    audit.start()
    for attempt in range(limit):
        response = flow.token(
            {"grant_type": "client_credentials"},
            HTTP_AUTHORIZATION=basic_auth(client.client_id, f"guess-{attempt}"),
            REMOTE_ADDR=f"203.0.113.{attempt}",
        )
        assert response.status_code == 401
    return None


def rate_limit_hit(flow, audit, client, owner):
    auth = basic_auth(client.client_id, CLIENT_SECRET)
    with override_settings(OAUTH_PROVIDER={**settings.OAUTH_PROVIDER, "RATE_LIMITS": {"revoke": "1/minute"}}):
        assert flow.post("revoke", {"token": "unknown"}, HTTP_AUTHORIZATION=auth).status_code == 200
        audit.start()
        assert flow.post("revoke", {"token": "unknown"}, HTTP_AUTHORIZATION=auth).status_code == 429
    return None


def signing_key_created(flow, audit, client, owner):
    audit.start()
    command("oauth_provider_create_signing_key", "--algorithm", "ES256")
    return None


def signing_key_retired(flow, audit, client, owner):
    kid = command("oauth_provider_create_signing_key", "--algorithm", "ES256", "--activate-now")["kid"]
    audit.start()
    command("oauth_provider_retire_signing_key", f"--kid={kid}", "--compromised")
    return None


SCENARIOS: dict[str, Scenario] = {
    scenario.__name__: scenario
    for scenario in (
        client_created,
        client_secret_rotated,
        client_disabled,
        consent_given,
        consent_revoked,
        device_authorization_decided,
        authorization_request_pushed,
        dpop_proof_replayed,
        token_issued,
        token_exchanged,
        token_revoked,
        refresh_token_reused,
        authorization_code_reused,
        rate_limit_hit,
        guessing_suspected,
        signing_key_created,
        signing_key_retired,
    )
}


#: Events a scenario sends after its own.
ALSO_SENT = {"token_exchanged": ["token_issued"]}


def test_every_audited_signal_has_a_scenario():
    assert set(SCENARIOS) == set(AUDITED_SIGNALS) == set(EVENT_KEYS)


def serialized_record(record: logging.LogRecord) -> str:
    return record.getMessage() + json.dumps(record.__dict__, default=str)


def serialized_row(row: AuditEvent) -> str:
    return json.dumps(model_to_dict(row), default=str) + str(row)


@pytest.mark.parametrize("event", list(SCENARIOS))
def test_each_event_is_audited_exactly_once(event, audit, flow, confidential_client, owner):
    application_id = SCENARIOS[event](flow, audit, confidential_client, owner)

    # An exchange issues a token too: its token_issued event is the next one.
    also = ALSO_SENT.get(event, [])
    records = [r for r in audit.records() if r.audit_event not in also]
    rows = [row for row in audit.rows() if row.event not in also]
    assert [record.audit_event for record in audit.records()] == [event, *also]
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


# --- token_revoked, from each place that revokes ------------------------------------------------


def test_a_token_revoked_at_the_endpoint_is_audited_once(audit, flow, confidential_client, owner):
    """RFC 7009: the client revokes its own token; the whole family goes."""
    tokens = issue(flow, audit, confidential_client)
    audit.start()
    assert revoke_at_the_endpoint(flow, confidential_client, tokens["access_token"]).status_code == 200
    assert [r.audit_event for r in audit.records()] == ["token_revoked"]
    (row,) = audit.rows()
    family = str(Grant.objects.get(application=confidential_client).token_family)
    assert row.application_id == confidential_client.pk
    assert {key: row.data[key] for key in ("application_id", "token_family", "tokens_revoked")} == {
        "application_id": confidential_client.pk,
        "token_family": family,
        "tokens_revoked": 2,
    }


def test_a_token_revoked_at_the_endpoint_names_its_owner(audit, flow, confidential_client, owner):
    tokens = issue(flow, audit, confidential_client)
    audit.start()
    assert revoke_at_the_endpoint(flow, confidential_client, tokens["access_token"]).status_code == 200
    (row,) = audit.rows()
    assert set(row.data) == EVENT_KEYS["token_revoked"]
    assert row.data["user_id"] == owner.pk
    assert row.user_id == str(owner.pk)


def revoke_family_in_the_admin(flow, client, owner):
    token = client.accesstoken_set.get()
    assert admin_action(staff(), "accesstoken", "revoke_families", token.pk).status_code == 302


def revoke_refresh_token_family_in_the_admin(flow, client, owner):
    token = client.refreshtoken_set.get()
    assert admin_action(staff(), "refreshtoken", "revoke_families", token.pk).status_code == 302


def revoke_the_owners_tokens_with_the_command(flow, client, owner):
    command("oauth_provider_revoke_tokens", "--client-id", client.client_id, "--user", owner.username)


def revoke_the_clients_tokens_with_the_command(flow, client, owner):
    command("oauth_provider_revoke_tokens", "--client-id", client.client_id)


def revoke_the_clients_tokens_in_the_admin(flow, client, owner):
    assert admin_action(staff(), "application", "revoke_tokens", client.pk).status_code == 302


@pytest.mark.parametrize(
    ("revoke", "names_the_owner"),
    [
        (revoke_family_in_the_admin, True),
        (revoke_refresh_token_family_in_the_admin, True),
        (revoke_the_owners_tokens_with_the_command, True),
        # Every token of a client: no single owner.
        (revoke_the_clients_tokens_with_the_command, False),
        (revoke_the_clients_tokens_in_the_admin, False),
    ],
)
def test_token_revoked_names_the_owner_when_there_is_one(
    revoke, names_the_owner, audit, flow, confidential_client, owner
):
    issue(flow, audit, confidential_client)
    audit.start()
    revoke(flow, confidential_client, owner)
    (record,) = audit.records()
    (row,) = audit.rows()
    assert record.audit_event == row.event == "token_revoked"
    assert set(row.data) == EVENT_KEYS["token_revoked"]
    assert row.data["tokens_revoked"] == 2
    if names_the_owner:
        assert row.data["user_id"] == owner.pk
        assert row.user_id == str(owner.pk)
    else:
        assert row.data["user_id"] is None
        assert row.user_id == ""


# --- rate_limit_hit: logged every time, stored once per subject and window -----------------------


def refused_revocations(flow, client, count: int, address: str = "127.0.0.1") -> list[int]:
    auth = basic_auth(client.client_id, CLIENT_SECRET)
    return [
        flow.post("revoke", {"token": "unknown"}, HTTP_AUTHORIZATION=auth, REMOTE_ADDR=address).status_code
        for _ in range(count)
    ]


def test_a_flood_of_refused_requests_is_one_row_per_subject(audit, flow, confidential_client, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "RATE_LIMITS": {"revoke": "2/minute"}}
    audit.start()
    assert refused_revocations(flow, confidential_client, 6) == [200] * 2 + [429] * 4
    assert [r.audit_data["first_in_window"] for r in audit.records()] == [True, False, False, False]
    rows = audit.rows()
    assert [(row.event, row.data) for row in rows] == [
        ("rate_limit_hit", {"endpoint": "revoke", "subject_kind": "ip", "first_in_window": True})
    ]

    # Another address has allowances of its own, the client's there included; over them,
    # it is a new subject: one more row.
    assert refused_revocations(flow, confidential_client, 6, address="10.0.0.9") == [200] * 2 + [429] * 4
    assert len(audit.records()) == 8
    assert [(row.data["subject_kind"], row.data["first_in_window"]) for row in audit.rows()] == [
        ("ip", True),
        ("ip", True),
    ]


def test_a_new_window_is_stored_again(audit, flow, confidential_client, settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "RATE_LIMITS": {"revoke": "1/minute"}}
    audit.start()
    assert refused_revocations(flow, confidential_client, 3) == [200, 429, 429]
    assert len(audit.rows()) == 1
    # The window ends (its counters expire from the cache); the next flood is stored again.
    caches["default"].clear()
    assert refused_revocations(flow, confidential_client, 3) == [200, 429, 429]
    assert len(audit.records()) == 4
    assert [row.data["first_in_window"] for row in audit.rows()] == [True, True]


def test_a_lockout_is_stored_once_however_often_it_refuses(audit, flow, confidential_client, settings):
    settings.OAUTH_PROVIDER = {
        **settings.OAUTH_PROVIDER,
        "FAILED_ATTEMPTS_LIMIT": 2,
        "FAILED_ATTEMPTS_WINDOW_SECONDS": 60,
    }
    wrong = basic_auth(confidential_client.client_id, "wrong-" + "x" * 40)

    def attempts(count: int) -> list[int]:
        grant = {"grant_type": "client_credentials"}
        return [flow.token(grant, HTTP_AUTHORIZATION=wrong).status_code for _ in range(count)]

    assert attempts(2) == [401, 401]
    audit.start()
    assert attempts(4) == [429] * 4
    records = audit.records()
    assert [r.audit_data["endpoint"] for r in records] == ["lockout"] * 4
    assert [r.audit_data["first_in_window"] for r in records] == [True, False, False, False]
    rows = audit.rows()
    assert [(row.data["endpoint"], row.data["first_in_window"]) for row in rows] == [("lockout", True)]


def test_without_audit_log_model_events_are_logged_but_not_stored(caplog, flow, confidential_client, owner):
    caplog.set_level(logging.INFO, logger="oauth_provider.audit")
    recorder = Audit(caplog)
    consent_revoked(flow, recorder, confidential_client, owner)
    assert [r.audit_event for r in recorder.records()] == ["consent_revoked"]
    assert not AuditEvent.objects.exists()


# --- the admin's actions ------------------------------------------------------------------------


def staff() -> Client:
    """A logged-in superuser's browser."""
    user = get_user_model().objects.create_superuser(f"admin-{uuid.uuid4().hex[:8]}", "a@example.com", "pw")
    browser = Client()
    browser.force_login(user)
    return browser


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
        audit.hide(admin_client.get(response["Location"]).context["secrets"][0][1])
    assert [r.audit_event for r in audit.records()] == [event]
    assert [r.application_id for r in audit.rows()] == [confidential_client.pk]
    for text in [serialized_record(r) for r in audit.records()] + [serialized_row(r) for r in audit.rows()]:
        for value in audit.hidden:
            assert value not in text


def test_a_client_added_in_the_admin_is_audited(audit, admin_client):
    from .test_admin import ADD_URL, application_form

    audit.start()
    response = admin_client.post(ADD_URL, application_form(), follow=True)
    assert response.status_code == 200
    secret = response.context["secrets"][0][1]
    audit.hide(secret)
    application = Application.objects.get(client_id="bookings-web")
    assert [r.audit_event for r in audit.records()] == ["client_created"]
    assert [(row.event, row.application_id, row.data) for row in audit.rows()] == [
        ("client_created", application.pk, {"application_id": application.pk, "client_id": "bookings-web"})
    ]
    for text in [serialized_record(r) for r in audit.records()] + [serialized_row(r) for r in audit.rows()]:
        for value in audit.hidden:
            assert value not in text


def test_a_public_client_added_in_the_admin_is_audited(audit, admin_client):
    from .test_admin import ADD_URL, application_form

    audit.start()
    response = admin_client.post(ADD_URL, application_form(client_id="spa", client_type="public"))
    assert response.status_code == 302
    assert [r.audit_event for r in audit.records()] == ["client_created"]
    assert [row.data["client_id"] for row in audit.rows()] == ["spa"]


def test_a_client_changed_in_the_admin_is_not_created_again(audit, admin_client, confidential_client):
    from .test_admin import application_form

    audit.start()
    response = admin_client.post(
        f"/admin/oauth_provider/application/{confidential_client.pk}/change/",
        application_form(client_id=confidential_client.client_id, name="Renamed"),
    )
    assert response.status_code == 302
    assert audit.records() == []


def test_tokens_revoked_in_the_admin_are_audited(audit, admin_client, flow, confidential_client, owner):
    issue(flow, audit, confidential_client)
    token = confidential_client.accesstoken_set.get()
    audit.start()
    assert admin_action(admin_client, "accesstoken", "revoke_families", token.pk).status_code == 302
    assert [r.audit_event for r in audit.records()] == ["token_revoked"]
    (row,) = audit.rows()
    assert row.data == {
        "application_id": confidential_client.pk,
        "user_id": owner.pk,
        "token_family": str(token.token_family),
        "tokens_revoked": 2,
    }


def test_each_selected_family_is_audited_once(audit, admin_client, flow, confidential_client, owner):
    issue(flow, audit, confidential_client)
    issue(flow, audit, confidential_client)
    tokens = list(confidential_client.accesstoken_set.all())
    audit.start()
    response = admin_client.post(
        "/admin/oauth_provider/accesstoken/",
        {"action": "revoke_families", "_selected_action": [str(t.pk) for t in tokens], "index": "0"},
    )
    assert response.status_code == 302
    families = sorted(str(t.token_family) for t in tokens)
    assert len(set(families)) == 2
    assert sorted(row.data["token_family"] for row in audit.rows()) == families
    assert [r.audit_event for r in audit.records()] == ["token_revoked"] * 2
