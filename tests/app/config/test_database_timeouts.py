"""config/database.py: statement and lock timeouts, per connection, from the environment."""

from __future__ import annotations

import psycopg
import pytest
from django.core.exceptions import ImproperlyConfigured

from config.database import WEB_TIMEOUTS, apply_web_timeouts, postgres_database, session_options
from tests.support.postgres import PostgresCluster


def test_no_limits_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in WEB_TIMEOUTS:
        monkeypatch.delenv(name, raising=False)
    assert session_options() == "-c statement_timeout=0 -c lock_timeout=0"


def test_the_web_process_defaults_and_the_environment_wins() -> None:
    environ = {"DB_LOCK_TIMEOUT_MS": "750"}
    apply_web_timeouts(environ)
    assert environ == {"DB_LOCK_TIMEOUT_MS": "750", "DB_STATEMENT_TIMEOUT_MS": "15000"}


def test_a_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_LOCK_TIMEOUT_MS", "3s")
    with pytest.raises(ImproperlyConfigured, match="DB_LOCK_TIMEOUT_MS"):
        session_options()


def test_postgres_applies_them_to_the_session(
    postgres_cluster: PostgresCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT_MS", "1234")
    monkeypatch.setenv("DB_LOCK_TIMEOUT_MS", "567")
    options = postgres_database(pool=False)["OPTIONS"]["options"]
    env = postgres_cluster.env()
    conninfo = f"host={env['DB_HOST']} port={env['DB_PORT']} user={env['DB_USER']} dbname=postgres"
    with psycopg.connect(conninfo, options=options) as connection:
        statement = connection.execute("SHOW statement_timeout").fetchone()
        lock = connection.execute("SHOW lock_timeout").fetchone()
    assert (statement, lock) == (("1234ms",), ("567ms",))
