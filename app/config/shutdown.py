"""Requests in flight in a gunicorn worker, and the one line logged for each that the
graceful timeout is about to cut.

gunicorn drains for ``graceful_timeout`` after SIGTERM, then the arbiter SIGKILLs the
worker: a request still running is cut without a response and without a word in the
logs, and the process still exits 0. Tracking in-flight requests (pre/post_request hooks)
lets the worker name each one just before that happens.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from core.logging import bind_trace, trace_from_headers, unbind_trace

logger = logging.getLogger("core.shutdown")

# How long before the graceful timeout the report is written: the arbiter's SIGKILL lands
# at graceful_timeout after its own SIGTERM, so the line must be out before that.
REPORT_MARGIN = 0.5


class InFlight:
    """The requests a worker is serving now (gunicorn Request objects, by identity)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[int, tuple[Any, float]] = {}

    def started(self, request: Any) -> None:
        with self._lock:
            self._requests[id(request)] = (request, time.monotonic())

    def finished(self, request: Any) -> None:
        with self._lock:
            self._requests.pop(id(request), None)

    def snapshot(self) -> list[tuple[Any, float]]:
        with self._lock:
            return list(self._requests.values())


IN_FLIGHT = InFlight()


def _header(request: Any, name: str) -> str | None:
    for key, value in getattr(request, "headers", ()):
        if key.upper() == name:
            return value
    return None


def report_cut(in_flight: InFlight, *, graceful_timeout: float) -> int:
    """Log one ERROR line per request still running; how many there were."""
    now = time.monotonic()
    pending = in_flight.snapshot()
    for request, started in pending:
        trace = trace_from_headers(
            _header(request, "X-CLOUD-TRACE-CONTEXT"), _header(request, "TRACEPARENT")
        )
        token = bind_trace(trace)
        try:
            logger.error(
                "%s %s still running %.1fs into shutdown: cut at the %gs graceful timeout",
                request.method,
                request.path,
                now - started,
                graceful_timeout,
                extra={
                    "fields": {
                        "httpRequest": {"requestMethod": request.method, "requestUrl": request.path}
                    }
                },
            )
        finally:
            unbind_trace(token)
    return len(pending)


def schedule_cut_report(in_flight: InFlight, *, graceful_timeout: float) -> threading.Timer:
    """Start the timer (a daemon: a worker that drains in time exits without waiting)."""
    timer = threading.Timer(
        max(graceful_timeout - REPORT_MARGIN, 0.0),
        report_cut,
        args=(in_flight,),
        kwargs={"graceful_timeout": graceful_timeout},
    )
    timer.daemon = True
    timer.start()
    return timer
