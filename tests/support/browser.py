"""Headless Chromium for the tests that need a real browser (CSP enforcement).

``load(url)`` renders a page and returns its DOM after scripts ran, plus every console
message about a Content-Security-Policy violation. Chromium comes from Debian
(``apt-get install chromium``); ``chromium_path()`` is None where it is not installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

_CONSOLE = re.compile(r':CONSOLE[^\]]*\] "(?P<message>.*)", source: (?P<source>\S+)')


@dataclass(frozen=True)
class Page:
    dom: str
    csp_violations: list[str]


# Headless, as root in a container, and reaching only loopback: no background fetches,
# component updates or lookups of Google's hosts (strace showed 108 DNS queries without).
HEADLESS_LOOPBACK_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
)


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def load(url: str, *, timeout: float = 90.0) -> Page:
    browser = chromium_path()
    if browser is None:
        raise RuntimeError("chromium is not installed: apt-get install -y chromium")
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        result = subprocess.run(
            [
                browser,
                *HEADLESS_LOOPBACK_FLAGS,
                f"--user-data-dir={profile}",
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=5000",  # let deferred scripts run before the dump
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if result.returncode != 0 or not result.stdout.strip():
        raise RuntimeError(f"chromium failed ({result.returncode}):\n{result.stderr[-3000:]}")
    violations = [
        match["message"]
        for match in _CONSOLE.finditer(result.stderr)
        if "Content Security Policy" in match["message"]
    ]
    return Page(result.stdout, violations)
