"""A local fake of Secret Manager v1 `secrets.versions.list`, served on 127.0.0.1.

Real semantics the first-admin tool depends on: a request without a bearer token is 401
UNAUTHENTICATED, an unknown secret is 404 NOT_FOUND, versions carry states (ENABLED,
DISABLED, DESTROYED) and are listed newest first, `filter=state:<STATE>` selects by state
(any other filter is 400 INVALID_ARGUMENT), results come in pages (`pageSize`,
`nextPageToken`), and the next ``transient_failures`` calls answer 503 UNAVAILABLE.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TOKEN = "fake-access-token"  # what the fake accepts; not a credential
STATES = ("ENABLED", "DISABLED", "DESTROYED")
LIST = re.compile(r"^/v1/projects/([^/]+)/secrets/([^/]+)/versions$")


@dataclass
class SecretStore:
    """project -> secret -> version states, oldest first (version n is index n - 1)."""

    secrets: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    page_size: int = 2  # small, so a caller that ignores nextPageToken misses versions
    transient_failures: int = 0
    calls: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def create(self, project: str, secret: str) -> None:
        self.secrets.setdefault(project, {}).setdefault(secret, [])

    def add_version(self, project: str, secret: str, state: str = "ENABLED") -> int:
        assert state in STATES, state
        versions = self.secrets[project][secret]
        versions.append(state)
        return len(versions)

    def set_state(self, project: str, secret: str, version: int, state: str) -> None:
        assert state in STATES, state
        self.secrets[project][secret][version - 1] = state


class _Handler(BaseHTTPRequestHandler):
    store: SecretStore

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, code: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, code: int, status: str, message: str) -> None:
        self._send(code, {"error": {"code": code, "status": status, "message": message}})

    def do_GET(self) -> None:
        store, parts = self.store, urlsplit(self.path)
        with store.lock:
            store.calls.append(f"GET {self.path}")
            if store.transient_failures > 0:
                store.transient_failures -= 1
                return self._error(503, "UNAVAILABLE", "The service is currently unavailable.")
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._error(
                401, "UNAUTHENTICATED", "Request is missing required authentication credential."
            )
        match = LIST.match(parts.path)
        if not match:
            return self._error(404, "NOT_FOUND", f"no such API path {parts.path}")
        project, secret = match.groups()
        versions = store.secrets.get(project, {}).get(secret)
        if versions is None:
            return self._error(404, "NOT_FOUND", f"Secret [projects/{project}/secrets/{secret}] "
                               "not found.")  # fmt: skip
        query = parse_qs(parts.query)
        wanted = query.get("filter", [""])[0]
        if wanted and wanted not in {f"state:{state}" for state in STATES}:
            return self._error(400, "INVALID_ARGUMENT", f"Invalid filter: {wanted}")
        listed = [
            {"name": f"projects/{project}/secrets/{secret}/versions/{n}", "state": state}
            for n, state in reversed(list(enumerate(versions, start=1)))
            if not wanted or wanted == f"state:{state}"
        ]
        start = int(query.get("pageToken", ["0"])[0])
        size = int(query.get("pageSize", [str(store.page_size)])[0])
        body: dict = {"versions": listed[start : start + size], "totalSize": len(listed)}
        if start + size < len(listed):
            body["nextPageToken"] = str(start + size)
        if not body["versions"]:
            body = {}  # the API leaves out empty fields: no versions is an empty object
        return self._send(200, body)


class FakeSecretManager:
    """Started on a free loopback port; ``base`` for OPS_SECRETMANAGER_ENDPOINT."""

    def __init__(self, store: SecretStore) -> None:
        handler = type("Handler", (_Handler,), {"store": store})
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http.server_port}"

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()
