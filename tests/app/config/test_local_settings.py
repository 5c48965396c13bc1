"""config.settings.local (`make run`): SQLite unless DB_HOST names a PostgreSQL."""

from __future__ import annotations

import os
import runpy
import sys

import pytest


def _load(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict:
    for name in list(os.environ):
        if name.startswith(("DJANGO_", "DB_")):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # Re-read base too: it was imported once already, under the test environment.
    monkeypatch.delitem(sys.modules, "config.settings.base", raising=False)
    return runpy.run_module("config.settings.local")


def test_embedded_sqlite_when_no_database_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _load(monkeypatch)
    database = settings["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"].parent.name == ".local"
    assert settings["DEBUG"] is True


def test_postgresql_when_db_host_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _load(monkeypatch, DB_HOST="/cloudsql/p:r:i", DB_NAME="shop")
    database = settings["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["NAME"]) == ("/cloudsql/p:r:i", "shop")
    assert "pool" in database["OPTIONS"]
