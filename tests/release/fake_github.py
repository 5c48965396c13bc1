"""A local fake of the GitHub Actions REST endpoints the release uses (runs, cancel)."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

RUNS = "https://github.com/acme/app/actions/runs"


@dataclass
class Runs:
    """run id -> {status, run_attempt, head_branch, ...}; a cancel is recorded and the run
    stays in progress until the test has run its restore step and calls ``finish``."""

    runs: dict[int, dict] = field(default_factory=dict)
    cancelled: list[int] = field(default_factory=list)

    def add(self, run_id: int, branch: str, *, status: str = "in_progress", attempt: int = 1):
        self.runs[run_id] = {"id": run_id, "status": status, "run_attempt": attempt,
                             "head_branch": branch, "conclusion": None,
                             "html_url": f"{RUNS}/{run_id}"}  # fmt: skip

    def finish(self, run_id: int, conclusion: str) -> None:
        self.runs[run_id].update(status="completed", conclusion=conclusion)


class _Handler(BaseHTTPRequestHandler):
    state: Runs

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, code: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if self.headers.get("Authorization") != "Bearer ghs-test-token":
            return self._send(401, {"message": "Bad credentials"})
        if match := re.fullmatch(r"/repos/acme/app/actions/runs/(\d+)", parts.path):
            run = self.state.runs.get(int(match.group(1)))
            return self._send(200, run) if run else self._send(404, {"message": "Not Found"})
        if re.fullmatch(r"/repos/acme/app/actions/workflows/cd\.yml/runs", parts.path):
            query = parse_qs(parts.query)
            found = [r for r in self.state.runs.values()
                     if r["head_branch"] == query["branch"][0]
                     and r["status"] == query["status"][0]]  # fmt: skip
            return self._send(200, {"total_count": len(found), "workflow_runs": found})
        self._send(404, {"message": "Not Found"})

    def do_POST(self) -> None:
        match = re.fullmatch(r"/repos/acme/app/actions/runs/(\d+)/cancel", urlsplit(self.path).path)
        run = self.state.runs.get(int(match.group(1))) if match else None
        if run is None:
            return self._send(404, {"message": "Not Found"})
        if run["status"] == "completed":
            return self._send(409, {"message": "Cannot cancel a workflow run that is completed."})
        # Like GitHub: the run keeps going until its `if: cancelled()` steps have run.
        self.state.cancelled.append(run["id"])
        self._send(202, {})


class FakeGitHub:
    def __init__(self) -> None:
        self.state = Runs()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
