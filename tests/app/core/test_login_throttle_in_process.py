"""core/login_throttle.py in process (the gunicorn proof is tests/app/test_login_throttle.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def own_counters(settings, tmp_path: Path) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "login_throttle": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "throttle"),
        },
    }
    settings.LOGIN_THROTTLE = {"attempts_per_user": 3, "attempts_per_ip": 5, "window_seconds": 60}


def _post(client: Client, username: str, password: str | None = None) -> int:
    data = {"username": username, "password": password or "a-wrong-guess"}
    return client.post("/admin/login/", data).status_code


def test_past_the_per_user_limit_the_answer_is_429(client: Client) -> None:
    assert [_post(client, "admin") for _ in range(4)] == [200, 200, 200, 429]
    response = client.post("/admin/login/", {"username": "admin", "password": "x"})
    assert response["Retry-After"] == "60"


def test_rotating_usernames_hits_the_per_address_limit(client: Client) -> None:
    assert [_post(client, f"user{n}") for n in range(6)] == [200] * 5 + [429]


def test_success_clears_the_user_counter(client: Client, django_user_model) -> None:
    django_user_model.objects.create_superuser("boss", "boss@example.com", "right-pass-123")
    assert [_post(client, "boss") for _ in range(2)] == [200, 200]
    assert _post(client, "boss", "right-pass-123") == 302
    client.logout()
    assert _post(client, "boss") == 200  # would be 429 had the counter kept its 3


def test_gets_and_other_posts_are_not_counted(client: Client) -> None:
    for _ in range(5):
        assert client.get("/admin/login/").status_code == 200
        assert client.post("/").status_code == 405
    assert _post(client, "admin") == 200


def test_a_cache_without_files_counts_without_a_lock(client: Client, settings) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "login_throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    assert [_post(client, "admin") for _ in range(4)] == [200, 200, 200, 429]
