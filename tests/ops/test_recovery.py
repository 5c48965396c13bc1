"""restore/preempt/ordering edges the end-to-end suite does not reach."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from ops.clients.github import Run
from ops.clients.pulumi_stack import Holder
from ops.release import ordering, preempt, restore


@dataclass
class Locked:
    name: str = "prod"
    holder_value: Holder | None = None
    cancelled: bool = False

    def locked(self) -> bool:
        return True

    def holder(self) -> Holder | None:
        return self.holder_value

    def cancel(self) -> None:
        self.cancelled = True


class GitHubRuns:
    def __init__(self, *runs: Run) -> None:
        self.runs = {r.id: r for r in runs}
        self.cancelled: list[int] = []

    def run(self, run_id: int) -> Run:
        return self.runs[run_id]

    def active_runs(self, workflow: str, branch: str) -> list[Run]:
        return [r for r in self.runs.values() if r.alive and r.branch == branch]

    def cancel(self, run_id: int) -> None:
        self.cancelled.append(run_id)


def live(run_id: int, attempt: int = 1) -> Run:
    return Run(run_id, attempt, "in_progress", None, f"https://x/runs/{run_id}", "main")


def test_a_lock_nobody_recorded_is_left_to_a_person() -> None:
    stack = Locked()
    with pytest.raises(restore.RepairError, match="pulumi cancel --stack prod --yes"):
        restore.repair_lock(stack, GitHubRuns)  # pyright: ignore[reportArgumentType]
    assert not stack.cancelled


def test_a_superseded_attempt_and_own_run_are_dead(monkeypatch: pytest.MonkeyPatch) -> None:
    old = Locked(holder_value=Holder(7, 1, "https://x/runs/7"))
    note = restore.repair_lock(old, lambda: GitHubRuns(live(7, attempt=2)))  # pyright: ignore[reportArgumentType]
    assert old.cancelled
    assert "superseded" in note
    monkeypatch.setenv("GITHUB_RUN_ID", "9")
    monkeypatch.setenv("GITHUB_RUN_ATTEMPT", "1")
    mine = Locked(holder_value=Holder(9, 1, "https://x/runs/9"))
    assert "held by this run" in restore.repair_lock(mine, GitHubRuns)  # pyright: ignore[reportArgumentType]


def test_preempt_names_runs_that_do_not_finish() -> None:
    github = GitHubRuns(live(1))
    ticks = iter(range(0, 10_000, 100))
    with pytest.raises(TimeoutError, match="https://x/runs/1"):
        preempt.preempt(github, "prod", workflow="cd.yml", timeout=300,  # pyright: ignore[reportArgumentType]
                        sleep=lambda _s: None, clock=lambda: float(next(ticks)))  # fmt: skip
    assert github.cancelled == [1]
    with pytest.raises(ValueError, match="not deployed by any branch"):
        preempt.branch_of("qa")


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout.strip()  # fmt: skip


def test_ordering_newer_same_and_unrelated(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    ident = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    shas = []
    for message in ("a", "b"):
        _git(tmp_path, *ident, "commit", "-q", "--allow-empty", "-m", message)
        shas.append(_git(tmp_path, "rev-parse", "HEAD"))
    repo = str(tmp_path)
    assert not ordering.order(shas[1], shas[0], repo=repo).skip
    assert ordering.order(shas[0], shas[1], repo=repo).skip
    assert "re-releasing" in ordering.order(shas[1], shas[1], repo=repo).reason
    unknown = ordering.order(shas[1], "f" * 40, repo=repo)
    assert not unknown.skip
    assert "WARNING" in unknown.reason


@dataclass
class Recording(Locked):
    recorded: list[Holder] | None = None

    def record_holder(self, holder: Holder) -> None:
        self.recorded = [*(self.recorded or []), holder]


def test_apply_never_overwrites_the_record_of_a_lock_holder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ops.release import traffic_config
    from ops.release.apply import LockedError, apply

    monkeypatch.setenv("GITHUB_RUN_ID", "11")
    stack = Recording(holder_value=Holder(10, 1, "https://x/runs/10"))
    change = traffic_config.promote("r/app@sha256:" + "a" * 64, "b" * 40)
    with pytest.raises(LockedError, match=r"python -m ops\.release\.restore --stack prod"):
        apply(stack, change)  # pyright: ignore[reportArgumentType]
    assert stack.recorded is None
