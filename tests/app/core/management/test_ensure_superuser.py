"""`manage.py ensure_superuser`: the first admin without a shell, idempotent."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client

from tests.support.gunicorn import APP_DIR

PASSWORD = "correct horse battery staple 42"


def _ensure(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    for name in (
        "DJANGO_SUPERUSER_USERNAME",
        "DJANGO_SUPERUSER_EMAIL",
        "DJANGO_SUPERUSER_PASSWORD",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(f"DJANGO_SUPERUSER_{name.upper()}", value)
    out = io.StringIO()
    call_command("ensure_superuser", stdout=out)
    return out.getvalue().strip()


def _can_open_admin(username: str, password: str) -> bool:
    client = Client()
    if not client.login(username=username, password=password):
        return False
    return client.get("/admin/", secure=True).status_code == 200


@pytest.mark.django_db
def test_creates_a_usable_admin_then_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"username": "admin", "email": "admin@shop.test", "password": PASSWORD}
    assert _ensure(monkeypatch, **env) == "superuser admin: created"
    admin = User.objects.get(username="admin")
    assert (admin.is_superuser, admin.is_staff, admin.email) == (True, True, "admin@shop.test")
    assert _can_open_admin("admin", PASSWORD)

    hashed = admin.password
    assert _ensure(monkeypatch, **env) == "superuser admin: unchanged"
    assert User.objects.get(username="admin").password == hashed


@pytest.mark.django_db
def test_rotated_secret_updates_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    _ensure(monkeypatch, username="admin", password=PASSWORD)
    rotated = PASSWORD + " rotated"
    assert _ensure(monkeypatch, username="admin", password=rotated) == (
        "superuser admin: updated: password"
    )
    assert _can_open_admin("admin", rotated)
    assert not _can_open_admin("admin", PASSWORD)


@pytest.mark.django_db
def test_an_existing_user_is_promoted(monkeypatch: pytest.MonkeyPatch) -> None:
    User.objects.create_user("ops", "old@shop.test", PASSWORD, is_active=False)
    assert _ensure(monkeypatch, username="ops", email="ops@shop.test", password=PASSWORD) == (
        "superuser ops: updated: is_active, is_staff, is_superuser, email"
    )
    assert _can_open_admin("ops", PASSWORD)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"username": "admin"}, "DJANGO_SUPERUSER_PASSWORD is not set"),
        ({"password": PASSWORD}, "DJANGO_SUPERUSER_USERNAME (or --username) is not set"),
        ({"username": "admin", "password": "12345678"}, "This password is too common."),
        ({"username": "admin", "password": "admin"}, "too similar to the username"),
    ],
)
def test_refusals_name_the_variable_and_create_nothing(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    with pytest.raises(CommandError) as failure:
        _ensure(monkeypatch, **env)
    assert message in str(failure.value)
    assert not User.objects.exists()


def test_as_the_migration_job_runs_it(production_env: dict[str, str]) -> None:
    env = {
        "PATH": os.environ["PATH"],
        **production_env,
        "DJANGO_SUPERUSER_USERNAME": "admin",
        "DJANGO_SUPERUSER_EMAIL": "admin@shop.test",
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
    }
    outputs = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "manage.py", "ensure_superuser"],
            cwd=APP_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert PASSWORD not in done.stdout + done.stderr
        outputs.append(done.stdout.strip())
    assert outputs == ["superuser admin: created", "superuser admin: unchanged"]
