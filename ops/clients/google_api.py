"""The one door to Google APIs: a session Protocol, JSON calls with clear errors, polling.

CI passes google-auth's AuthorizedSession (credentials from google-github-actions/auth's
credentials file, refreshed through STS as needed); tests pass fakes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)


class HttpResponse(Protocol):
    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


class HttpSession(Protocol):
    def request(self, method: str, url: str, **kwargs: Any) -> HttpResponse: ...


class GoogleApiError(RuntimeError):
    """A Google API answered with an error; the message names the call and the reason."""


def authorized_session() -> HttpSession:  # pragma: no cover - needs real credentials
    # Imported here so importing ops never requires the ops dependency group.
    import google.auth
    from google.auth.transport.requests import AuthorizedSession

    credentials, _project = google.auth.default(scopes=list(SCOPES))
    return AuthorizedSession(credentials)


def call(
    session: HttpSession,
    method: str,
    url: str,
    *,
    body: dict[str, Any] | None = None,
    params: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> dict[str, Any]:
    response = session.request(method, url, json=body, params=params, timeout=timeout)
    if response.status_code >= 400:
        try:
            message = response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = response.text[:500]
        raise GoogleApiError(f"{method} {url} -> HTTP {response.status_code}: {message}")
    if not response.text:
        return {}
    data = response.json()
    if not isinstance(data, dict):
        raise GoogleApiError(f"{method} {url} -> expected a JSON object, got {data!r:.200}")
    return data


def wait_for[T](
    poll: Callable[[], T | None],
    *,
    what: str,
    timeout: float,
    interval: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Call ``poll`` until it returns a value; TimeoutError naming ``what`` past ``timeout``."""
    deadline = clock() + timeout
    while True:
        result = poll()
        if result is not None:
            return result
        if clock() >= deadline:
            raise TimeoutError(f"{what}: not finished after {timeout:.0f}s")
        sleep(interval)
