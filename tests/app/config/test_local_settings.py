"""config.settings.local (`make run`): `.env` read, SQLite unless DB_HOST names a PostgreSQL,
plain-text logs."""

from __future__ import annotations

import logging.config
import os
import runpy
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured


def _load(monkeypatch: pytest.MonkeyPatch, env_file: Path | None = None, **env: str) -> dict:
    for name in list(os.environ):
        if name.startswith(("DJANGO_", "DB_")):
            monkeypatch.delenv(name)
    # Never the developer's own .env: a file the test writes, or none at all.
    monkeypatch.setenv("DJANGO_ENV_FILE", str(env_file or "/nonexistent/.env"))
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


def test_env_file_is_read_and_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# a comment\n\nexport DB_HOST=/run/pg\nDB_NAME='shop'\n"
        'DJANGO_SECRET_KEY="from-dotenv = with equals"\nDJANGO_LOG_LEVEL=warning\n'
    )
    settings = _load(monkeypatch, env_file, DB_NAME="from-environment")
    database = settings["DATABASES"]["default"]
    assert (database["HOST"], database["NAME"]) == ("/run/pg", "from-environment")
    assert settings["SECRET_KEY"] == "from-dotenv = with equals"
    assert settings["LOG_LEVEL"] == "WARNING"  # base saw .env too: it is read first


def test_a_malformed_env_line_names_file_and_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DJANGO_DEBUG=true\nnot a variable\n")
    with pytest.raises(ImproperlyConfigured, match=rf"{env_file}:2: expected NAME=value"):
        _load(monkeypatch, env_file)


def test_logs_are_plain_text_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _load(monkeypatch)
    logging.config.dictConfig(settings["LOGGING"])
    try:
        logging.getLogger("core.request").info("GET %s %s", "/health/live/", 200)
    finally:
        from django.conf import settings as project

        logging.config.dictConfig(project.LOGGING)
    line = capsys.readouterr().out.strip()
    assert line.endswith("INFO    core.request: GET /health/live/ 200")
    assert "{" not in line
