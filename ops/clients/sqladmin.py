"""Cloud SQL Admin over an AuthorizedSession with urllib3 retries (no maintained v1 client
for backupRuns in the dependency set; the session is what Google's own docs use)."""

from __future__ import annotations

from requests.adapters import HTTPAdapter

from ops.clients.endpoints import credentials, endpoint
from ops.clients.google_api import HttpSession
from ops.clients.retry import Backoff, session_retry

SQLADMIN = "https://sqladmin.googleapis.com/v1"


def sqladmin_base() -> str:
    where = endpoint("sqladmin")
    return f"{where.url.rstrip('/')}/v1" if where.url else SQLADMIN


def sqladmin_session(backoff: Backoff | None = None) -> HttpSession:
    from google.auth.transport.requests import AuthorizedSession

    session = AuthorizedSession(credentials(endpoint("sqladmin")))
    adapter = HTTPAdapter(max_retries=session_retry(backoff))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
