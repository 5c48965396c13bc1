"""The image's exact CMD, run outside a container against real PostgreSQL."""

from __future__ import annotations

import requests

from tests.support.gunicorn import image_command, image_env, serve


def test_cmd_is_exec_form_gunicorn_with_the_config_file() -> None:
    assert image_command() == ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi"]
    assert image_env()["DJANGO_SETTINGS_MODULE"] == "config.settings.production"


def test_image_cmd_serves_both_health_endpoints(production_env: dict[str, str]) -> None:
    with serve(production_env) as server:
        live = requests.get(f"{server.url}/health/live/", timeout=5)
        ready = requests.get(f"{server.url}/health/ready/", timeout=5)
    assert live.status_code == 200, live.text
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "migrations": "ok"}
    assert server.stop() == 0
