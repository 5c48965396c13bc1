"""`manage.py seed` and `manage.py healthcheck`, in process and as the job runs them."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.db.migrations.recorder import MigrationRecorder

from core.models import Currency
from tests.conftest import production_settings_env
from tests.support.gunicorn import APP_DIR
from tests.support.postgres import PostgresCluster


def _call(name: str) -> str:
    out = io.StringIO()
    call_command(name, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_twice_changes_nothing_the_second_time() -> None:
    assert _call("seed") == "seeds: 8 created, 0 updated, 0 unchanged\n"
    before = list(Currency.objects.values_list("code", "name", "minor_units"))
    assert _call("seed") == "seeds: 0 created, 0 updated, 8 unchanged\n"
    assert list(Currency.objects.values_list("code", "name", "minor_units")) == before


@pytest.mark.django_db
def test_seed_corrects_a_drifted_row() -> None:
    _call("seed")
    Currency.objects.filter(code="JPY").update(minor_units=2)
    assert _call("seed") == "seeds: 0 created, 1 updated, 7 unchanged\n"
    assert Currency.objects.get(code="JPY").minor_units == 0


@pytest.mark.django_db
def test_healthcheck_passes_and_lists_every_check() -> None:
    _call("seed")
    assert _call("healthcheck").splitlines() == [
        "ok   database: reachable",
        "ok   migrations: all applied",
        "ok   seeds: present",
    ]


@pytest.mark.django_db
def test_healthcheck_fails_on_missing_seeds() -> None:
    with pytest.raises(
        CommandError, match=r"healthcheck failed: seeds: missing: core\.Currency BRL"
    ):
        _call("healthcheck")


@pytest.mark.django_db
def test_healthcheck_fails_on_an_unapplied_migration() -> None:
    _call("seed")
    MigrationRecorder.Migration.objects.filter(app="core", name="0001_initial").delete()
    with pytest.raises(CommandError, match=r"migrations: 1 unapplied: core\.0001_initial"):
        _call("healthcheck")


def _healthcheck(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "healthcheck"],
        cwd=APP_DIR,
        env={"PATH": os.environ["PATH"], "LANG": "C.UTF-8", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_healthcheck_exit_codes(
    production_env: dict[str, str], postgres_cluster: PostgresCluster
) -> None:
    ok = _healthcheck(production_env)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    postgres_cluster.create_database("never_migrated")
    unmigrated = _healthcheck(production_settings_env(**postgres_cluster.env("never_migrated")))
    assert unmigrated.returncode == 1
    assert "FAIL migrations" in unmigrated.stdout

    down = _healthcheck(production_settings_env(DB_HOST="/nonexistent", DB_POOL_TIMEOUT="0.5"))
    assert down.returncode == 1
    assert "FAIL database: unreachable" in down.stdout
