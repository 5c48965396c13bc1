"""Resolve the rollback target: a named revision of the service, or "previous".

"previous" is the newest healthy revision created before the one serving now, so a
rollback right after a bad promotion lands on what served before it.
"""

from __future__ import annotations

from ops.clients.cloud_run import RevisionInfo as Revision
from ops.release.outputs import StackOutputs

PREVIOUS = "previous"


class RevisionError(ValueError):
    pass


__all__ = ["PREVIOUS", "Revision", "RevisionError", "resolve"]


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
