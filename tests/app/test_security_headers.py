"""Content-Security-Policy and Permissions-Policy, and the admin working under them in a
real browser (headless Chromium: a CSP the admin breaks would only show there)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest
import requests

from tests.support.browser import chromium_path, load
from tests.support.gunicorn import GunicornServer, serve

HTTPS = {"X-Forwarded-Proto": "https"}
needs_chromium = pytest.mark.skipif(
    chromium_path() is None, reason="chromium is not installed (apt-get install -y chromium)"
)


@pytest.fixture
def server(production_env: dict[str, str], collected_static: None) -> Iterator[GunicornServer]:
    # A browser cannot add X-Forwarded-Proto, so the HTTPS redirect is off here; the
    # policy headers do not depend on it.
    with serve({**production_env, "DJANGO_SECURE_SSL_REDIRECT": "false"}) as running:
        yield running


def test_pages_carry_a_strict_csp_and_permissions_policy(server: GunicornServer) -> None:
    for path in ("/", "/admin/login/", "/nope/"):
        response = requests.get(f"{server.url}{path}", headers=HTTPS, timeout=5)
        csp = response.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp, (path, response.headers)
        for directive in ("script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"):
            assert directive in csp, csp
        assert "unsafe-inline" not in csp, csp
        permissions = response.headers.get("Permissions-Policy", "")
        for feature in ("camera=()", "geolocation=()", "microphone=()"):
            assert feature in permissions, permissions


@pytest.fixture
def inline_script_page() -> Iterator[str]:
    """A page whose inline script and style the same CSP must block: proves the browser
    check sees violations at all."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = (
                b"<p id=x>static</p><style>p{color:red}</style><script>x.textContent='ran'</script>"
            )
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Security-Policy", "default-src 'self'")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()


@needs_chromium
def test_the_browser_check_catches_a_csp_violation(inline_script_page: str) -> None:
    page = load(inline_script_page)
    assert len(page.csp_violations) == 2, page.csp_violations
    assert ">static<" in page.dom  # the inline script was blocked


@needs_chromium
def test_admin_login_renders_and_runs_its_scripts_under_the_csp(server: GunicornServer) -> None:
    page = load(f"{server.url}/admin/login/")

    assert page.csp_violations == []
    assert 'id="login-form"' in page.dom, page.dom[:2000]
    # admin/js/theme.js sets data-theme on <html>: the admin's own scripts ran.
    assert 'data-theme="auto"' in page.dom, page.dom[:500]
