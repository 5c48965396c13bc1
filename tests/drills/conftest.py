"""Fixtures for the fault drills: the real app under gunicorn, as the image runs it, against
real PostgreSQL, with production settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.drills.app_process import AppProcess, start_app
from tests.drills.environment import manage, production_env_for
from tests.support.postgres import PostgresCluster


@pytest.fixture(scope="session")
def migrated_env(collected_static: None) -> Callable[[PostgresCluster, str], dict[str, str]]:
    """A fresh database on ``cluster`` with the migration job already run; its env."""

    def create(cluster: PostgresCluster, name: str) -> dict[str, str]:
        database = f"drill_{name}"
        cluster.psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        cluster.create_database(database)
        env = production_env_for(cluster, database)
        result = manage(env, "migrate_and_seed")
        assert result.returncode == 0, f"migrate_and_seed failed:\n{result.stderr}"
        return env

    return create


@pytest.fixture
def drill_env(postgres_cluster: PostgresCluster, migrated_env) -> dict[str, str]:
    return migrated_env(postgres_cluster, "config")


@pytest.fixture
def launch_app() -> Iterator[Callable[..., AppProcess]]:
    """Start the app (stopped at teardown); ``wait_ready=False`` for apps expected to fail."""
    started: list[AppProcess] = []

    def launch(env: dict[str, str], *, wait_ready: bool = True) -> AppProcess:
        app = start_app(env)
        started.append(app)
        if wait_ready:
            app.wait_for("/health/ready/", 200)
        return app

    yield launch
    for app in started:
        app.stop()


@pytest.fixture(scope="module")
def module_app(postgres_cluster: PostgresCluster, migrated_env) -> Iterator[AppProcess]:
    """One app for a module of read-only drills."""
    app = start_app(migrated_env(postgres_cluster, "shared"))
    app.wait_for("/health/ready/", 200)
    yield app
    app.stop()
