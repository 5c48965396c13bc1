"""Drill: the migration job's lock_timeout (migrationJob.lockTimeoutMs), against real PostgreSQL.

A migration whose ALTER TABLE waits behind traffic's lock queues every later request on that
table behind it, so the job gives up after its lock timeout (and Cloud Run retries the task)
instead of freezing the service. Waiting for another job's advisory lock is different: that
wait is the point (two deploys serialise) and the timeout must not cut it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psycopg
import pytest

from core.migration_lock import MIGRATION_LOCK_KEY
from tests.drills.environment import APP_DIR, manage
from tests.support.postgres import PostgresCluster

pytestmark = pytest.mark.slow

JOB_LOCK_TIMEOUT_MS = 500
# auth 0012 alters auth_user (first_name max length): a real ALTER TABLE the job re-applies.
BEFORE_ALTER = "0011_update_proxy_permissions"


def _job_env(env: dict[str, str]) -> dict[str, str]:
    return {**env, "DB_LOCK_TIMEOUT_MS": str(JOB_LOCK_TIMEOUT_MS)}


def _conninfo(env: dict[str, str]) -> str:
    return (
        f"host={env['DB_HOST']} port={env['DB_PORT']} user={env['DB_USER']} dbname={env['DB_NAME']}"
    )


def test_a_migration_behind_a_table_lock_fails_fast_and_the_retry_succeeds(
    postgres_cluster: PostgresCluster, migrated_env
) -> None:
    env = migrated_env(postgres_cluster, "job_lock")
    undo = manage(env, "migrate", "auth", BEFORE_ALTER)
    assert undo.returncode == 0, undo.stderr
    with psycopg.connect(_conninfo(env)) as traffic:
        # A long read in an open transaction, as a slow request or report holds.
        traffic.execute("SELECT count(*) FROM auth_user").fetchone()
        started = time.monotonic()
        blocked = manage(_job_env(env), "migrate_and_seed", timeout=60)
        took = time.monotonic() - started
        traffic.rollback()
    assert blocked.returncode != 0, blocked.stdout
    assert "lock timeout" in blocked.stderr, blocked.stderr[-2000:]
    # Process start + Django setup + the 0.5 s wait; without the timeout it waits forever.
    assert took < 20, f"the job waited {took:.1f} s"
    assert manage(env, "migrate", "--check").returncode != 0, "the ALTER must not be half-applied"

    retry = manage(_job_env(env), "migrate_and_seed", timeout=60)
    assert retry.returncode == 0, retry.stderr[-2000:]
    assert manage(env, "migrate", "--check").returncode == 0


def test_waiting_for_another_jobs_advisory_lock_is_not_cut_by_the_lock_timeout(
    postgres_cluster: PostgresCluster, migrated_env
) -> None:
    env = migrated_env(postgres_cluster, "job_queue")
    hold_seconds = 3 * JOB_LOCK_TIMEOUT_MS / 1000
    with psycopg.connect(_conninfo(env), autocommit=True) as other_job:
        other_job.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        job = subprocess.Popen(
            [sys.executable, "manage.py", "migrate_and_seed"],
            cwd=APP_DIR,
            env=os.environ | _job_env(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 30
        waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        while other_job.execute(waiting).fetchone() != (1,):
            assert job.poll() is None, job.communicate()[0]
            assert time.monotonic() < deadline, "the job never queued on the advisory lock"
            time.sleep(0.02)
        time.sleep(hold_seconds)  # several of the job's lock timeouts
        assert job.poll() is None, (
            "the job gave up waiting for the other job:\n" + (job.communicate()[0])
        )
        other_job.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
    output = job.communicate(timeout=60)[0]
    assert job.returncode == 0, output
    # The table-lock limit is back once the advisory wait is over (RESET, not SET 0 for good).
    assert "lock timeout" not in output
