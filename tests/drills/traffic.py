"""Client side of the drills: raw HTTP over sockets, and steady background load.

Raw sockets rather than an HTTP library: the drills need to send what a library refuses to
(malformed headers, bogus lengths) and to tell a refused connection from a reset one.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

HTTPS_PROXY = "X-Forwarded-Proto: https\r\n"


@dataclass(frozen=True)
class Outcome:
    """What one exchange came to: an HTTP status, or how the connection failed."""

    status: int | None
    failure: str | None = None  # refused | reset | timeout | closed | garbage
    body: bytes = b""

    @property
    def label(self) -> str:
        return str(self.status) if self.status is not None else str(self.failure)


def exchange(port: int, request: bytes, timeout: float = 10.0) -> Outcome:
    """Send ``request`` as is on a fresh connection and read the reply until EOF."""
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    except ConnectionRefusedError:
        return Outcome(None, "refused")
    except TimeoutError:
        return Outcome(None, "timeout")
    chunks: list[bytes] = []
    try:
        with sock:
            sock.sendall(request)
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    except ConnectionResetError:
        return Outcome(None, "reset", b"".join(chunks))
    except BrokenPipeError:
        # The server closed while we were still sending (a rejected oversized body): what
        # it answered before closing is what counts.
        pass
    except TimeoutError:
        return Outcome(None, "timeout", b"".join(chunks))
    return parse_response(b"".join(chunks))


def parse_response(raw: bytes) -> Outcome:
    if not raw:
        return Outcome(None, "closed")
    head, _, body = raw.partition(b"\r\n\r\n")
    parts = head.split(b"\r\n", 1)[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        return Outcome(None, "garbage", raw[:200])
    return Outcome(int(parts[1]), None, body)


def get(port: int, path: str, *, host: str = "127.0.0.1", headers: str = HTTPS_PROXY) -> Outcome:
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{headers}Connection: close\r\n\r\n"
    return exchange(port, request.encode())


@dataclass
class BackgroundLoad:
    """``clients`` threads each GETting ``path`` back to back until stopped."""

    port: int
    path: str
    clients: int = 4
    outcomes: Counter[str] = field(default_factory=Counter)
    timeline: list[tuple[float, str]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> BackgroundLoad:
        self._threads = [threading.Thread(target=self._run) for _ in range(self.clients)]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            outcome = get(self.port, self.path)
            with self._lock:
                self.outcomes[outcome.label] += 1
                self.timeline.append((time.monotonic(), outcome.label))
            if outcome.failure == "refused":
                time.sleep(0.01)  # the server has gone: do not spin
