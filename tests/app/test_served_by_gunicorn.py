"""The app as Cloud Run runs it: the image's CMD, production settings, real PostgreSQL."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator

import pytest
import requests

from tests.conftest import migrate_database, production_settings_env
from tests.support.gunicorn import GunicornServer, serve
from tests.support.postgres import PostgresCluster

HTTPS = {"X-Forwarded-Proto": "https"}


@pytest.fixture
def server(production_env: dict[str, str], collected_static: None) -> Iterator[GunicornServer]:
    with serve({**production_env, "GOOGLE_CLOUD_PROJECT": "demo-project"}) as running:
        yield running


def test_admin_login_and_its_css_are_served_with_long_cache_headers(
    server: GunicornServer,
) -> None:
    login = requests.get(f"{server.url}/admin/login/", headers=HTTPS, timeout=5)
    assert login.status_code == 200
    assert "Strict-Transport-Security" in login.headers
    css_path = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', login.text)
    assert css_path, login.text
    css = requests.get(
        f"{server.url}{css_path[1]}", headers={**HTTPS, "Accept-Encoding": "gzip"}, timeout=5
    )
    assert css.status_code == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert css.headers["Content-Encoding"] == "gzip"
    assert "max-age=315360000" in css.headers["Cache-Control"]
    assert "immutable" in css.headers["Cache-Control"]


def test_only_the_health_paths_skip_host_and_https_checks(server: GunicornServer) -> None:
    probe = {"Host": "169.254.1.1:8080"}  # plain HTTP, a host nobody listed
    for path in ("/health/live/", "/health/ready/"):
        response = requests.get(
            f"{server.url}{path}", headers=probe, allow_redirects=False, timeout=5
        )
        assert response.status_code == 200, (path, response.text)
    assert requests.get(f"{server.url}/admin/login/", headers=probe, timeout=5).status_code == 400
    assert requests.get(f"{server.url}/health/live", headers=probe, timeout=5).status_code == 400
    plain = requests.get(f"{server.url}/admin/login/", allow_redirects=False, timeout=5)
    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://")


def test_request_logs_carry_the_trace_and_no_secrets(server: GunicornServer) -> None:
    trace = "0af7651916cd43dd8448eb211c80319c"
    response = requests.get(
        f"{server.url}/admin/login/?password=qwerty",
        headers={
            **HTTPS,
            "traceparent": f"00-{trace}-b7ad6b7169203331-01",
            "Authorization": "Bearer very-secret-token",
            "Cookie": "sessionid=very-secret-session",
        },
        timeout=5,
    )
    assert response.headers["x-trace-id"] == trace
    server.stop()
    [line] = [r for r in server.log_records() if r.get("trace_id") == trace]
    assert line["logging.googleapis.com/trace"] == f"projects/demo-project/traces/{trace}"
    assert line["httpRequest"]["status"] == 200
    for secret in ("qwerty", "very-secret-token", "very-secret-session"):
        assert secret not in server.output()
    # gunicorn's own lines (boot, shutdown) are JSON too, so Cloud Logging parses them.
    assert any(r["logger"] == "gunicorn.error" for r in server.log_records())


def _ready(server: GunicornServer) -> tuple[int, dict, float]:
    started = time.monotonic()
    response = requests.get(f"{server.url}/health/ready/", timeout=10)
    return response.status_code, response.json(), time.monotonic() - started


def test_ready_follows_a_database_outage_without_a_restart(collected_static: None) -> None:
    # Its own cluster: stopping the session's would break every other test.
    cluster = PostgresCluster().start()
    try:
        env = production_settings_env(**cluster.env())
        assert migrate_database({"PATH": os.environ["PATH"], **env}).returncode == 0
        with serve(env) as server:
            assert _ready(server)[0] == 200
            cluster.stop("immediate")
            status, body, seconds = _ready(server)
            assert (status, body["failed"]) == (503, ["database"])
            assert seconds < 4, f"503 took {seconds:.1f}s"
            assert requests.get(f"{server.url}/health/live/", timeout=5).status_code == 200

            cluster.start()
            back_at = time.monotonic()
            while _ready(server)[0] != 200:
                assert time.monotonic() - back_at < 15, "not ready 15 s after the database"
                time.sleep(0.2)
            assert server.returncode is None
    finally:
        cluster.destroy()
