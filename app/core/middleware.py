"""Request logging with trace correlation, and the health probes' narrow exemption."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import ClassVar

from django.http import HttpRequest, HttpResponse

from core import views
from core.logging import bind_trace, trace_from_headers, unbind_trace

logger = logging.getLogger("core.request")

Handler = Callable[[HttpRequest], HttpResponse]


class RequestLogMiddleware:
    """One log line per request (method, path, status, latency) tied to the caller's
    trace, whose id is echoed in the ``x-trace-id`` response header."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        trace = trace_from_headers(
            request.headers.get("X-Cloud-Trace-Context"), request.headers.get("traceparent")
        )
        token = bind_trace(trace)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["x-trace-id"] = trace.trace_id
            self._log(request, response.status_code, time.perf_counter() - started)
            return response
        finally:
            unbind_trace(token)

    @staticmethod
    def _log(request: HttpRequest, status: int, seconds: float) -> None:
        level = (
            logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO
        )
        # The path only: query strings carry tokens, and get_host() would raise for
        # the probes' arbitrary Host headers.
        http_request = {
            "requestMethod": request.method,
            "requestUrl": request.path,
            "status": status,
            "latency": f"{seconds:.6f}s",
            "userAgent": request.headers.get("User-Agent", "")[:200],
            "protocol": request.META.get("SERVER_PROTOCOL", ""),
        }
        logger.log(
            level,
            "%s %s %s %.1fms",
            request.method,
            request.path,
            status,
            seconds * 1000,
            extra={"fields": {"httpRequest": http_request}},
        )


class HealthProbeMiddleware:
    """Answer /health/live/ and /health/ready/ before SecurityMiddleware and the host check.

    Cloud Run's probes connect to the container directly: plain HTTP, a Host header that is
    not in ALLOWED_HOSTS. Exactly these two paths are exempt; everything else, including
    /health/live without the slash, goes through the full stack.
    """

    PROBES: ClassVar[dict[str, Handler]] = {
        "/health/live/": views.live,
        "/health/ready/": views.ready,
    }

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = self.PROBES.get(request.path_info)
        if probe is not None:
            return probe(request)
        return self.get_response(request)
