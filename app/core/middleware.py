"""Request logging with trace correlation, and the health probes' narrow exemption."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from django.http import HttpRequest, HttpResponse

from core import views
from core.logging import bind_trace, trace_from_headers, unbind_trace
from core.request_log import log_request

Handler = Callable[[HttpRequest], HttpResponse]


class RequestLogMiddleware:
    """One log line per request (method, path, status, latency) tied to the caller's
    trace, whose id is echoed in the ``x-trace-id`` response header."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        trace = trace_from_headers(
            request.headers.get("X-Cloud-Trace-Context"), request.headers.get("traceparent")
        )
        token = bind_trace(trace)
        status = 500  # what the client gets if anything below raises
        try:
            response = self.get_response(request)
            response["x-trace-id"] = trace.trace_id
            status = response.status_code
            return response
        finally:
            log_request(
                method=request.method or "",
                path=request.path,
                status=status,
                seconds=time.perf_counter() - started,
                user_agent=request.headers.get("User-Agent", ""),
                protocol=request.META.get("SERVER_PROTOCOL", ""),
            )
            unbind_trace(token)


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
