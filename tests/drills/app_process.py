"""The app under gunicorn as the image runs it (tests/support/gunicorn.py), drill-side."""

from __future__ import annotations

import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass

from tests.drills.traffic import get
from tests.support.gunicorn import GunicornServer, start


@dataclass
class AppProcess:
    server: GunicornServer

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def process(self):
        return self.server.process

    def output(self) -> str:
        return self.server.output()

    def wait_for(self, path: str, status: int, timeout: float = 30) -> None:
        """Poll until ``path`` answers ``status``; fail with the server's output otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"the app exited ({self.process.returncode}) before {path} gave {status}:\n"
                    + self.output()[-4000:]
                )
            if get(self.port, path).status == status:
                return
            time.sleep(0.05)
        raise AssertionError(f"{path} never gave {status} in {timeout} s:\n{self.output()[-4000:]}")

    def terminate(self) -> None:
        """What Cloud Run does first: SIGTERM to PID 1 (gunicorn's arbiter)."""
        self.process.send_signal(signal.SIGTERM)

    def stop(self) -> None:
        self.server.stop()
        self.server.log_path.unlink(missing_ok=True)


def start_app(env: Mapping[str, str]) -> AppProcess:
    return AppProcess(start(env))
