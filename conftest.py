"""Fixtures for every test tree: tests/ and the apps' own tests (app/<name>/tests.py, which
tests/conftest.py would not reach), so both share one throwaway PostgreSQL cluster.

pytest-django imports the settings before this file runs, so the cluster cannot be
chosen through the environment; instead ``django_db_modify_db_settings`` (the hook
pytest-django's ``django_db_setup`` calls before any connection) points the default
database at the cluster, mutating the settings dict in place.

Fixtures:
- ``postgres_cluster``: the running ``tests.support.postgres.PostgresCluster``.
- ``production_env``: environment for the app under production settings against a fresh,
  migrated and seeded database on that cluster (pass it to ``tests.support.gunicorn``).
- ``collected_static``: the image build's collectstatic, which the admin pages need.
Helpers (``migrate_database``, ``production_settings_env``) are in tests/conftest.py.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.conftest import migrate_database, with_path
from tests.support.environment import production_settings_env
from tests.support.gunicorn import APP_DIR
from tests.support.postgres import PostgresCluster


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster().start()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(postgres_cluster: PostgresCluster) -> None:
    from django.conf import settings

    env = postgres_cluster.env()
    settings.DATABASES["default"].update(
        HOST=env["DB_HOST"], PORT=env["DB_PORT"], USER=env["DB_USER"], NAME=env["DB_NAME"]
    )


@pytest.fixture
def production_env(postgres_cluster: PostgresCluster) -> dict[str, str]:
    """Production settings on a new database that the migration job has prepared."""
    name = f"app_{secrets.token_hex(4)}"
    postgres_cluster.create_database(name)
    env = production_settings_env(**postgres_cluster.env(name))
    result = migrate_database(with_path(env))
    assert result.returncode == 0, result.stderr  # noqa: S101
    return env


@pytest.fixture(scope="session")
def collected_static() -> None:
    """What the image build does before the runtime stage copies app/."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=APP_DIR,
        env=with_path(production_settings_env()),
        check=True,
        timeout=120,
    )
