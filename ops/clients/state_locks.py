"""The DIY (gs://) Pulumi backend's lock files, and the record of which CI run took one.

Pulumi writes ``.pulumi/locks/organization/<project>/<stack>/<uuid>.json`` while an update
runs and deletes it when the update ends; a killed update leaves it. The DIY backend has
no stack tags, so before each update the release writes who it is to
``.pulumi/ci-holders/<project>/<stack>.json`` (outside the locks folder: Pulumi would count
any file there as a lock) and deletes it after the update ended. Through the Cloud Storage
JSON API with the retrying session.
"""

from __future__ import annotations

from dataclasses import asdict
from urllib.parse import quote, urlsplit

from ops.clients.google_api import GoogleApiError, HttpSession, call
from ops.clients.pulumi_stack import Holder
from ops.clients.sessions import authorized_session, storage_base


class StateLocks:
    def __init__(self, backend_url: str, project: str, stack: str, *,
                 session: HttpSession | None = None) -> None:  # fmt: skip
        parts = urlsplit(backend_url)
        if parts.scheme != "gs" or not parts.netloc:
            raise ValueError(f"PULUMI_BACKEND_URL={backend_url!r}: expected gs://<bucket>[/path]")
        self._bucket, self._prefix = parts.netloc, parts.path.strip("/")
        self._project, self._stack = project, stack
        self._session = session or authorized_session("storage")

    def _key(self, *parts: str) -> str:
        return "/".join(p for p in (self._prefix, ".pulumi", *parts) if p)

    def _holder_key(self) -> str:
        return self._key("ci-holders", self._project, f"{self._stack}.json")

    def _object(self, key: str) -> str:
        return f"{storage_base()}/storage/v1/b/{self._bucket}/o/{quote(key, safe='')}"

    def locked(self) -> bool:
        prefix = self._key("locks", "organization", self._project, self._stack) + "/"
        page = call(self._session, "GET", f"{storage_base()}/storage/v1/b/{self._bucket}/o",
                    params={"prefix": prefix})  # fmt: skip
        return any(str(i.get("name", "")).endswith(".json") for i in page.get("items") or [])

    def holder(self) -> Holder | None:
        try:
            data = call(self._session, "GET", self._object(self._holder_key()),
                        params={"alt": "media"})  # fmt: skip
        except GoogleApiError as exc:
            if "HTTP 404" in str(exc):
                return None
            raise
        return Holder(int(data["run_id"]), int(data["attempt"]), str(data["url"]))

    def record(self, holder: Holder) -> None:
        upload = f"{storage_base()}/upload/storage/v1/b/{self._bucket}/o"
        params = {"uploadType": "media", "name": self._holder_key()}
        call(self._session, "POST", upload, params=params, body=asdict(holder))

    def clear(self) -> None:
        try:
            call(self._session, "DELETE", self._object(self._holder_key()))
        except GoogleApiError as exc:
            if "HTTP 404" not in str(exc):  # already gone: what clearing wanted
                raise
