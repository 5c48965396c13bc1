"""Headless Chromium driven over the DevTools protocol, for tests that click through pages.

``tests.support.browser.load`` renders one page; a flow (fill a form, submit, follow the
next page) needs the DevTools protocol. It runs over ``--remote-debugging-pipe`` (fd 3:
commands in, fd 4: replies and events out, each message NUL-terminated JSON), so no port
is opened and no websocket library is needed. Same isolation flags as ``browser.load``.

    with Chromium() as browser:
        tab = browser.new_tab()
        tab.goto("https://127.0.0.1:8443/admin/login/")
        tab.fill("#id_username", "admin")
        tab.submit("#login-form")
        assert tab.csp_violations == []
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import queue
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from tests.support.browser import HEADLESS_LOOPBACK_FLAGS, chromium_path


class Chromium:
    def __init__(self, *, ignore_certificate_errors: bool = False, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self._flags = ["--ignore-certificate-errors"] if ignore_certificate_errors else []
        self._events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._pending: list[dict[str, Any]] = []
        self._next_id = 0

    def __enter__(self) -> Chromium:
        browser = chromium_path()
        if browser is None:
            raise RuntimeError("chromium is not installed: apt-get install -y chromium")
        self._profile = tempfile.TemporaryDirectory(prefix="chromium-")
        commands_in, self._commands = os.pipe()
        self._replies, replies_out = os.pipe()
        # Out of the 0-4 range first, so the child's dup2 onto 3 and 4 cannot clobber them.
        high_in = fcntl.fcntl(commands_in, fcntl.F_DUPFD_CLOEXEC, 10)
        high_out = fcntl.fcntl(replies_out, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(commands_in)
        os.close(replies_out)
        self.log_path = Path(self._profile.name) / "chromium.log"

        def onto_3_and_4() -> None:
            os.dup2(high_in, 3)
            os.dup2(high_out, 4)

        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [
                    browser,
                    *HEADLESS_LOOPBACK_FLAGS,
                    f"--user-data-dir={self._profile.name}",
                    "--remote-debugging-pipe",
                    *self._flags,
                    "about:blank",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=onto_3_and_4,  # only dup2: safe after fork
                # Python opens its files close-on-exec anyway; closing the rest would
                # close 3 and 4 after onto_3_and_4 put the pipes there.
                close_fds=False,
                start_new_session=True,
            )
        os.close(high_in)
        os.close(high_out)
        threading.Thread(target=self._read, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.send("Browser.close")
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
        os.close(self._commands)
        self._profile.cleanup()

    def _read(self) -> None:
        buffer = b""
        while chunk := os.read(self._replies, 65536):
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for message in messages:
                self._events.put(json.loads(message))
        os.close(self._replies)
        self._events.put({"method": "closed"})

    def _take(self, matches: Any, what: str) -> dict[str, Any]:
        """The first message (kept or arriving) for which ``matches`` is true."""
        for index, message in enumerate(self._pending):
            if matches(message):
                return self._pending.pop(index)
        deadline = time.monotonic() + self.timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self._events.get(timeout=left)
            except queue.Empty:
                break
            if matches(message):
                return message
            if message.get("method") == "closed":
                raise RuntimeError(f"chromium exited waiting for {what}:\n{self.output()}")
            self._pending.append(message)
        raise TimeoutError(f"no {what} from chromium after {self.timeout}s")

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def send(
        self, method: str, params: dict[str, Any] | None = None, *, session: str | None = None
    ) -> dict[str, Any]:
        self._next_id += 1
        command: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            command["sessionId"] = session
        os.write(self._commands, json.dumps(command).encode() + b"\0")
        reply = self._take(lambda m, i=self._next_id: m.get("id") == i, f"reply to {method}")
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def event(self, method: str, *, session: str) -> dict[str, Any]:
        return self._take(
            lambda m: m.get("method") == method and m.get("sessionId") == session, method
        )

    def drain(self, method: str, *, session: str) -> list[dict[str, Any]]:
        """Every ``method`` event received so far for ``session``, removed from the backlog."""
        while True:
            try:
                self._pending.append(self._events.get_nowait())
            except queue.Empty:
                break
        found = [
            m for m in self._pending if m.get("method") == method and m.get("sessionId") == session
        ]
        self._pending = [m for m in self._pending if m not in found]
        return found

    def new_tab(self) -> Tab:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})
        tab = Tab(self, session["sessionId"])
        for domain in ("Page", "Log", "Runtime"):
            tab.call(f"{domain}.enable")
        return tab


class Tab:
    """One page: navigate, fill, submit, read the DOM; collects CSP violations."""

    def __init__(self, browser: Chromium, session: str) -> None:
        self.browser = browser
        self.session = session
        self._violations: list[str] = []

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.send(method, params, session=self.session)

    def _loaded(self) -> None:
        self.browser.event("Page.loadEventFired", session=self.session)

    def goto(self, url: str) -> None:
        self.browser.drain("Page.loadEventFired", session=self.session)
        self.call("Page.navigate", {"url": url})
        self._loaded()

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def fill(self, selector: str, value: str) -> None:
        self.evaluate(f"document.querySelector({json.dumps(selector)}).value = {json.dumps(value)}")

    def submit(self, form_selector: str) -> None:
        """Submit as a click on the form's submit button does, and wait for the next page."""
        self.browser.drain("Page.loadEventFired", session=self.session)
        self.evaluate(f"document.querySelector({json.dumps(form_selector)}).requestSubmit()")
        self._loaded()

    def click(self, selector: str) -> None:
        self.browser.drain("Page.loadEventFired", session=self.session)
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")
        self._loaded()

    @property
    def url(self) -> str:
        return self.evaluate("location.href")

    @property
    def dom(self) -> str:
        return self.evaluate("document.documentElement.outerHTML")

    @property
    def csp_violations(self) -> list[str]:
        for entry in self.browser.drain("Log.entryAdded", session=self.session):
            text = entry["params"]["entry"].get("text", "")
            if "Content Security Policy" in text:
                self._violations.append(text)
        for entry in self.browser.drain("Runtime.consoleAPICalled", session=self.session):
            args = entry["params"].get("args", [])
            text = " ".join(str(arg.get("value", "")) for arg in args)
            if "Content Security Policy" in text:
                self._violations.append(text)
        return list(self._violations)
