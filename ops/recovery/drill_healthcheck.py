"""Run the deployed image's `python manage.py healthcheck` against a Cloud SQL clone.

Chosen over a Cloud Run job execution because a job's Cloud SQL volume names one fixed
instance and execution overrides cannot change volumes; the clone's name is new each month.
On the runner: the Cloud SQL Auth Proxy (IAM-authorised, TLS, works with the instance's
connector enforcement) listens on 127.0.0.1, and the prod image runs with host networking.
Secrets reach `docker run` through its environment (`-e NAME`), never its command line.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess  # nosec B404: fixed argv lists, never a shell
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from ops.recovery.restore_drill import CloneDatabase


class Process(Protocol):
    def poll(self) -> int | None: ...
    def terminate(self) -> None: ...
    def wait(self, timeout: float | None = None) -> int: ...


class ProxyDockerHealthcheck:
    """A Healthcheck for ops.recovery.restore_drill; launchers injectable for tests."""

    def __init__(
        self,
        image: str,
        *,
        proxy: str = "cloud-sql-proxy",
        port: int = 15432,
        startup_timeout: float = 60.0,
        check_timeout: float = 600.0,
        launch: Callable[[Sequence[str]], Process] = lambda argv: subprocess.Popen(argv),  # noqa: S603  # nosec B603
        run: Callable[..., Any] = subprocess.run,
        connect: Callable[[tuple[str, int], float], Any] = socket.create_connection,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.image, self.proxy, self.port = image, proxy, port
        self.startup_timeout, self.check_timeout = startup_timeout, check_timeout
        self.launch, self.run, self.connect = launch, run, connect
        self.sleep, self.clock = sleep, clock

    def _wait_for_proxy(self, process: Process) -> None:
        deadline = self.clock() + self.startup_timeout
        while True:
            if process.poll() is not None:
                raise OSError(f"{self.proxy} exited early; see its log above")
            try:
                self.connect(("127.0.0.1", self.port), 2.0).close()
                return
            except OSError:
                if self.clock() >= deadline:
                    raise TimeoutError(
                        f"{self.proxy} did not listen on 127.0.0.1:{self.port} "
                        f"within {self.startup_timeout:.0f}s"
                    ) from None
                self.sleep(1.0)

    def docker_argv(self, db: CloneDatabase) -> list[str]:
        plain = {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_ALLOWED_HOSTS": "localhost",
            "DB_HOST": "127.0.0.1",
            "DB_PORT": str(self.port),
            "DB_NAME": db.name,
            "DB_USER": db.user,
        }
        argv = ["docker", "run", "--rm", "--network", "host"]
        for name, value in plain.items():
            argv += ["-e", f"{name}={value}"]
        argv += ["-e", "DB_PASSWORD", "-e", "DJANGO_SECRET_KEY"]
        return [*argv, self.image, "python", "manage.py", "healthcheck"]

    def __call__(self, db: CloneDatabase) -> tuple[bool, str]:
        argv = [self.proxy, "--address", "127.0.0.1", "--port", str(self.port)]
        process = self.launch([*argv, db.connection_name])
        try:
            self._wait_for_proxy(process)
            env = {
                **os.environ,
                "DB_PASSWORD": db.password,
                # Production settings demand a real-looking key; this one dies with the run.
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            }
            done = self.run(
                self.docker_argv(db), env=env, capture_output=True, text=True,
                timeout=self.check_timeout, check=False,
            )  # fmt: skip
            return done.returncode == 0, f"{done.stdout}{done.stderr}".strip()
        finally:
            process.terminate()
            process.wait(timeout=10)
