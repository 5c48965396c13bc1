"""Session-wide fixtures: one throwaway PostgreSQL cluster for the whole test run.

pytest-django imports the settings before this file runs, so the cluster cannot be
chosen through the environment; instead ``django_db_modify_db_settings`` (the hook
pytest-django's ``django_db_setup`` calls before any connection) points the default
database at the cluster, mutating the settings dict in place.

Fixtures other areas may use:
- ``postgres_cluster``: the running ``tests.support.postgres.PostgresCluster``.
- ``production_env``: environment for the app under production settings against a fresh,
  migrated and seeded database on that cluster (pass it to ``tests.support.gunicorn``).
- ``collected_static``: the image build's collectstatic, which the admin pages need.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.support.environment import production_settings_env
from tests.support.gunicorn import APP_DIR
from tests.support.postgres import PostgresCluster

__all__ = ["migrate_database", "production_settings_env"]


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


def migrate_database(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`manage.py migrate_and_seed` in a subprocess, as the migration job runs it."""
    return subprocess.run(
        [sys.executable, "manage.py", "migrate_and_seed", "--verbosity", "0"],
        cwd=APP_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def production_env(postgres_cluster: PostgresCluster) -> dict[str, str]:
    """Production settings on a new database that the migration job has prepared."""
    name = f"app_{secrets.token_hex(4)}"
    postgres_cluster.create_database(name)
    env = production_settings_env(**postgres_cluster.env(name))
    result = migrate_database(_with_path(env))
    assert result.returncode == 0, result.stderr
    return env


def _with_path(env: dict[str, str]) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", **env}


@pytest.fixture(scope="session")
def collected_static() -> None:
    """What the image build does before the runtime stage copies app/."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=APP_DIR,
        env=_with_path(production_settings_env()),
        check=True,
        timeout=120,
    )
