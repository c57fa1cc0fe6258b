"""Migration 0006: django-oauth-toolkit's JSON ``resource`` lists become space-separated text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("oauth_provider", "0002_openid_connect")]
AFTER = [("oauth_provider", "0006_resource_indicators_and_registration")]


@pytest.mark.django_db(transaction=True)
def test_json_lists_are_converted():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        user = apps.get_model("auth", "User").objects.create(username="owner")
        application = apps.get_model("oauth_provider", "Application").objects.create(
            client_id="c", client_type="public", name="c", redirect_uris="https://c.example/cb"
        )
        Grant = apps.get_model("oauth_provider", "Grant")
        common = {"application": application, "user": user, "expires": timezone.now() + timedelta(minutes=1)}
        Grant.objects.create(code="a", resource=["https://a.example/mcp", "https://b.example/"], **common)
        Grant.objects.create(code="b", resource=[], **common)
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        apps = executor.loader.project_state(AFTER).apps
        values = dict(apps.get_model("oauth_provider", "Grant").objects.values_list("code", "resource"))
        assert values == {"a": "https://a.example/mcp https://b.example/", "b": ""}
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
