from __future__ import annotations

import pytest


def test_wsgi_application_is_what_gunicorn_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    # Importing config.wsgi defaults the web timeouts in os.environ: undone after the test,
    # so manage.py subprocesses started later do not inherit them.
    for name in ("DB_STATEMENT_TIMEOUT_MS", "DB_LOCK_TIMEOUT_MS"):
        monkeypatch.delenv(name, raising=False)
    from config.wsgi import application

    assert callable(application)
