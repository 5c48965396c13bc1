"""The health endpoints and the home page, in process against the session's PostgreSQL."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client

pytestmark = pytest.mark.django_db


def test_live_answers_without_touching_the_database(
    client: Client, django_assert_num_queries
) -> None:
    with django_assert_num_queries(0):
        response = client.get("/health/live/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert "no-cache" in response["Cache-Control"]


def test_ready_reports_version_and_revision(client: Client, settings) -> None:
    settings.APP_VERSION = "abc123"
    settings.K_REVISION = "svc-00042-xyz"
    response = client.get("/health/ready/")
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok"},
        "failed": [],
        "version": "abc123",
        "revision": "svc-00042-xyz",
    }
    assert "no-cache" in response["Cache-Control"]


def test_ready_is_503_naming_the_database_when_it_is_down(client: Client) -> None:
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.cursor",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/health/ready/")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    assert response.json()["checks"] == {"database": "failed"}


def test_ready_is_503_naming_migrations_when_one_is_unapplied(client: Client) -> None:
    # Forget that core's latest migration ran (rolled back with the test's transaction).
    recorder = MigrationRecorder.Migration.objects
    latest = recorder.filter(app="core").order_by("-id").first()
    assert latest is not None
    latest.delete()
    response = client.get("/health/ready/")
    assert response.status_code == 503
    assert response.json()["failed"] == ["migrations"]


def test_ready_rejects_unsafe_methods(client: Client) -> None:
    assert client.post("/health/ready/").status_code == 405


def test_home_lists_the_seeded_currencies(client: Client) -> None:
    from core.seeds import apply_seeds

    apply_seeds()
    response = client.get("/")
    assert response.status_code == 200
    assert b"EUR: Euro" in response.content
