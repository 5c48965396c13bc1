"""The one JSON line written per request, shared by the Django middleware and the WSGI
fast path for /health/live/ (config/wsgi_fastpath.py), so both write the same shape."""

from __future__ import annotations

import logging

logger = logging.getLogger("core.request")


def log_request(
    *, method: str, path: str, status: int, seconds: float, user_agent: str, protocol: str
) -> None:
    """Log one request at INFO, WARNING for 4xx, ERROR for 5xx (what alerts count)."""
    level = logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO
    if not logger.isEnabledFor(level):
        return
    # The path only: query strings carry tokens, and get_host() would raise for the
    # probes' arbitrary Host headers.
    http_request = {
        "requestMethod": method,
        "requestUrl": path,
        "status": status,
        "latency": f"{seconds:.6f}s",
        "userAgent": user_agent[:200],
        "protocol": protocol,
    }
    logger.log(
        level,
        "%s %s %s %.1fms",
        method,
        path,
        status,
        seconds * 1000,
        extra={"fields": {"httpRequest": http_request}},
    )
