"""Start the image's command (or the bare hello app) the way Cloud Run would, and time it."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.runtime import APP_DIR, DOCKERFILE, REPO, RuntimeVenv
from tests.support.gunicorn import image_env

READY_PATH = "/health/ready/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_image_root(venv: RuntimeVenv, dest: Path, env: dict[str, str]) -> Path:
    """Copy app/ to ``dest`` (the image's /app) and do the Dockerfile's build-time steps."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(APP_DIR, dest, ignore=shutil.ignore_patterns("__pycache__", "staticfiles"))
    build_env = env | {"PYTHONDONTWRITEBYTECODE": ""}
    # Hashed, compressed static files are collected at build time, never at container start.
    subprocess.run(  # noqa: S603
        [str(venv.python), "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=dest,
        env=build_env,
        check=True,
    )
    dockerfile = DOCKERFILE.read_text() if DOCKERFILE.exists() else ""
    if "compileall" in dockerfile:
        subprocess.run([str(venv.python), "-m", "compileall", "-q", "."], cwd=dest, check=True)  # noqa: S603
    return dest


@dataclass
class Server:
    """One gunicorn process; ``start`` returns at once, ``wait_until_ok`` times readiness."""

    command: list[str]
    cwd: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        log_path = self.log_path or Path(os.devnull)
        with open(log_path, "ab") as log:
            self.started_at = time.perf_counter()
            self.process = subprocess.Popen(  # noqa: S603
                self.command,
                cwd=self.cwd,
                # The config binds 0.0.0.0 for Cloud Run; the bench stays on loopback.
                # (GRANIAN_*: the same for granian in the server comparison.)
                env=self.env
                | {
                    "PORT": str(self.port),
                    "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{self.port}",
                    "GRANIAN_HOST": "127.0.0.1",
                    "GRANIAN_PORT": str(self.port),
                },
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def wait_until_ok(self, path: str = READY_PATH, timeout: float = 30.0) -> float:
        """Seconds from process start to the first 200 on ``path``."""
        if self.process is None:
            raise RuntimeError("Server.start() must run before wait_until_ok()")
        deadline = self.started_at + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.command[0]} exited with {self.process.returncode} before serving "
                    f"{path}; see {self.log_path or 'its output'}"
                )
            if get_status(self.port, path) == 200:
                return time.perf_counter() - self.started_at
            time.sleep(0.005)
        raise TimeoutError(f"no 200 from {self.base_url}{path} within {timeout:.0f} s")

    def status(self, path: str, headers: dict[str, str] | None = None) -> int | None:
        return get_status(self.port, path, headers)

    def stop(self, timeout: float = 15.0) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait()


def get_status(port: int, path: str, headers: dict[str, str] | None = None) -> int | None:
    """The HTTP status of one GET, or None while nothing answers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", path, headers=headers or {})
        return connection.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def server_env(venv: RuntimeVenv, *, workers: int, threads: int, extra: dict[str, str]) -> dict:
    """A clean environment shaped like Cloud Run's: only what the container would get."""
    return {
        # The Dockerfile's final-stage ENV first, as the container starts with it.
        **image_env(),
        "PATH": f"{venv.bin}:/usr/local/bin:/usr/bin:/bin",
        "HOME": tempfile.gettempdir(),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        # The app's sources in the copy are compiled or not exactly as the Dockerfile says;
        # never let a benchmark run write bytecode next to them.
        "PYTHONDONTWRITEBYTECODE": "1",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_THREADS": str(threads),
        "K_REVISION": "bench-00001-abc",
        "K_SERVICE": "bench",
        "APP_VERSION": "bench",
        **extra,
    }


def hello_env(env: dict[str, str]) -> dict[str, str]:
    # The hello module lives in the repo, not in the image copy: make it importable.
    return env | {"PYTHONPATH": str(REPO)}
