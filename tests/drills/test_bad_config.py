"""Drill: the service started with missing or wrong configuration.

Either it refuses to start, fast, naming the variable (nothing left listening), or it starts
and reports not-ready naming the failed check, within a probe's patience. Unreachable
databases are simulated on this machine (tests/drills/unreachable.py): tests send packets
to 127.0.0.0/8 only.
"""

from __future__ import annotations

import socket
import time
from contextlib import ExitStack

import psycopg
import pytest

from tests.drills.traffic import get
from tests.drills.unreachable import LOOPBACK, UNRESOLVABLE_HOST, closed_port, silent_listener

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


# Readiness waits at most DB_POOL_TIMEOUT (1 s) for a connection, whatever the database
# does; the silent case's connect timeout is longer than this bound, so a readiness check
# that waited on the connect itself would fail the bound instead of passing by luck.
READY_WITHIN = 3.0
SILENT_CONNECT_TIMEOUT = 4


def _unreachable_database(case: str, stack: ExitStack) -> dict[str, str]:
    """DB_* overrides for ``case``; every address is on this machine (tests/drills/unreachable)."""
    if case == "unresolvable":
        return {"DB_HOST": UNRESOLVABLE_HOST}
    if case == "refused":
        return {"DB_HOST": LOOPBACK, "DB_PORT": str(closed_port())}
    port = stack.enter_context(silent_listener())
    return {
        "DB_HOST": LOOPBACK,
        "DB_PORT": str(port),
        "DB_CONNECT_TIMEOUT": str(SILENT_CONNECT_TIMEOUT),
    }


@pytest.mark.parametrize(
    ("case", "evidence"),
    [
        # What the app logs proves which failure it met, not just that readiness said 503.
        ("unresolvable", "failed to resolve host"),
        ("refused", "Connection refused"),
        ("silent", "connection timeout expired"),
    ],
)
def test_unreachable_database_reports_not_ready_naming_the_database(
    case: str, evidence: str, drill_env, launch_app
) -> None:
    with ExitStack() as stack:
        app = launch_app(drill_env | _unreachable_database(case, stack), wait_ready=False)
        app.wait_for("/health/live/", 200)

        started = time.monotonic()
        ready = get(app.port, "/health/ready/")
        elapsed = time.monotonic() - started

        assert ready.status == 503, f"{case}: /health/ready/ answered {ready.label}"
        assert b"database" in ready.body.lower(), f"{case}: body does not name it: {ready.body!r}"
        assert elapsed < READY_WITHIN, f"{case}: readiness took {elapsed:.1f} s; probes time out"
        assert get(app.port, "/health/live/").status == 200, f"{case}: live must not need the DB"
        _wait_for_output(app, evidence, timeout=SILENT_CONNECT_TIMEOUT + 6)
        assert app.process.poll() is None, f"{case}: the app exited:\n{app.output()[-4000:]}"


def _wait_for_output(app, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while text not in app.output():
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never logged in {timeout} s:\n{app.output()[-4000:]}")
        time.sleep(0.1)


def test_a_silent_database_is_given_up_on_after_the_connect_timeout() -> None:
    """The silent listener is a faithful stand-in: libpq waits out connect_timeout there,
    as for a host whose packets vanish, instead of being refused."""
    with silent_listener() as port:
        started = time.monotonic()
        with pytest.raises(psycopg.errors.ConnectionTimeout):
            psycopg.connect(host=LOOPBACK, port=port, user="app", dbname="app", connect_timeout=2)
        elapsed = time.monotonic() - started
    assert 1.9 <= elapsed < 4, f"libpq gave up after {elapsed:.2f} s, not connect_timeout=2"


def test_a_closed_port_refuses_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(psycopg.OperationalError, match="refused"):
        psycopg.connect(host=LOOPBACK, port=closed_port(), user="app", connect_timeout=2)
    assert time.monotonic() - started < 1, "a refused connection must fail without waiting"
