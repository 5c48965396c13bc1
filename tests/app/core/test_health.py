"""core.health: each check's failure branch says what is wrong."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError

from core import health
from core.seeds import apply_seeds

pytestmark = pytest.mark.django_db

DOWN = OperationalError("server closed the connection")


def test_all_checks_pass_on_a_migrated_seeded_database() -> None:
    apply_seeds()
    results = [health.check_database(), health.check_migrations(), health.check_seeds()]
    assert [(r.name, r.ok) for r in results] == [
        ("database", True),
        ("migrations", True),
        ("seeds", True),
    ]


def test_seeds_check_names_the_missing_rows() -> None:
    result = health.check_seeds()
    assert not result.ok
    codes = ("BRL", "EUR", "GBP", "JPY", "USD")
    assert result.detail.startswith(
        "missing: " + ", ".join(f"core.Currency {c}" for c in codes) + ", catalog.Plan starter"
    )


def test_checks_report_an_unreadable_database() -> None:
    with mock.patch("core.health.MigrationExecutor", side_effect=DOWN):
        assert health.check_migrations().detail.startswith("cannot read: server closed")
    with mock.patch("core.health.missing_seeds", side_effect=DOWN):
        assert health.check_seeds().detail.startswith("cannot read: server closed")


def test_readiness_skips_migrations_when_the_database_is_down(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with mock.patch(
        "core.health.check_database",
        return_value=health.CheckResult("database", False, "unreachable: x"),
    ):
        results = health.readiness()
    assert [r.name for r in results] == ["database"]
    assert "readiness check database failed: unreachable: x" in caplog.text
