"""Drill: two migration jobs at once (a retried job overlapping a new deploy's job).

The drill holds the job's advisory lock itself first, so both jobs are certainly queued on
it together; after it lets go it watches pg_locks for one job holding while the other waits.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psycopg
import pytest

from core.migration_lock import MIGRATION_LOCK_KEY
from core.seeds import CURRENCIES
from tests.drills.environment import APP_DIR, manage, production_env_for
from tests.support.postgres import PostgresCluster

pytestmark = pytest.mark.slow

_JOB_LOCKS = """
    SELECT count(*) FILTER (WHERE granted), count(*) FILTER (WHERE NOT granted)
    FROM pg_locks
    WHERE locktype = 'advisory' AND pid <> %s
      AND (classid::bigint << 32) | objid::bigint = %s
"""


def _job_locks(observer: psycopg.Connection, holder_pid: int) -> tuple[int, int]:
    row = observer.execute(_JOB_LOCKS, (holder_pid, MIGRATION_LOCK_KEY)).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def test_two_jobs_at_once_serialise_on_the_lock_and_both_succeed(
    postgres_cluster: PostgresCluster, collected_static: None
) -> None:
    database = "drill_two_jobs"
    postgres_cluster.psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    postgres_cluster.create_database(database)
    env = production_env_for(postgres_cluster, database)
    conninfo = (
        f"host={env['DB_HOST']} port={env['DB_PORT']} user={env['DB_USER']} dbname={database}"
    )
    job = [sys.executable, "manage.py", "migrate_and_seed"]
    with psycopg.connect(conninfo, autocommit=True) as holder:
        holder_pid = holder.info.backend_pid
        holder.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        jobs = [
            subprocess.Popen(
                job,
                cwd=APP_DIR,
                env=os.environ | env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(2)
        ]
        deadline = time.monotonic() + 30
        while _job_locks(holder, holder_pid) != (0, 2):
            assert time.monotonic() < deadline, "the two jobs never queued on the advisory lock"
            time.sleep(0.02)
        holder.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))

        samples = set()
        while any(process.poll() is None for process in jobs):
            samples.add(_job_locks(holder, holder_pid))
            time.sleep(0.01)
    outputs = [process.communicate()[0] for process in jobs]

    assert [process.returncode for process in jobs] == [0, 0], "\n---\n".join(outputs)
    assert (1, 1) in samples, f"never saw one job holding while the other waited: {samples}"
    assert manage(env, "migrate", "--check").returncode == 0, "migrations left unapplied"
    health = manage(env, "healthcheck")
    assert health.returncode == 0, health.stdout + health.stderr
    count = postgres_cluster.psql("SELECT count(*) FROM core_currency", database)
    assert int(count) == len(CURRENCIES), f"seeds applied twice or not at all: {count} rows"
