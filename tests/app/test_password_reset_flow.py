"""The admin's password reset end to end, with nothing faked: gunicorn under production
settings, real PostgreSQL, a real SMTP server (aiosmtpd) on 127.0.0.1, a TLS front that
does what Cloud Run's does (https, X-Forwarded-Proto), and headless Chromium clicking
through the pages under the production CSP."""

from __future__ import annotations

import http.server
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message

import pytest
import requests
from aiosmtpd.controller import Controller

from tests.support.browser import chromium_path
from tests.support.cdp import Chromium, Tab
from tests.support.gunicorn import APP_DIR, GunicornServer, free_port, serve
from tests.support.tls_front import tls_front

ADMIN_EMAIL = "admin@example.com"
OLD_PASSWORD = "old-horse-battery-staple"
NEW_PASSWORD = "new-Correct-horse-42"
needs_chromium = pytest.mark.skipif(
    chromium_path() is None, reason="chromium is not installed (apt-get install -y chromium)"
)


@dataclass
class Mailbox:
    """What the SMTP server accepted: (recipients, message) per mail."""

    mails: list[tuple[list[str], Message]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: object, session: object, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        with self.lock:
            self.mails.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"

    def received(self) -> list[tuple[list[str], Message]]:
        with self.lock:
            return list(self.mails)


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def _with_admin(env: dict[str, str]) -> None:
    create = ["createsuperuser", "--noinput", "--username", "admin", "--email", ADMIN_EMAIL]
    subprocess.run(
        [sys.executable, "manage.py", *create],
        cwd=APP_DIR,
        env={**env, "PATH": "/usr/bin:/bin", "DJANGO_SUPERUSER_PASSWORD": OLD_PASSWORD},
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.fixture
def mailing_server(
    production_env: dict[str, str], collected_static: None, smtp_server: tuple[Mailbox, int]
) -> Iterator[GunicornServer]:
    env = {
        **production_env,
        "DJANGO_EMAIL_URL": f"smtp://127.0.0.1:{smtp_server[1]}",
        "DJANGO_DEFAULT_FROM_EMAIL": "Acme <no-reply@acme.example>",
    }
    _with_admin(env)
    with serve(env) as running:
        yield running


def _request_reset(tab: Tab, front: str, address: str) -> None:
    tab.goto(f"{front}/password-reset/")
    tab.fill("#id_email", address)
    tab.submit("form")
    assert tab.url == f"{front}/password-reset/done/", tab.dom[:2000]


@needs_chromium
def test_a_forgotten_admin_password_is_reset_through_the_mailed_https_link(
    mailing_server: GunicornServer, smtp_server: tuple[Mailbox, int]
) -> None:
    mailbox = smtp_server[0]
    with (
        tls_front(mailing_server.port) as front,
        Chromium(ignore_certificate_errors=True) as browser,
    ):
        tab = browser.new_tab()
        tab.goto(f"{front}/admin/login/")
        assert 'href="/password-reset/"' in tab.dom, tab.dom[:3000]
        tab.click(".password-reset-link a")
        assert tab.url == f"{front}/password-reset/"

        # An unknown address: the same page, and no mail (nothing tells the two apart).
        _request_reset(tab, front, "nobody@example.com")
        assert mailbox.received() == []

        _request_reset(tab, front, ADMIN_EMAIL)
        (recipients, mail), *others = mailbox.received()
        assert others == []
        assert recipients == [ADMIN_EMAIL]
        assert mail["From"] == "Acme <no-reply@acme.example>"
        payload = mail.get_payload(decode=True)
        assert isinstance(payload, bytes), mail
        body = payload.decode()
        links = re.findall(r"https?://\S+/password-reset/\S+/", body)
        assert links, body
        assert links[0].startswith(f"{front}/password-reset/"), links  # https, this host

        tab.goto(links[0])  # Django moves the token out of the URL: .../set-password/
        assert tab.url.endswith("/set-password/"), tab.dom[:2000]
        tab.fill("#id_new_password1", NEW_PASSWORD)
        tab.fill("#id_new_password2", NEW_PASSWORD)
        tab.submit("form")
        assert tab.url == f"{front}/password-reset/complete/", tab.dom[:2000]
        assert 'href="/admin/login/"' in tab.dom  # LOGIN_URL: the admin's login

        tab.goto(f"{front}/admin/login/")
        tab.fill("#id_username", "admin")
        tab.fill("#id_password", NEW_PASSWORD)
        tab.submit("#login-form")
        assert tab.url == f"{front}/admin/", tab.dom[:2000]
        assert "Site administration" in tab.dom
        assert tab.csp_violations == []

        # The link is single use: the password it set changed the token's inputs.
        tab.goto(links[0])
        assert "The password reset link was invalid" in tab.dom, tab.dom[:2000]

    mailing_server.stop()
    assert NEW_PASSWORD not in mailing_server.output()


def test_without_email_there_is_no_reset_to_offer(
    production_env: dict[str, str], collected_static: None
) -> None:
    https = {"X-Forwarded-Proto": "https"}
    with serve(production_env) as server:
        login = requests.get(f"{server.url}/admin/login/", headers=https, timeout=10)
        assert login.status_code == 200
        assert 'id="login-form"' in login.text
        assert "password-reset" not in login.text
        for path in ("/password-reset/", "/password-reset/done/", "/password-reset/MQ/x-y/"):
            response = requests.get(
                f"{server.url}{path}", headers=https, allow_redirects=False, timeout=10
            )
            assert response.status_code == 404, (path, response.status_code)


@needs_chromium
def test_the_driven_browser_sees_csp_violations() -> None:
    """The flow's `csp_violations == []` means something: a page whose inline script and
    style the policy blocks reports both."""
    body = b"<p id=x>static</p><style>p{color:red}</style><script>x.textContent='ran'</script>"

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Security-Policy", "default-src 'self'")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with Chromium() as browser:
            tab = browser.new_tab()
            tab.goto(f"http://127.0.0.1:{httpd.server_address[1]}/")
            assert ">static<" in tab.dom  # the inline script did not run
            assert len(tab.csp_violations) == 2, tab.csp_violations
    finally:
        httpd.shutdown()
        httpd.server_close()
