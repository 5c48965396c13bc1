"""What config/email.py derives really talks to an SMTP server: STARTTLS with certificate
verification, AUTH with a percent-decoded password, implicit TLS, and the timeout."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend

from config.email import parse_email_url
from tests.support.gunicorn import free_port
from tests.support.tls_front import self_signed_certificate

USER, PASSWORD = "apikey@example.com", "p@ss:w/o#rd"  # needs percent-encoding in a URL
ENCODED = "apikey%40example.com:p%40ss%3Aw%2Fo%23rd"


class Inbox:
    def __init__(self) -> None:
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: object, session: object, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok)


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path)


@pytest.fixture
def starttls_server(certificate: tuple[Path, Path]) -> Iterator[tuple[Inbox, int]]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    inbox, port = Inbox(), free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticate,
        auth_required=True,
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _send(url: str) -> int:
    server = parse_email_url(url, allow_console=False, allow_plain_remote=False)
    backend = EmailBackend(
        host=server.host,
        port=server.port,
        username=server.user,
        password=server.password,
        use_tls=server.use_tls,
        use_ssl=server.use_ssl,
        timeout=server.settings()["EMAIL_TIMEOUT"],
        fail_silently=False,
    )
    message = EmailMessage("hi", "body", "no-reply@acme.example", ["admin@example.com"])
    return backend.send_messages([message])


def test_starttls_verifies_the_certificate_and_logs_in(
    starttls_server: tuple[Inbox, int],
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, port = starttls_server
    url = f"smtp+starttls://{ENCODED}@127.0.0.1:{port}"
    # Django's default context trusts the system's CAs: a self-signed server is refused.
    with pytest.raises(ssl.SSLCertVerificationError):
        _send(url)
    assert inbox.recipients == []

    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # now the CA is trusted
    # The server takes mail only after AUTH with exactly USER/PASSWORD (percent-decoded).
    assert _send(url) == 1
    assert inbox.recipients == [["admin@example.com"]]


def test_a_silent_server_costs_the_timeout_not_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that accepts and never greets: the send fails after EMAIL_TIMEOUT."""
    monkeypatch.setattr("config.email.TIMEOUT_SECONDS", 1)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(TimeoutError):
            _send(f"smtps://{ENCODED}@127.0.0.1:{port}")
