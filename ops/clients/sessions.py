"""Google APIs without a maintained client in the dependency set (Cloud SQL Admin
backupRuns, Cloud Storage objects): an AuthorizedSession with urllib3 retries on transient
errors, and each API's base URL (overridable on loopback for the release suite)."""

from __future__ import annotations

from requests.adapters import HTTPAdapter

from ops.clients.endpoints import credentials, endpoint
from ops.clients.google_api import HttpSession
from ops.clients.retry import Backoff, session_retry

SQLADMIN = "https://sqladmin.googleapis.com/v1"
STORAGE = "https://storage.googleapis.com"


def sqladmin_base() -> str:
    where = endpoint("sqladmin")
    return f"{where.url.rstrip('/')}/v1" if where.url else SQLADMIN


def storage_base() -> str:
    return endpoint("storage").base(STORAGE)


def authorized_session(api: str, backoff: Backoff | None = None) -> HttpSession:
    from google.auth.transport.requests import AuthorizedSession

    session = AuthorizedSession(credentials(endpoint(api)))
    adapter = HTTPAdapter(max_retries=session_retry(backoff))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def sqladmin_session(backoff: Backoff | None = None) -> HttpSession:
    return authorized_session("sqladmin", backoff)
