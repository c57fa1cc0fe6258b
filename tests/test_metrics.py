"""Prometheus metrics (oauth_provider.ops.metrics): from the signals and the middleware, with
labels from closed lists only."""

from __future__ import annotations

import pytest
from django.core.exceptions import MiddlewareNotUsed
from django.test import Client
from django.urls import path

from oauth_provider.checks import check_metrics
from oauth_provider.core import signals
from oauth_provider.ops import metrics

from . import urls as test_urls
from .conftest import CLIENT_SECRET, basic_auth
from .factories import ApplicationFactory

prometheus_client = pytest.importorskip("prometheus_client")
REGISTRY = prometheus_client.REGISTRY

urlpatterns = [*test_urls.urlpatterns, path("metrics", metrics.metrics)]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

MIDDLEWARE = "oauth_provider.ops.metrics.MetricsMiddleware"


@pytest.fixture(autouse=True)
def middleware(settings):
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]


@pytest.fixture
def service(db):
    """A confidential client of the client credentials grant."""
    return ApplicationFactory(grant_types="client_credentials", redirect_uris="")


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Delta:
    """What a metric's sample gained while the ``with`` block ran."""

    def __init__(self, name: str, **labels: str) -> None:
        self.name, self.labels = name, labels

    def __enter__(self) -> Delta:
        self.before = value(self.name, **self.labels)
        return self

    def __exit__(self, *exc: object) -> None:
        self.gained = value(self.name, **self.labels) - self.before


def test_tokens_issued_by_grant_and_client_type(flow, confidential_client, public_client, service):
    with (
        Delta(
            "oauth_provider_tokens_issued_total", grant_type="client_credentials", client_type="confidential"
        ) as cc,
        Delta(
            "oauth_provider_tokens_issued_total", grant_type="authorization_code", client_type="public"
        ) as code,
    ):
        assert flow.client_credentials(service).status_code == 200
        flow.tokens_for(public_client)
    assert (cc.gained, code.gained) == (1, 1)


def test_errors_by_code_at_the_token_endpoint_and_the_api(flow, confidential_client, service):
    with (
        Delta(
            "oauth_provider_errors_total", endpoint="oauth_provider:token", error="invalid_client"
        ) as client,
        Delta("oauth_provider_errors_total", endpoint="oauth_provider:token", error="invalid_grant") as grant,
    ):
        flow.client_credentials(service, secret="wrong")
        flow.token(
            {
                "grant_type": "authorization_code",
                "code": "nope",
                "redirect_uri": "https://client.example/callback",
            },
            HTTP_AUTHORIZATION=basic_auth(confidential_client.client_id, CLIENT_SECRET),
        )
    assert (client.gained, grant.gained) == (1, 1)

    unnamed = "tests.api_views.ScopedView"
    with Delta("oauth_provider_errors_total", endpoint=unnamed, error="invalid_token") as token:
        assert Client().get("/api/scoped/", HTTP_AUTHORIZATION="Bearer not-a-token").status_code == 401
    assert token.gained == 1


def test_a_denied_authorization_is_counted_from_its_redirect(flow, confidential_client):
    with Delta(
        "oauth_provider_errors_total", endpoint="oauth_provider:authorize", error="access_denied"
    ) as denied:
        page = flow.authorize(
            response_type="code",
            client_id=confidential_client.client_id,
            redirect_uri="https://client.example/callback",
            scope="read",
        )
        flow.consent(page, allow=False)
    assert denied.gained == 1


def test_lockouts_rate_limits_and_guessing(flow, confidential_client, settings, service):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "FAILED_ATTEMPTS_LIMIT": 3}
    with (
        Delta("oauth_provider_lockouts_total", subject="ip") as lockouts,
        Delta("oauth_provider_rate_limited_total", endpoint="lockout", subject="ip") as refused,
        Delta("oauth_provider_guessing_suspected_total", subject="client") as guessing,
    ):
        statuses = [flow.client_credentials(service, secret="wrong").status_code for _ in range(6)]
    assert statuses == [401, 401, 401, 429, 429, 429]
    assert (lockouts.gained, refused.gained, guessing.gained) == (1, 3, 1)


