"""Run the app exactly as the image does, outside a container, for tests and drills.

The command is the Dockerfile's exec-form CMD, the environment its final stage's plain
``ENV`` values plus the caller's, the working directory ``app/`` (the image's WORKDIR) and
the repository's ``.venv/bin`` first on PATH (the image's venv). Only the bind address
differs: ``GUNICORN_CMD_ARGS`` (which gunicorn applies over the config file) binds
127.0.0.1:<port>, so nothing outside this machine can reach a test server.

Usage::

    from tests.support.gunicorn import serve

    with serve(env={**production_env, **cluster.env("app")}) as server:
        requests.get(f"{server.url}/health/ready/", timeout=5)
    # server.returncode, server.output() and server.log_records() stay readable afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
APP_DIR = REPO / "app"
VENV_BIN = REPO / ".venv" / "bin"


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with comments dropped and continuations joined."""
    pairs: list[tuple[str, str]] = []
    pending = ""
    for raw in dockerfile.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, rest = (pending + line).strip().partition(" ")
        pairs.append((keyword.upper(), rest.strip()))
        pending = ""
    return pairs


def _final_stage(dockerfile: Path) -> list[tuple[str, str]]:
    pairs = _instructions(dockerfile)
    starts = [index for index, (keyword, _) in enumerate(pairs) if keyword == "FROM"]
    return pairs[starts[-1] :] if starts else pairs


def image_command(dockerfile: Path = DOCKERFILE) -> list[str]:
    """The final stage's CMD, which must be exec form (a JSON list), as Cloud Run runs it."""
    commands = [rest for keyword, rest in _final_stage(dockerfile) if keyword == "CMD"]
    if not commands:
        raise ValueError(f"{dockerfile} has no CMD in its final stage")
    argv = json.loads(commands[-1])
    if not isinstance(argv, list) or not all(isinstance(arg, str) for arg in argv):
        raise ValueError(f"{dockerfile}: CMD must be exec form, got {commands[-1]}")
    return argv


def image_env(dockerfile: Path = DOCKERFILE) -> dict[str, str]:
    """The final stage's ``ENV key=value`` pairs that need no build-time expansion."""
    env: dict[str, str] = {}
    for keyword, rest in _final_stage(dockerfile):
        if keyword != "ENV":
            continue
        for pair in rest.split():
            key, sep, value = pair.partition("=")
            value = value.strip('"')
            if sep and "$" not in value:
                env[key] = value
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class GunicornServer:
    """A running (or finished) gunicorn started from the image's CMD."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path

    @property
    def returncode(self) -> int | None:
        return self.process.poll()

    def output(self) -> str:
        """Everything the server wrote to stdout and stderr so far."""
        return self.log_path.read_text(errors="replace")

    def log_records(self) -> list[dict[str, Any]]:
        """The JSON log lines (anything else, e.g. a crash's traceback, is skipped)."""
        records = []
        for line in self.output().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
        return records

    def wait_until_answering(self, path: str = "/health/live/", timeout: float = 30.0) -> float:
        """Seconds until ``path`` answered 200; raise with the server's output otherwise."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.returncode is not None:
                raise RuntimeError(f"gunicorn exited {self.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.url}{path}", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return time.monotonic() - started
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        raise TimeoutError(f"{self.url}{path} not answering after {timeout}s:\n{self.output()}")

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM (as Cloud Run does), SIGKILL after ``timeout``; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start(
    env: Mapping[str, str], *, port: int | None = None, log_path: Path | None = None
) -> GunicornServer:
    """Start gunicorn as the image would, with ``env`` over the image's ENV; don't wait."""
    port = port or free_port()
    log_path = log_path or Path(tempfile.mkstemp(prefix="gunicorn-", suffix=".log")[1])
    # Each server counts admin login attempts on its own, so parallel tests never throttle
    # one another (core/login_throttle.py).
    throttle_dir = tempfile.mkdtemp(prefix="login-throttle-")
    process_env = {
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        **image_env(),
        "PORT": str(port),
        "LOGIN_THROTTLE_CACHE_DIR": throttle_dir,
        **env,
        "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{port}",
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            image_command(), cwd=APP_DIR, env=process_env, stdout=log, stderr=subprocess.STDOUT
        )
    return GunicornServer(process, port, log_path)


@contextmanager
def serve(
    env: Mapping[str, str],
    *,
    port: int | None = None,
    wait_path: str = "/health/live/",
    timeout: float = 30.0,
) -> Iterator[GunicornServer]:
    """Start, wait until ``wait_path`` answers 200, yield the server, stop it on exit."""
    server = start(env, port=port)
    try:
        server.wait_until_answering(wait_path, timeout=timeout)
        yield server
    finally:
        server.stop()
