"""core/password_reset.py in process: no enumeration, the throttle, CSRF before counting,
and no routes without e-mail (the gunicorn + browser proof is test_password_reset_flow.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client, override_settings

from core import password_reset

pytestmark = pytest.mark.django_db
RESET = "/password-reset/"


@pytest.fixture(autouse=True)
def own_counters(settings, tmp_path: Path) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "login_throttle": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "throttle"),
        },
    }
    settings.PASSWORD_RESET_THROTTLE = {
        "requests_per_ip": 4,
        "requests_per_address": 2,
        "window_seconds": 60,
    }


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.com", "x-Y-z-123456")


def _ask(client: Client, address: str, *, ip: str = "198.51.100.1") -> int:
    return client.post(RESET, {"email": address}, REMOTE_ADDR=ip).status_code


def test_known_and_unknown_addresses_get_the_same_answer(client: Client, admin_user) -> None:
    unknown = client.post(RESET, {"email": "nobody@example.com"})
    assert unknown.status_code == 302
    assert unknown["Location"] == "/password-reset/done/"
    assert mail.outbox == []

    known = client.post(RESET, {"email": "ADMIN@example.com"})
    assert (known.status_code, known["Location"]) == (302, "/password-reset/done/")
    (sent,) = mail.outbox
    assert sent.to == ["admin@example.com"]
    # The test client is plain HTTP; over https (Cloud Run) the link is https (the flow test).
    assert re.search(r"http://testserver/password-reset/[^/]+/[^/]+/", str(sent.body)), sent.body


def test_the_login_page_links_to_the_reset(client: Client) -> None:
    assert 'href="/password-reset/"' in client.get("/admin/login/").text


def test_past_the_per_address_limit_nothing_is_sent(client: Client, admin_user) -> None:
    ips = ("198.51.100.1", "198.51.100.2", "198.51.100.3")
    statuses = [_ask(client, "admin@example.com", ip=ip) for ip in ips]

    assert statuses == [302, 302, 429]
    assert len(mail.outbox) == 2


def test_past_the_per_ip_limit_the_answer_is_429(client: Client) -> None:
    statuses = [_ask(client, f"user{n}@example.com") for n in range(5)]

    assert statuses == [302] * 4 + [429]
    response = client.post(RESET, {"email": "x@example.com"}, REMOTE_ADDR="198.51.100.1")
    assert response["Retry-After"] == "60"
    assert _ask(client, "user9@example.com", ip="198.51.100.9") == 302  # another caller


def test_a_forged_post_is_refused_before_it_counts() -> None:
    forger = Client(enforce_csrf_checks=True)
    assert [_ask(forger, "a@example.com") for _ in range(6)] == [403] * 6
    assert _ask(Client(), "b@example.com") == 302  # that IP (limit 4) was not charged


def test_without_email_there_are_no_routes() -> None:
    with override_settings(PASSWORD_RESET_ENABLED=False):
        assert password_reset.urlpatterns() == []
    names = {pattern.name for pattern in password_reset.urlpatterns()}
    assert names == {
        "admin_password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
    }
