"""config.settings.production: what it demands, what it derives, and check --deploy."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.conftest import production_settings_env
from tests.support.gunicorn import APP_DIR

MODULE = "config.settings.production"


def _load(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    """Execute the settings module in process (so coverage sees it) under ``env``."""
    for name in list(os.environ):
        if name.startswith(("DJANGO_", "DB_", "GUNICORN_")):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # Re-read base too: it was imported once already, under the test environment.
    monkeypatch.delitem(sys.modules, "config.settings.base", raising=False)
    return runpy.run_module(MODULE)


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=APP_DIR,
        env={"PATH": os.environ["PATH"], "LANG": "C.UTF-8", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_secure_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _load(monkeypatch, **production_settings_env())
    assert settings["DEBUG"] is False
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SECURE_HSTS_SECONDS"] == 31_536_000
    assert settings["SESSION_COOKIE_SECURE"]
    assert settings["CSRF_COOKIE_SECURE"]
    assert settings["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert settings["ALLOWED_HOSTS"] == ["testserver", "localhost", "127.0.0.1"]
    storage = settings["STORAGES"]["staticfiles"]["BACKEND"]
    assert storage == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_every_knob_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    old_key = "o" * 20 + "ld-key-" + "x" * 30
    settings = _load(
        monkeypatch,
        **production_settings_env(
            DJANGO_SECRET_KEY_FALLBACKS=old_key,
            DJANGO_SECURE_SSL_REDIRECT="false",
            DJANGO_SECURE_HSTS_SECONDS="60",
            DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="no",
            DJANGO_SECURE_HSTS_PRELOAD="0",
            DJANGO_SECURE_COOKIES="off",
            DJANGO_SECURE_PROXY_SSL_HEADER="false",
            DJANGO_DEBUG="true",
            DJANGO_LOG_LEVEL="warning",
        ),
    )
    assert settings["SECRET_KEY_FALLBACKS"] == [old_key]
    assert settings["SECURE_SSL_REDIRECT"] is False
    assert settings["SECURE_HSTS_SECONDS"] == 60
    assert settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert settings["SECURE_HSTS_PRELOAD"] is False
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert "SECURE_PROXY_SSL_HEADER" not in settings
    assert settings["DEBUG"] is True
    assert settings["LOGGING"]["root"]["level"] == "WARNING"


def test_pool_sized_from_threads_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _load(monkeypatch, **production_settings_env(GUNICORN_THREADS="4"))
    database = settings["DATABASES"]["default"]
    assert database["OPTIONS"]["pool"]["max_size"] == 4
    assert database["CONN_MAX_AGE"] == 0
    assert database["CONN_HEALTH_CHECKS"] is True
    assert settings["DB_POOL_MAX_SIZE"] == 4
    settings = _load(monkeypatch, **production_settings_env(DB_POOL_MAX_SIZE="3"))
    assert settings["DATABASES"]["default"]["OPTIONS"]["pool"]["max_size"] == 3
    assert settings["DB_POOL_MAX_SIZE"] == 3


@pytest.mark.parametrize(
    ("missing", "variable"),
    [
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY is not set"),
        ({"DJANGO_SECRET_KEY": "django-insecure-" + "x" * 50}, "DJANGO_SECRET_KEY is not a real"),
        ({"DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY is not a real"),
        ({"DJANGO_SECRET_KEY_FALLBACKS": "weak"}, "DJANGO_SECRET_KEY_FALLBACKS is not a real"),
        ({"DJANGO_ALLOWED_HOSTS": " , "}, "DJANGO_ALLOWED_HOSTS is not set"),
        ({"DJANGO_CSRF_TRUSTED_ORIGINS": "example.com"}, "DJANGO_CSRF_TRUSTED_ORIGINS has"),
        ({"DB_HOST": ""}, "DB_HOST is not set"),
        ({"DJANGO_SECURE_SSL_REDIRECT": "maybe"}, "DJANGO_SECURE_SSL_REDIRECT='maybe'"),
        ({"DJANGO_SECURE_HSTS_SECONDS": "a year"}, "DJANGO_SECURE_HSTS_SECONDS='a year'"),
        ({"DB_POOL_MAX_SIZE": "0"}, "DB_POOL_MAX_SIZE=0 is below the minimum 1"),
        ({"DB_POOL_TIMEOUT": "soon"}, "DB_POOL_TIMEOUT='soon' is not a number"),
        ({"DB_POOL_TIMEOUT": "-1"}, "DB_POOL_TIMEOUT=-1.0 must be positive"),
    ],
)
def test_refuses_bad_configuration_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, missing: dict[str, str], variable: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=variable):
        _load(monkeypatch, **production_settings_env(**missing))


def test_process_refuses_to_start_without_a_secret_key() -> None:
    env = production_settings_env()
    del env["DJANGO_SECRET_KEY"]
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_check_deploy_is_clean_under_production_settings() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=production_settings_env())
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_when_a_protection_is_turned_off() -> None:
    # The clean result above means something only if the same check can fail.
    env = production_settings_env(DJANGO_SECURE_HSTS_SECONDS="0")
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "security.W004" in result.stderr
