"""Admin login throttling against the real app under gunicorn (2 workers: the counters
must be shared by the instance's processes, not kept per process)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.support.gunicorn import APP_DIR, GunicornServer, serve

ATTEMPTS_PER_USER = 5  # core/login_throttle.py DEFAULTS


@pytest.fixture
def server(production_env: dict[str, str], collected_static: None) -> Iterator[GunicornServer]:
    env = {**production_env, "GUNICORN_WORKERS": "2", "GUNICORN_THREADS": "4"}
    create = ["createsuperuser", "--noinput", "--username", "admin", "--email", "a@example.com"]
    subprocess.run(
        [sys.executable, "manage.py", *create],
        cwd=APP_DIR,
        env={**env, "PATH": "/usr/bin:/bin", "DJANGO_SUPERUSER_PASSWORD": "right-horse-battery"},
        check=True,
        capture_output=True,
    )
    with serve(env) as running:
        yield running


def _login(
    server: GunicornServer, username: str, password: str, *, client: str
) -> requests.Response:
    """One admin login as a browser does it: GET the form, POST it with its CSRF token."""
    # Cloud Run's front end appends the caller's address to X-Forwarded-For.
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": f"203.0.113.99, {client}"}
    form = requests.get(f"{server.url}/admin/login/", headers=headers, timeout=10)
    cookie = form.cookies["csrftoken"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert token, form.text[:500]
    return requests.post(
        f"{server.url}/admin/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token[1]},
        headers={
            **headers,
            "Cookie": f"csrftoken={cookie}",
            "Referer": "https://127.0.0.1/admin/login/",
        },
        allow_redirects=False,
        timeout=10,
    )


def test_guessing_one_user_from_one_address_gets_429_after_the_limit(
    server: GunicornServer,
) -> None:
    client = "198.51.100.7"
    statuses = [_login(server, "admin", f"guess-{n}", client=client).status_code for n in range(8)]

    assert statuses[:ATTEMPTS_PER_USER] == [200] * ATTEMPTS_PER_USER, statuses
    assert statuses[ATTEMPTS_PER_USER:] == [429] * 3, statuses
    throttled = _login(server, "admin", "right-horse-battery", client=client)
    assert throttled.status_code == 429, "the right password must not pass while throttled"
    assert int(throttled.headers["Retry-After"]) > 0
    # Another user from that address, and that user from another address, are not blocked.
    assert _login(server, "someone-else", "x", client=client).status_code == 200
    assert _login(server, "admin", "right-horse-battery", client="198.51.100.8").status_code == 302
    server.stop()
    warnings = [r for r in server.log_records() if r["logger"] == "core.login_throttle"]
    assert warnings, "throttling was not logged"
    assert all(r["severity"] == "WARNING" for r in warnings)
    assert "right-horse-battery" not in server.output()


def test_a_successful_login_clears_its_counter(server: GunicornServer) -> None:
    client = "198.51.100.9"
    for n in range(ATTEMPTS_PER_USER - 1):
        assert _login(server, "admin", f"typo-{n}", client=client).status_code == 200
    assert _login(server, "admin", "right-horse-battery", client=client).status_code == 302

    statuses = [_login(server, "admin", f"typo-{n}", client=client).status_code for n in range(5)]

    assert statuses == [200] * ATTEMPTS_PER_USER, statuses


def test_concurrent_guessers_get_exactly_the_limit_through(server: GunicornServer) -> None:
    # Issue 13: 16 concurrent guessers. The counters are shared by both workers and
    # counted under a lock, so no race lets extra guesses through.
    with ThreadPoolExecutor(16) as pool:
        statuses = list(
            pool.map(
                lambda n: _login(server, "admin", f"guess-{n}", client="198.51.100.50").status_code,
                range(48),
            )
        )

    assert statuses.count(200) == ATTEMPTS_PER_USER, statuses
    assert statuses.count(429) == 48 - ATTEMPTS_PER_USER, statuses
