"""config/gunicorn.py: the numbers Cloud Run depends on."""

from __future__ import annotations

import runpy

import pytest

from tests.support.gunicorn import APP_DIR

CONFIG = APP_DIR / "config" / "gunicorn.py"


def test_defaults_suit_cloud_run(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PORT", "GUNICORN_WORKERS", "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    config = runpy.run_path(str(CONFIG))
    assert config["bind"] == ["0.0.0.0:8080"]
    assert config["worker_class"] == "gthread"
    assert config["timeout"] == 0
    # Cloud Run SIGKILLs 10 s after SIGTERM.
    assert 0 < config["graceful_timeout"] < 10
    assert config["accesslog"] is None


def test_port_workers_and_threads_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "9090")
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "16")
    config = runpy.run_path(str(CONFIG))
    assert (config["bind"], config["workers"], config["threads"]) == (["0.0.0.0:9090"], 3, 16)
