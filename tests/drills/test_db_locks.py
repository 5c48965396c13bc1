"""Drill: a migration-style table lock and an exhausted pool, against the real app.

Before issue 13 a lock held for 20 s froze every thread (no lock_timeout anywhere) and an
exhausted pool gave 500 pages. Now the web process's defaults (config/database.py:
lock_timeout 2 s) make a request waiting on a lock give up with 503 + Retry-After, so
threads come back, liveness stays answered and readiness says 503 instead of hanging.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from tests.drills.traffic import exchange, get

pytestmark = pytest.mark.slow

LOCK_TIMEOUT = 2.0  # config/database.py WEB_TIMEOUTS
HOME = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n"


def _timed_get(port: int, path: str) -> tuple[float, int | None, bytes]:
    started = time.monotonic()
    outcome = get(port, path)
    return time.monotonic() - started, outcome.status, outcome.body


def _timed_home(port: int) -> tuple[float, int | None, bytes]:
    started = time.monotonic()
    raw = exchange(port, HOME, timeout=30)
    return time.monotonic() - started, raw.status, raw.body


def _conninfo(env: dict[str, str]) -> str:
    return (
        f"host={env['DB_HOST']} port={env['DB_PORT']} user={env['DB_USER']} dbname={env['DB_NAME']}"
    )


def test_a_held_table_lock_gives_503s_in_seconds_and_liveness_keeps_answering(
    postgres_cluster, migrated_env, launch_app
) -> None:
    env = migrated_env(postgres_cluster, "locks")
    app = launch_app(env)  # 2 workers x 4 threads
    with psycopg.connect(_conninfo(env)) as locker, ThreadPoolExecutor(20) as pool:
        locker.execute("LOCK TABLE core_currency IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        # As many page requests as threads (what Cloud Run's concurrency lets in when it
        # equals workers x threads): every thread waits on the lock.
        pages = [pool.submit(_timed_home, app.port) for _ in range(8)]
        time.sleep(0.2)
        live = [_timed_get(app.port, "/health/live/") for _ in range(10)]
        results = [page.result() for page in pages]
        all_answered_after = time.monotonic() - started
        locker.rollback()

    statuses = [status for _, status, _ in results]
    assert set(statuses) == {503}, f"page statuses under the lock: {statuses}"
    assert all(b"Temporarily unavailable" in body for _, _, body in results)
    # Each waits lock_timeout; gthread's accept can queue a few on one worker, so a
    # second round (about 2 x lock_timeout measured), plus slack for a loaded machine.
    # Before issue 13 they all waited for the lock holder, however long it held on.
    assert all_answered_after < 3 * LOCK_TIMEOUT + 2, f"took {all_answered_after:.1f} s"
    assert {status for _, status, _ in live} == {200}, live
    # Liveness waits for a free thread at worst (up to two rounds), never for the lock
    # holder to let go: inside Cloud Run's 5 s liveness timeout (infra/components/service.py).
    slowest_live = max(seconds for seconds, _, _ in live)
    assert slowest_live < 5.0, f"slowest /health/live/: {slowest_live:.1f} s"
    assert get(app.port, "/").status == 200, "the page did not recover after the lock"
    print(
        f"pages answered 503 within {all_answered_after:.1f} s; slowest live {slowest_live:.2f} s"
    )


def test_a_locked_migrations_table_makes_readiness_503_not_hang(
    postgres_cluster, migrated_env, launch_app
) -> None:
    env = migrated_env(postgres_cluster, "ready_lock")
    app = launch_app(env)
    with psycopg.connect(_conninfo(env)) as locker:
        locker.execute("LOCK TABLE django_migrations IN ACCESS EXCLUSIVE MODE")
        seconds, status, body = _timed_get(app.port, "/health/ready/")
        live_seconds, live_status, _ = _timed_get(app.port, "/health/live/")
        locker.rollback()

    assert status == 503, body
    assert b'"failed": ["migrations"]' in body, body
    assert seconds < LOCK_TIMEOUT + 2.5, f"/health/ready/ took {seconds:.1f} s"
    assert live_status == 200
    assert live_seconds < 1.0
    assert get(app.port, "/health/ready/").status == 200


def test_an_exhausted_pool_gives_503_with_retry_after(
    postgres_cluster, migrated_env, launch_app
) -> None:
    # One connection per process: while the lock holds it, every other page request
    # waits DB_POOL_TIMEOUT (1 s) for a connection, then gets PoolTimeout.
    env = {
        **migrated_env(postgres_cluster, "pool"),
        "GUNICORN_WORKERS": "1",
        "DB_POOL_MAX_SIZE": "1",
        "DB_POOL_MIN_SIZE": "1",
        "DB_LOCK_TIMEOUT_MS": "20000",
    }
    app = launch_app(env)
    with psycopg.connect(_conninfo(env)) as locker, ThreadPoolExecutor(4) as pool:
        locker.execute("LOCK TABLE core_currency IN ACCESS EXCLUSIVE MODE")
        holder = pool.submit(_timed_home, app.port)
        time.sleep(0.5)  # the holder has the pool's only connection, waiting on the lock
        raw = exchange(app.port, HOME, timeout=10)
        locker.rollback()
        held = holder.result()

    assert raw.status == 503, raw
    assert held[1] == 200, held
    assert "PoolTimeout" in app.output() or "couldn't get a connection" in app.output()
