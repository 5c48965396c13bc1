"""Repair what an interrupted run left behind: a stale state lock and a traffic split.

    python -m ops.release.restore --stack prod [--save-outputs current.json]

Deploy and rollback run this first, and again when a job fails, is cancelled or times out
(`if: failure() || cancelled()`). Idempotent: on a healthy stack it changes nothing.
1. Lock: cleared (`pulumi cancel`) only when its holder - recorded beside the state before
   every `up` - is no longer alive: this very run (its earlier step was killed), an earlier
   attempt of it, or a GitHub run that has completed. A live holder, or an unknown one (a
   person at a terminal), fails with the exact command and the holder's run URL.
2. Split: when the live service (Cloud Run, not the possibly stale state) spreads traffic
   over more than one revision, 100% goes back to the stable one (the named revision that
   is not the newest).
Exit codes: 0 repaired or nothing to do, 1 cannot repair (message says what to run), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from google.api_core import exceptions as api_exceptions

from ops.clients.actions import write_summary
from ops.clients.cloud_run import CloudRun
from ops.clients.github import GitHub, GitHubError
from ops.clients.pulumi_stack import Holder, StackApi, cancel_command
from ops.release import traffic_config
from ops.release.apply import LockedError, StackFactory, apply, open_stack
from ops.release.outputs import LATEST_TYPE, OutputError, StackOutputs


class RepairError(RuntimeError):
    """Cannot repair safely; the message names the command a person must run."""


def _holder_dead(holder: Holder, github: GitHub) -> tuple[bool, str]:
    me = Holder.from_env()
    if me is not None and holder.run_id == me.run_id and holder.attempt <= me.attempt:
        return True, f"held by this run ({holder.url}, attempt {holder.attempt}): its step ended"
    run = github.run(holder.run_id)
    if not run.alive:
        return True, f"holder {holder.url} has {run.status} ({run.conclusion})"
    if run.attempt > holder.attempt:
        return True, f"holder {holder.url} attempt {holder.attempt} was superseded"
    return False, f"holder {holder.url} (attempt {holder.attempt}) is still {run.status}"


def repair_lock(stack: StackApi, github_factory: Callable[[], GitHub] = GitHub) -> str:
    if not stack.locked():
        return "no lock"
    holder = stack.holder()
    if holder is None:
        raise RepairError(
            f"stack {stack.name} is locked by an update no CI run recorded (a "
            f"person?); once it has ended run `{cancel_command(stack.name)}`"
        )
    dead, why = _holder_dead(holder, github_factory())
    if not dead:
        raise RepairError(f"stack {stack.name} is locked: {why}. Wait for it, or if it is "
                          f"stuck cancel it and run `{cancel_command(stack.name)}`")  # fmt: skip
    stack.cancel()
    return f"stale lock cleared ({why})"


def stable_of(outputs: StackOutputs, live_revisions: list[str], latest: str | None) -> str:
    named = [e.revision for e in outputs.traffic
             if e.type != LATEST_TYPE and e.percent > 0 and e.revision != latest]  # fmt: skip
    for revision in named + [r for r in live_revisions if r != latest]:
        if revision in live_revisions:
            return revision
    raise RepairError(f"traffic is split over {live_revisions} and none is the stable one; "
                      "run the rollback workflow naming the revision to serve")  # fmt: skip


def repair_split(stack: StackApi) -> tuple[str, StackOutputs]:
    outputs = StackOutputs(raw=stack.outputs())
    if outputs.raw.get("serviceDeclared") is False or not outputs.latest_revision:
        return "no service yet", outputs
    run = CloudRun(outputs.text("projectId"), outputs.text("region"))
    live = run.service(outputs.text("serviceName"))
    if not live.split:
        serving = live.traffic[0].revision if live.traffic else "(nothing)"
        return f"no split ({serving} serves 100%)", outputs
    shown = ", ".join(f"{s.revision} {s.percent}%" for s in live.traffic)
    stable = stable_of(outputs, [s.revision for s in live.traffic], live.latest_ready)
    image = outputs.text("image")
    change = traffic_config.abort(image, traffic_config.serving_commit(outputs), stable)
    after = apply(stack, change)
    return f"split ({shown}) restored: 100% to {stable}", after


def main(
    argv: list[str] | None = None, *, stacks: StackFactory = open_stack,
    github: Callable[[], GitHub] = GitHub,
) -> int:  # fmt: skip
    parser = argparse.ArgumentParser(prog="python -m ops.release.restore", description=__doc__)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--save-outputs", help="write the stack outputs after repair here")
    args = parser.parse_args(argv)
    stack = stacks(args.stack)
    rows: list[tuple[str, str]] = []
    try:
        rows.append(("state lock", repair_lock(stack, github)))
        split, outputs = repair_split(stack)
        rows.append(("traffic", split))
    except (RepairError, LockedError, GitHubError, OutputError, traffic_config.PhaseError,
            api_exceptions.GoogleAPIError, OSError) as exc:  # fmt: skip
        rows.append(("FAILED", str(exc)))
        _report(args.stack, rows)
        print(f"restore FAILED on {args.stack}: {exc}", file=sys.stderr)
        return 1
    if args.save_outputs:
        Path(args.save_outputs).write_text(json.dumps(outputs.raw, indent=2), encoding="utf-8")
    _report(args.stack, rows)
    return 0


def _report(stack: str, rows: list[tuple[str, str]]) -> None:
    run = os.environ.get("GITHUB_RUN_ID", "local")
    lines = [f"### Restore check on `{stack}` (run {run})", "", "| what | result |",
             "| --- | --- |", *(f"| {w} | {r.replace('|', '/')} |" for w, r in rows)]  # fmt: skip
    text = "\n".join(lines)
    print(text)
    write_summary(text)


if __name__ == "__main__":
    sys.exit(main())
