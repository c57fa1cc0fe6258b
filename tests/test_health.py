"""The health endpoint (oauth_provider.ops.health): cheap, unauthenticated, tells nothing."""

from __future__ import annotations

import pytest
from django.db import DatabaseError
from django.test import Client, override_settings
from django.urls import path

from oauth_provider.ops import health

urlpatterns = [path("health/", health.health)]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture(autouse=True)
def fresh_answer():
    health.forget()
    yield
    health.forget()


def get():
    return Client().get("/health/")


def test_a_healthy_server_answers_200_ok_and_nothing_more():
    response = get()
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_the_database_down_is_503_unavailable_without_details(monkeypatch, caplog):
    def fail(*args, **kwargs):
        raise DatabaseError("connection to server at 10.0.0.5 failed: secret details")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", fail)
    response = get()
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert b"10.0.0.5" not in response.content
    assert "database unavailable (DatabaseError)" in caplog.text
    assert "10.0.0.5" not in caplog.text


BROKEN_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}


def test_the_cache_down_is_healthy_while_the_rate_limits_fail_open(caplog):
    """RATE_LIMIT_FAIL_OPEN (the default): the endpoints still answer without the cache, so
    the server stays in the balancer; the failure is logged."""
    with override_settings(CACHES=BROKEN_CACHE):
        response = get()
    assert response.status_code == 200
    assert "rate-limit cache unavailable" in caplog.text


def test_the_cache_down_is_503_when_the_rate_limits_fail_closed(settings):
    settings.OAUTH_PROVIDER = {**settings.OAUTH_PROVIDER, "RATE_LIMIT_FAIL_OPEN": False}
    with override_settings(CACHES=BROKEN_CACHE):
        response = get()
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_a_flood_of_health_requests_checks_once_per_interval(django_assert_num_queries, monkeypatch):
    """No amplifier: within CHECK_INTERVAL_SECONDS every request reuses the last answer."""
    cache_reads = []
    monkeypatch.setattr(health, "_cache_answers", lambda: cache_reads.append(1) or True)
    with django_assert_num_queries(1):
        statuses = {get().status_code for _ in range(50)}
    assert statuses == {200}
    assert len(cache_reads) == 1


def test_it_checks_again_after_the_interval(monkeypatch):
    checks = []
    monkeypatch.setattr(health, "_check", lambda: checks.append(1) or True)
    clock = iter([100.0, 100.5, 101.2, 101.6, 101.7])
    monkeypatch.setattr(health.time, "monotonic", lambda: next(clock))
    get()  # checks at 100.0, the answer stored at 100.5
    get()  # at 101.2, 0.7 s later: the stored answer
    assert len(checks) == 1
    get()  # at 101.6, 1.1 s later: a new check
    assert len(checks) == 2


def test_only_get_and_head():
    assert Client().head("/health/").status_code == 200
    assert Client().post("/health/").status_code == 405


def test_no_login_session_or_token_is_needed(settings):
    """Django 5.1's LoginRequiredMiddleware leaves it open."""
    from django.contrib.auth import middleware

    if not hasattr(middleware, "LoginRequiredMiddleware"):
        pytest.skip("Django before 5.1 has no LoginRequiredMiddleware")
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "django.contrib.auth.middleware.LoginRequiredMiddleware"]
    assert get().status_code == 200