def test_reuse_detections_and_revocations(flow, confidential_client):
    first = flow.tokens_for(confidential_client)
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    auth = basic_auth(confidential_client.client_id, CLIENT_SECRET)
    assert flow.token(refresh, HTTP_AUTHORIZATION=auth).status_code == 200
    with (
        Delta("oauth_provider_reuse_detected_total", kind="refresh_token") as reused,
        Delta("oauth_provider_tokens_revoked_total") as revoked,
    ):
        assert flow.token(refresh, HTTP_AUTHORIZATION=auth).status_code == 400
    assert reused.gained == 1
    assert revoked.gained >= 1


def test_latency_by_url_name_never_by_path(flow, confidential_client, service):
    secret_path = "/oauth/token-" + "s3cr3t-token-value"
    with (
        Delta("oauth_provider_request_duration_seconds_count", endpoint="oauth_provider:token") as token,
        Delta("oauth_provider_request_duration_seconds_count", endpoint="unmatched") as unmatched,
    ):
        flow.client_credentials(service)
        assert Client().get(secret_path).status_code == 404
    assert (token.gained, unmatched.gained) == (1, 1)


def test_the_exposition_holds_no_secret_token_or_client_id(flow, confidential_client, service):
    issued = flow.client_credentials(service).json()["access_token"]
    Client().get("/api/scoped/", HTTP_AUTHORIZATION=f"Bearer {issued}")
    Client().get("/nowhere/" + issued)
    text = Client().get("/metrics").content.decode()
    assert "oauth_provider_tokens_issued_total" in text
    for secret in (issued, CLIENT_SECRET, confidential_client.client_id, "/nowhere/"):
        assert secret not in text


@pytest.mark.parametrize(
    ("signal", "arguments", "name", "labels"),
    [
        (
            signals.token_issued,
            {"grant_type": "x" * 300, "client_type": "<script>"},
            "oauth_provider_tokens_issued_total",
            {"grant_type": "other", "client_type": "other"},
        ),
        (
            signals.rate_limit_hit,
            {"endpoint": "/any/path", "subject_kind": "someone", "first_in_window": True},
            "oauth_provider_rate_limited_total",
            {"endpoint": "other", "subject": "other"},
        ),
    ],
)
def test_a_label_outside_its_list_is_other(signal, arguments, name, labels):
    with Delta(name, **labels) as other:
        signal.send(sender=None, **arguments)
    assert other.gained == 1


def test_error_codes_outside_the_rfcs_are_other():
    from django.http import JsonResponse

    assert metrics.error_of("x", JsonResponse({"error": "invalid_grant"}, status=400)) == "invalid_grant"
    assert metrics.error_of("x", JsonResponse({"error": "made-up " * 50}, status=400)) == "other"
    assert metrics.error_of("x", JsonResponse({"error": "invalid_grant"}, status=200)) is None


def test_off_when_the_setting_is_false(settings, flow, confidential_client, service):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "METRICS": False}
    with pytest.raises(MiddlewareNotUsed):
        metrics.MetricsMiddleware(lambda request: None)
    with Delta(
        "oauth_provider_tokens_issued_total", grant_type="client_credentials", client_type="confidential"
    ) as cc:
        flow.client_credentials(service)
    assert cc.gained == 0
    assert Client().get("/metrics").status_code == 404


def test_w013_the_middleware_without_metrics(settings, monkeypatch):
    assert check_metrics(None) == []
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "METRICS": False}
    assert [message.id for message in check_metrics(None)] == ["oauth_provider.W013"]
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "METRICS": True}
    monkeypatch.setattr(metrics, "prometheus_available", lambda: False)
    [message] = check_metrics(None)
    assert "prometheus-client is not installed" in message.msg


def test_the_first_requests_at_once_register_the_metrics_once(monkeypatch):
    """Threads of one process (a threaded server) count their first tokens at the same
    moment: one registration, or prometheus-client would raise on the second."""
    import threading
    import time

    created = []

    class Slow:
        def __init__(self):
            created.append(1)
            time.sleep(0.05)

    monkeypatch.setattr(metrics, "_Metrics", Slow)
    monkeypatch.setattr(metrics, "_metrics", None)
    threads = [threading.Thread(target=metrics._get) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(created) == 1


def test_a_failure_to_count_never_fails_the_request(monkeypatch, flow, service, caplog):
    def broken():
        raise ValueError("registry")

    monkeypatch.setattr(metrics, "_get", broken)
    assert flow.client_credentials(service).status_code == 200
    assert "metrics not recorded (ValueError)" in caplog.text
