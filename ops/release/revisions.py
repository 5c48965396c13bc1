"""Resolve the rollback target: a named revision of the service, or "previous".

"previous" is the newest healthy revision created before the one serving now, so a
rollback right after a bad promotion lands on what served before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ops.clients.google_api import HttpSession, call
from ops.release.outputs import StackOutputs

RUN = "https://run.googleapis.com/v2"
PREVIOUS = "previous"


class RevisionError(ValueError):
    pass


@dataclass(frozen=True)
class Revision:
    name: str
    create_time: str  # RFC 3339; sorts chronologically as text
    failed: bool


def list_revisions(session: HttpSession, outputs: StackOutputs) -> list[Revision]:
    """Every revision of the service, newest first."""
    url = (
        f"{RUN}/projects/{outputs.text('projectId')}/locations/{outputs.text('region')}"
        f"/services/{outputs.text('serviceName')}/revisions"
    )
    params: dict[str, str] = {"pageSize": "100"}
    found: list[Revision] = []
    while True:
        page = call(session, "GET", url, params=params)
        for item in page.get("revisions") or []:
            conditions = item.get("conditions") or []
            failed = any(
                c.get("type") == "Ready" and c.get("state") == "CONDITION_FAILED"
                for c in conditions
            )
            found.append(Revision(item["name"].rsplit("/", 1)[-1], item.get("createTime", ""),
                                  failed))  # fmt: skip
        token = page.get("nextPageToken")
        if not token:
            return sorted(found, key=lambda r: r.create_time, reverse=True)
        params["pageToken"] = token


def resolve(requested: str, outputs: StackOutputs, revisions: list[Revision]) -> str:
    names = [r.name for r in revisions]
    recent = ", ".join(names[:5]) or "(none)"
    if requested != PREVIOUS:
        if requested not in names:
            raise RevisionError(f"revision {requested!r} does not exist; newest: {recent}")
        return requested
    serving = outputs.serving_revision()
    if serving is None or serving not in names:
        raise RevisionError(f"cannot tell which revision serves now ({serving!r}); name one")
    serving_time = next(r.create_time for r in revisions if r.name == serving)
    for revision in revisions:
        if revision.create_time < serving_time and not revision.failed:
            return revision.name
    raise RevisionError(f"no healthy revision older than {serving}; newest: {recent}")
