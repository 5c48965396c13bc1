"""`manage.py migrate_and_seed` (the migration job) serialises concurrent runs."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import time

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from core.migration_lock import MIGRATION_LOCK_KEY
from tests.conftest import production_settings_env
from tests.support.gunicorn import APP_DIR
from tests.support.postgres import PostgresCluster


@pytest.mark.django_db
def test_in_process_run_migrates_and_seeds_under_the_lock(
    caplog: pytest.LogCaptureFixture,
) -> None:
    out = io.StringIO()
    with caplog.at_level(logging.INFO, logger="core.migration_lock"):
        call_command("migrate_and_seed", stdout=out, verbosity=1)
    assert "seeds: 8 created, 0 updated, 0 unchanged" in out.getvalue()
    assert "migration lock released" in caplog.text
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
        assert cursor.fetchone() == (0,)


def _start(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "manage.py", "migrate_and_seed"],
        cwd=APP_DIR,
        env={"PATH": os.environ["PATH"], "LANG": "C.UTF-8", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _fresh_database(cluster: PostgresCluster, name: str) -> dict[str, str]:
    cluster.create_database(name)
    return production_settings_env(**cluster.env(name))


def test_two_concurrent_runs_both_succeed(postgres_cluster: PostgresCluster) -> None:
    env = _fresh_database(postgres_cluster, "concurrent_migrate")
    runs = [_start(env), _start(env)]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    # One run applied everything; the other found nothing left to do.
    applied = [output.count("Applying ") for output in outputs]
    assert sorted(applied)[0] == 0, outputs
    assert sorted(applied)[1] > 0, outputs
    sql = "SELECT count(*) - count(DISTINCT (app, name)) FROM django_migrations"
    assert postgres_cluster.psql(sql, database="concurrent_migrate") == "0"
    codes = postgres_cluster.psql(
        "SELECT string_agg(code, ',' ORDER BY code) FROM core_currency",
        database="concurrent_migrate",
    )
    assert codes == "BRL,EUR,GBP,JPY,USD"


def test_a_run_waits_while_another_holds_the_lock(postgres_cluster: PostgresCluster) -> None:
    env = _fresh_database(postgres_cluster, "locked_migrate")
    with psycopg.connect(
        host=env["DB_HOST"], port=env["DB_PORT"], user=env["DB_USER"], dbname="locked_migrate"
    ) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
        run = _start(env)
        time.sleep(2)
        assert run.poll() is None, run.communicate()[0]
        assert postgres_cluster.psql("SELECT to_regclass('core_currency')", "locked_migrate") == ""
        holder.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_KEY])
        output = run.communicate(timeout=120)[0]
    assert run.returncode == 0, output
    assert "migration lock acquired after" in output
