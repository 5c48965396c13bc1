"""The admin job end to end, as far as this machine goes: the command and environment the
mocked program declares for `<service>-admin` run against a real PostgreSQL (migrated as
the migration job would), with each secret reference resolved the way Cloud Run resolves
it; then the admin logs in to the real app under gunicorn. Only the Cloud SQL socket is
swapped for the local cluster's."""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from mock_run import run_program
from tests.infra.conftest import JOB, env_of
from tests.support.gunicorn import APP_DIR, GunicornServer, serve

USERNAME, EMAIL = "site.admin", "ops@acme.example"
FIRST, SECOND = "correct-horse-battery-staple-41", "tr0ubadour-and-3-more-words"
# Where Cloud Run's /cloudsql mount points, on this machine: the throwaway cluster.
DATABASE_LOCATION = ("DB_HOST", "DB_PORT", "DB_NAME", "DB_USER")


@pytest.fixture(scope="module")
def declared() -> tuple[list[str], dict[str, Any]]:
    """(command, env) of the admin job in prod's program with firstAdmin set."""
    run = run_program("prod", {"firstAdmin": {"username": USERNAME, "email": EMAIL}})
    (job,) = [j for j in run.of_type(JOB) if j.inputs["name"] == run.outputs["adminJobName"]]
    (container,) = job.inputs["template"]["template"]["containers"]
    return [*container["commands"], *container["args"]], env_of(container)


class Versions:
    """Secret Manager as the job sees it: (secret, version) -> value; `latest` is the newest."""

    def __init__(self, database_password: str) -> None:
        self.values: dict[str, list[str]] = {
            "django-secret-key": [secrets.token_urlsafe(50)],  # the program's version "1"
            "db-password": [database_password],
            "django-superuser-password": [],
        }

    def add(self, secret: str, value: str) -> None:
        self.values[secret].append(value)

    def resolve(self, ref: dict[str, str]) -> str:
        versions = self.values[ref["secret"]]
        if ref["version"] == "latest":
            return versions[-1]
        return versions[int(ref["version"]) - 1]


def run_declared(
    command: list[str], env: dict[str, Any], versions: Versions, database: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run the job's container command as Cloud Run would, on this machine's database."""
    assert command[0] == "python"
    assert set(DATABASE_LOCATION) <= set(env)
    resolved = {
        name: versions.resolve(value) if isinstance(value, dict) else value
        for name, value in env.items()
    }
    resolved |= {key: database[key] for key in DATABASE_LOCATION}
    return subprocess.run(
        [sys.executable, *command[1:]],
        cwd=APP_DIR,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **resolved},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def server(production_env: dict[str, str], collected_static: None) -> Iterator[GunicornServer]:
    with serve(production_env) as running:
        yield running


def login(server: GunicornServer, password: str, client: str) -> int:
    """One admin login as a browser does it; 302 is in, 200 is the form again."""
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": client}
    form = requests.get(f"{server.url}/admin/login/", headers=headers, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert token, form.text[:500]
    answer = requests.post(
        f"{server.url}/admin/login/",
        data={"username": USERNAME, "password": password, "csrfmiddlewaretoken": token[1]},
        headers={
            **headers,
            "Cookie": f"csrftoken={form.cookies['csrftoken']}",
            "Referer": "https://127.0.0.1/admin/login/",
        },
        allow_redirects=False,
        timeout=10,
    )
    return answer.status_code


def test_declared_job_creates_the_admin_keeps_it_and_resets_its_password(
    declared: tuple[list[str], dict[str, Any]],
    production_env: dict[str, str],
    server: GunicornServer,
) -> None:
    command, env = declared
    assert command == ["python", "manage.py", "ensure_superuser"]
    versions = Versions(database_password=production_env.get("DB_PASSWORD", ""))

    versions.add("django-superuser-password", FIRST)
    first = run_declared(command, env, versions, production_env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"superuser {USERNAME}: created"
    assert login(server, FIRST, "198.51.100.21") == 302
    assert login(server, "not-the-password", "198.51.100.22") == 200

    again = run_declared(command, env, versions, production_env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == f"superuser {USERNAME}: unchanged"

    # Locked out (RUNBOOK): a new version and a rerun; `latest` picks it up.
    versions.add("django-superuser-password", SECOND)
    reset = run_declared(command, env, versions, production_env)
    assert reset.returncode == 0, reset.stderr
    assert reset.stdout.strip() == f"superuser {USERNAME}: updated: password"
    assert login(server, SECOND, "198.51.100.23") == 302
    assert login(server, FIRST, "198.51.100.24") == 200
    for result in (first, again, reset):
        assert FIRST not in result.stdout + result.stderr
        assert SECOND not in result.stdout + result.stderr


def test_a_password_django_refuses_fails_the_execution(
    declared: tuple[list[str], dict[str, Any]], production_env: dict[str, str]
) -> None:
    command, env = declared
    versions = Versions(database_password=production_env.get("DB_PASSWORD", ""))
    versions.add("django-superuser-password", "31415926")  # short, common, all digits
    refused = run_declared(command, env, versions, production_env)
    assert refused.returncode != 0
    assert "DJANGO_SUPERUSER_PASSWORD refused" in refused.stderr
    assert "31415926" not in refused.stdout + refused.stderr
