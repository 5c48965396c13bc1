"""A TLS-terminating front for a test server, as Cloud Run's front end is for the service.

It serves https://127.0.0.1:<port>/ with a throwaway self-signed certificate and forwards
each request over plain HTTP to the backend, adding ``X-Forwarded-Proto: https`` and
appending the caller to ``X-Forwarded-For``. A browser behind it sees what a user sees in
the cloud: Secure cookies, https Referer/Origin for CSRF, and https links the app builds
from the request (password reset mails). Start Chromium with ignore_certificate_errors.
"""

from __future__ import annotations

import http.client
import http.server
import ssl
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Per hop, not forwarded (RFC 9110 7.6.1); the front answers each request on its own.
_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection"}


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """(certificate, key) for 127.0.0.1 and localhost, valid for a day."""
    cert, key = directory / "front.pem", directory / "front.key"
    subprocess.run(
        [
            *[
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=127.0.0.1",
            ],
            *("-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def _handler(backend_port: int) -> type[http.server.BaseHTTPRequestHandler]:
    class Forward(http.server.BaseHTTPRequestHandler):
        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            caller = self.client_address[0]
            forwarded = headers.pop("X-Forwarded-For", "")
            headers["X-Forwarded-For"] = f"{forwarded}, {caller}" if forwarded else caller
            headers["X-Forwarded-Proto"] = "https"
            backend = http.client.HTTPConnection("127.0.0.1", backend_port, timeout=30)
            try:
                backend.request(self.command, self.path, body=body, headers=headers)
                response = backend.getresponse()
                payload = response.read()
            finally:
                backend.close()
            self.send_response(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() not in _HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_HEAD = _forward  # noqa: N815 (http.server's names)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Forward


@contextmanager
def tls_front(backend_port: int) -> Iterator[str]:
    """Serve ``https://127.0.0.1:<port>`` in front of ``backend_port``; yield its URL."""
    with tempfile.TemporaryDirectory(prefix="tls-front-") as directory:
        cert, key = self_signed_certificate(Path(directory))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(backend_port))
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"https://127.0.0.1:{httpd.server_address[1]}"
        finally:
            httpd.shutdown()
            httpd.server_close()
