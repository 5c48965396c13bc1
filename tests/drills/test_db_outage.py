"""Drill: the database goes away under load and comes back; the app heals without a restart.

The cluster is the drill's own (stopping the session's shared one would break other tests).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from tests.drills.traffic import BackgroundLoad, get
from tests.support.postgres import PostgresCluster

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster().start()
    yield cluster
    cluster.destroy()


def _seconds_until(predicate: Callable[[], bool], limit: float) -> float | None:
    """Poll every 50 ms; the elapsed seconds when ``predicate`` held, None past ``limit``."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.05)
    return None


def test_outage_under_load_flips_ready_and_heals_while_live_stays_up(
    own_cluster: PostgresCluster, migrated_env, launch_app
) -> None:
    env = migrated_env(own_cluster, "outage")
    app = launch_app(env)
    assert get(app.port, "/health/ready/").status == 200

    with BackgroundLoad(app.port, "/health/live/", clients=3) as live_load:
        time.sleep(0.5)
        own_cluster.stop("immediate")
        to_503 = _seconds_until(lambda: get(app.port, "/health/ready/").status == 503, 10)
        down = get(app.port, "/health/ready/")
        time.sleep(1.0)  # a second of outage with live traffic still flowing
        own_cluster.start()
        to_200 = _seconds_until(lambda: get(app.port, "/health/ready/").status == 200, 15)
        time.sleep(0.5)

    assert to_503 is not None, "/health/ready/ never answered 503 with the database stopped"
    assert to_503 <= 2.0, f"/health/ready/ took {to_503:.2f} s to report the outage (limit 2 s)"
    assert b"database" in down.body.lower(), f"503 body should name the failed check: {down.body!r}"
    assert to_200 is not None, "/health/ready/ did not recover after the database came back"
    assert to_200 <= 5.0, f"/health/ready/ took {to_200:.2f} s to recover (limit 5 s)"
    assert app.process.poll() is None, "the app exited during the outage"
    assert set(live_load.outcomes) == {"200"}, f"/health/live/ outcomes: {live_load.outcomes}"
    assert live_load.outcomes["200"] > 50, "too little live traffic to call this 'under load'"


def test_page_requests_during_a_database_restart_get_503_not_500(
    own_cluster: PostgresCluster, migrated_env, launch_app
) -> None:
    env = migrated_env(own_cluster, "restart")
    app = launch_app(env)

    with BackgroundLoad(app.port, "/", clients=4) as page_load:
        time.sleep(0.5)
        own_cluster.stop("immediate")
        time.sleep(1.5)
        own_cluster.start()
        back = _seconds_until(lambda: get(app.port, "/").status == 200, 15)
        time.sleep(0.5)

    assert back is not None, "the page did not recover after the database came back"
    assert set(page_load.outcomes) <= {"200", "503"}, f"page outcomes: {page_load.outcomes}"
    assert page_load.outcomes["503"] > 0, f"the outage was never seen: {page_load.outcomes}"
    assert page_load.outcomes["200"] > 0
    assert "Traceback" not in app.output(), app.output()[-3000:]
