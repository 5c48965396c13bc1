"""Retries with exponential backoff on the errors Google calls transient (429, 5xx gateways).

One policy for every official client (google.api_core.retry) and one for plain sessions
(urllib3 Retry), so a single 503 while polling never fails a release: the work keeps running
server-side and the next poll sees it.
"""

from __future__ import annotations

from dataclasses import dataclass

from google.api_core import exceptions, retry
from urllib3.util.retry import Retry

TRANSIENT_STATUS = (429, 500, 502, 503, 504)
_TRANSIENT_TYPES = (
    exceptions.TooManyRequests,
    exceptions.InternalServerError,
    exceptions.BadGateway,
    exceptions.ServiceUnavailable,
    exceptions.GatewayTimeout,
)


@dataclass(frozen=True)
class Backoff:
    """Seconds: first wait, cap per wait, give up after; tests shrink them, not the logic."""

    initial: float = 1.0
    maximum: float = 30.0
    deadline: float = 300.0
    multiplier: float = 2.0


DEFAULT_BACKOFF = Backoff()


def is_transient(error: Exception) -> bool:
    return isinstance(error, _TRANSIENT_TYPES)


def api_retry(backoff: Backoff | None = None) -> retry.Retry:
    backoff = backoff or DEFAULT_BACKOFF  # read at call time: the release suite shrinks it
    return retry.Retry(
        predicate=retry.if_exception_type(*_TRANSIENT_TYPES),
        initial=backoff.initial,
        maximum=backoff.maximum,
        multiplier=backoff.multiplier,
        timeout=backoff.deadline,
    )


def session_retry(backoff: Backoff | None = None) -> Retry:
    """urllib3 Retry for requests sessions; every method, since Google's 5xx mean "not done"."""
    backoff = backoff or DEFAULT_BACKOFF
    return Retry(
        total=8,
        backoff_factor=backoff.initial,
        backoff_max=backoff.maximum,
        status_forcelist=TRANSIENT_STATUS,
        allowed_methods=None,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
