"""A rollback pre-empts a running rollout of its environment.

    python -m ops.release.preempt --environment prod [--workflow cd.yml] [--timeout 900]

Cancels every queued or running release run (`cd.yml` on the environment's branch) through
the GitHub API, then waits until each has completed: their `restore` step (it runs on
cancellation) has put traffic back and released the lock by then. Exit codes: 0 nothing
running any more, 1 a run did not finish in time (named), 2 usage.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from ops.clients.actions import write_summary
from ops.clients.github import GitHub, GitHubError
from ops.release.branches import BRANCH_TARGETS


def branch_of(environment: str) -> str:
    for branch, target in BRANCH_TARGETS.items():
        if target.environment == environment:
            return branch
    known = ", ".join(t.environment for t in BRANCH_TARGETS.values())
    raise ValueError(f"environment {environment!r} is not deployed by any branch ({known})")


def preempt(
    github: GitHub, environment: str, *, workflow: str, timeout: float,
    sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
    interval: float = 10.0,
) -> list[str]:  # fmt: skip
    branch = branch_of(environment)
    runs = github.active_runs(workflow, branch)
    for run in runs:
        print(f"cancelling {run.url} ({run.status})", flush=True)
        github.cancel(run.id)
    deadline, waiting = clock() + timeout, {r.id: r for r in runs}
    while waiting:
        waiting = {i: r for i, r in waiting.items() if github.run(i).alive}
        if not waiting:
            break
        if clock() >= deadline:
            names = ", ".join(r.url for r in waiting.values())
            raise TimeoutError(f"still running after {timeout:.0f}s: {names}")
        sleep(interval)
    return [r.url for r in runs]


def main(argv: list[str] | None = None, *, github: Callable[[], GitHub] = GitHub,
         sleep: Callable[[float], None] = time.sleep) -> int:  # fmt: skip
    parser = argparse.ArgumentParser(prog="python -m ops.release.preempt", description=__doc__)
    parser.add_argument("--environment", required=True)
    parser.add_argument("--workflow", default="cd.yml")
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args(argv)
    try:
        stopped = preempt(github(), args.environment, workflow=args.workflow,
                          timeout=args.timeout, sleep=sleep)  # fmt: skip
    except (GitHubError, TimeoutError, ValueError) as exc:
        print(f"pre-empt FAILED: {exc}", file=sys.stderr)
        write_summary(f"### Pre-empt FAILED for `{args.environment}`\n\n{exc}")
        return 1
    text = (f"### Pre-empted {len(stopped)} release run(s) of `{args.environment}`\n\n"
            + "\n".join(f"- {url} (cancelled, restored)" for url in stopped))  # fmt: skip
    print(text)
    write_summary(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
