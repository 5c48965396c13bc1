"""Drill: the service started with missing or wrong configuration.

Either it refuses to start, fast, naming the variable (nothing left listening), or it starts
and reports not-ready naming the failed check, within a probe's patience.
"""

from __future__ import annotations

import socket
import time

import pytest

from tests.drills.traffic import get

pytestmark = pytest.mark.slow


def _port_is_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DJANGO_SECRET_KEY", None),
        ("DJANGO_SECRET_KEY", "too-short"),
        ("DJANGO_ALLOWED_HOSTS", None),
        ("DB_HOST", None),
    ],
)
def test_missing_or_invalid_setting_fails_fast_naming_the_variable(
    variable: str, value: str | None, drill_env, launch_app
) -> None:
    env = dict(drill_env)
    env.pop(variable)
    if value is not None:
        env[variable] = value

    started = time.monotonic()
    app = launch_app(env, wait_ready=False)
    code = app.process.wait(timeout=30)
    elapsed = time.monotonic() - started

    assert code != 0, f"the app started without a valid {variable}"
    assert elapsed < 15, f"took {elapsed:.1f} s to give up; a bad config must fail fast"
    assert variable in app.output(), f"the error does not name {variable}:\n{app.output()}"
    assert _port_is_closed(app.port), "something is still listening after the failed start"


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        ({"DB_HOST": "db.invalid"}, "a host name that does not resolve"),
        ({"DB_HOST": "127.0.0.1", "DB_PORT": "1"}, "a host with nothing listening"),
        ({"DB_HOST": "192.0.2.1", "DB_CONNECT_TIMEOUT": "2"}, "an unroutable host (TEST-NET-1)"),
    ],
)
def test_unreachable_database_reports_not_ready_naming_the_database(
    overrides: dict[str, str], why: str, drill_env, launch_app
) -> None:
    app = launch_app(drill_env | overrides, wait_ready=False)
    app.wait_for("/health/live/", 200)

    started = time.monotonic()
    ready = get(app.port, "/health/ready/")
    elapsed = time.monotonic() - started

    assert ready.status == 503, f"{why}: /health/ready/ answered {ready.label}"
    assert b"database" in ready.body.lower(), f"{why}: body does not name it: {ready.body!r}"
    assert elapsed < 8, f"{why}: readiness took {elapsed:.1f} s; probes time out"
    assert get(app.port, "/health/live/").status == 200, f"{why}: live must not depend on the DB"
