"""Database trouble answers 503 with Retry-After, not a 500 page.

A database restart, a failover, an exhausted pool (psycopg_pool.PoolTimeout) or a query
that gave up on a lock or ran past statement_timeout all reach a view as Django's
OperationalError. None of them is a bug in the code that a 500 would report: the client
should simply retry shortly, and Cloud Run's front end and browsers understand 503 +
Retry-After. The request line is still logged (at ERROR, as every 5xx), plus one WARNING
naming the cause, without a traceback.
"""

from __future__ import annotations

import logging

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse

from core.middleware import Handler

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
PAGE = (
    "<!doctype html><html lang=en><head><meta charset=utf-8>"
    "<title>Temporarily unavailable</title></head><body><h1>Temporarily unavailable</h1>"
    "<p>The service cannot reach its database right now. Please try again in a few "
    "seconds.</p></body></html>"
)


def unavailable_response() -> HttpResponse:
    response = HttpResponse(PAGE, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Maps OperationalError raised by a view (or its template) to 503 + Retry-After."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError):
            return None
        # The first line only: psycopg's messages can run to several lines of context.
        cause = str(exception).strip().splitlines()[0] if str(exception).strip() else ""
        logger.warning(
            "database unavailable for %s %s: %s: %s",
            request.method,
            request.path,
            type(exception.__cause__ or exception).__name__,
            cause,
        )
        return unavailable_response()
