"""config/email.py: every accepted DJANGO_EMAIL_URL form, every refused one (one message
naming the variable and the accepted forms, never the password), and the settings each
environment derives from it."""

from __future__ import annotations

import os
import runpy
import sys
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.email import (
    CONSOLE_BACKEND,
    SMTP_BACKEND,
    TIMEOUT_SECONDS,
    EmailServer,
    email_settings,
    parse_email_url,
)
from tests.conftest import production_settings_env

PASSWORD = "Zq9-very-secret"


def _prod(url: str) -> EmailServer:
    return parse_email_url(url, allow_console=False, allow_plain_remote=False)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            f"smtp+starttls://apikey:{PASSWORD}@smtp.example.com:587",
            EmailServer(SMTP_BACKEND, "smtp.example.com", 587, "apikey", PASSWORD, use_tls=True),
        ),
        (  # the submission port is the default
            f"SMTP+STARTTLS://apikey:{PASSWORD}@smtp.example.com",
            EmailServer(SMTP_BACKEND, "smtp.example.com", 587, "apikey", PASSWORD, use_tls=True),
        ),
        (  # other STARTTLS ports some providers offer
            f"smtp+starttls://apikey:{PASSWORD}@smtp.example.com:2525",
            EmailServer(SMTP_BACKEND, "smtp.example.com", 2525, "apikey", PASSWORD, use_tls=True),
        ),
        (
            f"smtps://apikey:{PASSWORD}@smtp.example.com:465",
            EmailServer(SMTP_BACKEND, "smtp.example.com", 465, "apikey", PASSWORD, use_ssl=True),
        ),
        (
            f"smtps://apikey:{PASSWORD}@smtp.example.com",
            EmailServer(SMTP_BACKEND, "smtp.example.com", 465, "apikey", PASSWORD, use_ssl=True),
        ),
        (  # percent-encoded user and password, as a provider's generated ones need
            "smtps://me%40example.com:p%40ss%3Aw%2Fo%23rd%3F@smtp.example.com:465/",
            EmailServer(
                SMTP_BACKEND, "smtp.example.com", 465, "me@example.com", "p@ss:w/o#rd?", False, True
            ),
        ),
        (  # no credentials: a relay that authorises by network
            "smtp+starttls://relay.internal:587",
            EmailServer(SMTP_BACKEND, "relay.internal", 587, use_tls=True),
        ),
        (  # plain SMTP to a relay beside the app (a sidecar), port 25 included
            "smtp://127.0.0.1:1025",
            EmailServer(SMTP_BACKEND, "127.0.0.1", 1025),
        ),
        ("smtp://localhost", EmailServer(SMTP_BACKEND, "localhost", 25)),
        ("smtp://[::1]:2525", EmailServer(SMTP_BACKEND, "::1", 2525)),
    ],
)
def test_accepted_forms(url: str, expected: EmailServer) -> None:
    assert _prod(url) == expected


REFUSED = [
    ("https://smtp.example.com", "unknown scheme"),
    (f"apikey:{PASSWORD}@smtp.example.com:587", "unknown scheme"),
    ("console://", "local settings only"),
    (f"smtp://apikey:{PASSWORD}@smtp.example.com:587", "plain smtp:// to smtp.example.com"),
    (f"smtp+starttls://apikey:{PASSWORD}@smtp.example.com:25", "Google Cloud blocks"),
    (f"smtps://apikey:{PASSWORD}@smtp.example.com:25", "port 25"),
    (f"smtp+starttls://apikey:{PASSWORD}@smtp.example.com:465", "use smtps://"),
    (f"smtps://apikey:{PASSWORD}@smtp.example.com:587", "use smtp+starttls://"),
    ("smtps://apikey@smtp.example.com", "a user without a password"),
    (f"smtps://:{PASSWORD}@smtp.example.com", "a password without a user"),
    (f"smtps://apikey:{PASSWORD}@:465", "no host"),
    (f"smtps://apikey:{PASSWORD}@smtp.example.com:0", "port 0"),
    (f"smtps://apikey:{PASSWORD}@smtp.example.com:99999", "not a number from 1 to 65535"),
    # Unencoded '/', '#', '?' or ':' in the password: the pieces land in the port or the
    # path, and the message must echo none of them.
    (f"smtps://apikey:{PASSWORD}/x@smtp.example.com:465", "percent-encode"),
    (f"smtps://apikey:{PASSWORD}#x@smtp.example.com:465", "percent-encode"),
    (f"smtps://apikey:{PASSWORD}?x@smtp.example.com:465", "percent-encode"),
    (f"smtps://apikey:{PASSWORD}@smtp.example.com:465?timeout=5", "query"),
]


