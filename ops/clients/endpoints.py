"""Where the Google clients connect and with which credentials.

Production uses the public endpoints and Application Default Credentials (the file
google-github-actions/auth writes). An endpoint override (``OPS_<API>_ENDPOINT``) exists so
the release suite can serve the APIs from a local fake; it is accepted only on loopback,
where anonymous credentials are used, so no real token can ever leave for a fake.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from google.auth import credentials as ga_credentials

SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class EndpointError(ValueError):
    """An endpoint override that is not a loopback URL."""


@dataclass(frozen=True)
class Endpoint:
    """``url`` None means the client's public default."""

    url: str | None = None

    @property
    def local(self) -> bool:
        return self.url is not None

    def client_options(self) -> dict[str, str]:
        return {"api_endpoint": self.url} if self.url else {}

    def base(self, default: str) -> str:
        return (self.url or default).rstrip("/")


def endpoint(api: str) -> Endpoint:
    """``OPS_RUN_ENDPOINT`` etc.; unset -> the public endpoint."""
    name = f"OPS_{api.upper()}_ENDPOINT"
    url = os.environ.get(name, "").strip()
    if not url:
        return Endpoint()
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.hostname not in LOOPBACK:
        raise EndpointError(f"{name}={url!r}: overrides are for local fakes only (127.0.0.1)")
    return Endpoint(url)


def credentials(where: Endpoint) -> ga_credentials.Credentials:
    if where.local:
        return ga_credentials.AnonymousCredentials()
    import google.auth  # pragma: no cover - real credentials only in CI

    found, _project = google.auth.default(scopes=list(SCOPES))  # pragma: no cover
    return found  # pragma: no cover
