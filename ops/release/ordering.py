"""Never replace a newer serving commit with an older one (two merges in quick succession).

A release of commit C is skipped when the stack serves commit S and C is a strict ancestor
of S (`git merge-base --is-ancestor C S`): S already contains C. Re-releasing S itself goes
ahead (a re-run). Commits git cannot relate (a rewritten history, a shallow clone missing
S) go ahead with a warning: refusing would block every release after a force-push.
"""

from __future__ import annotations

import subprocess  # nosec B404: fixed argv, no shell
from dataclasses import dataclass


@dataclass(frozen=True)
class Order:
    skip: bool
    reason: str


def _is_ancestor(older: str, newer: str, repo: str) -> bool | None:
    result = subprocess.run(  # noqa: S603
        ["git", "-C", repo, "merge-base", "--is-ancestor", older, newer],  # noqa: S607
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode in (0, 1):
        return result.returncode == 0
    return None  # 128: unknown commit (shallow clone or rewritten history)


def order(commit: str, serving: str | None, *, repo: str = ".") -> Order:
    if not serving:
        return Order(False, "nothing serves a commit yet")
    if serving == commit:
        return Order(False, f"{commit[:12]} already serves: re-releasing the same commit")
    if _is_ancestor(commit, serving, repo):
        return Order(True, f"{commit[:12]} is older than the serving {serving[:12]} "
                           "(an ancestor of it): skipped, the newer release stays")  # fmt: skip
    related = _is_ancestor(serving, commit, repo)
    if related is None or not related:
        return Order(False, f"WARNING: git cannot order {commit[:12]} and the serving "
                            f"{serving[:12]}; releasing anyway")  # fmt: skip
    return Order(False, f"{commit[:12]} is newer than the serving {serving[:12]}")