@pytest.mark.parametrize(("url", "problem"), REFUSED)
def test_refused_forms_say_why_and_what_is_right_without_the_password(
    url: str, problem: str
) -> None:
    with pytest.raises(ImproperlyConfigured) as refused:
        _prod(url)
    message = str(refused.value)
    assert message.startswith("DJANGO_EMAIL_URL "), message
    assert problem in message, message
    assert "smtp+starttls://user:password@host:587" in message, message
    assert "smtps://user:password@host:465" in message, message
    assert "Zq9" not in message, message  # not even a piece of the password


def test_local_settings_may_print_or_use_plain_smtp_anywhere() -> None:
    local = {"allow_console": True, "allow_plain_remote": True}
    assert parse_email_url("console://", **local) == EmailServer(CONSOLE_BACKEND)
    assert parse_email_url("smtp://mailpit:1025", **local).host == "mailpit"
    with pytest.raises(ImproperlyConfigured, match="Google Cloud blocks"):
        parse_email_url("smtp://mail.example.com:25", **local)


def test_the_password_stays_out_of_repr() -> None:
    server = _prod(f"smtps://apikey:{PASSWORD}@smtp.example.com")
    assert PASSWORD not in repr(server)


def _env(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    for name in ("DJANGO_EMAIL_URL", "DJANGO_DEFAULT_FROM_EMAIL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_production_without_a_url_has_no_mail_and_no_reset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _env(monkeypatch)
    assert email_settings(local=False) == {"PASSWORD_RESET_ENABLED": False}


def test_production_with_a_url_needs_a_sender(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, DJANGO_EMAIL_URL=f"smtps://apikey:{PASSWORD}@smtp.example.com")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEFAULT_FROM_EMAIL is not set"):
        email_settings(local=False)
    monkeypatch.setenv("DJANGO_DEFAULT_FROM_EMAIL", "no reply")
    with pytest.raises(ImproperlyConfigured, match="is not an e-mail address"):
        email_settings(local=False)
    monkeypatch.setenv("DJANGO_DEFAULT_FROM_EMAIL", "Acme <no-reply@acme.example>")
    derived = email_settings(local=False)
    assert derived["PASSWORD_RESET_ENABLED"] is True
    assert (
        derived["DEFAULT_FROM_EMAIL"] == derived["SERVER_EMAIL"] == "Acme <no-reply@acme.example>"
    )
    assert derived["EMAIL_TIMEOUT"] == TIMEOUT_SECONDS
    assert (derived["EMAIL_USE_SSL"], derived["EMAIL_USE_TLS"]) == (True, False)


def test_local_defaults_to_the_console(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch)
    derived = email_settings(local=True)
    assert derived["EMAIL_BACKEND"] == CONSOLE_BACKEND
    assert derived["PASSWORD_RESET_ENABLED"] is True
    assert derived["DEFAULT_FROM_EMAIL"] == "webmaster@localhost"


def _load(monkeypatch: pytest.MonkeyPatch, module: str, **env: str) -> dict[str, Any]:
    """Execute a settings module in process under ``env`` (as test_production_settings)."""
    for name in list(os.environ):
        if name.startswith(("DJANGO_", "DB_")):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delitem(sys.modules, "config.settings.base", raising=False)
    return runpy.run_module(module)


def test_production_settings_take_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _load(
        monkeypatch,
        "config.settings.production",
        **production_settings_env(
            DJANGO_EMAIL_URL=f"smtp+starttls://apikey:{PASSWORD}@smtp.example.com:587",
            DJANGO_DEFAULT_FROM_EMAIL="no-reply@acme.example",
        ),
    )
    assert settings["EMAIL_BACKEND"] == SMTP_BACKEND
    assert (settings["EMAIL_HOST"], settings["EMAIL_PORT"]) == ("smtp.example.com", 587)
    assert settings["EMAIL_HOST_PASSWORD"] == PASSWORD
    assert settings["PASSWORD_RESET_ENABLED"] is True
    assert settings["LOGIN_URL"] == "admin:login"


def test_local_settings_print_mail(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    settings = _load(
        monkeypatch, "config.settings.local", DJANGO_ENV_FILE=str(tmp_path / "missing.env")
    )
    assert settings["EMAIL_BACKEND"] == CONSOLE_BACKEND
    assert settings["PASSWORD_RESET_ENABLED"] is True
