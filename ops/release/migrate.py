"""Run the migration job and wait for its execution, as long as the job itself may run.

    python -m ops.release.migrate --outputs candidate.json

The job runs the candidate's image, so migrations are applied before any traffic reaches
the revision that needs them. The wait is as long as the execution may run: the job's
task timeout x (max retries + 1), read from the job itself and never less than the output
`migrationTimeoutSeconds`, plus a margin: a shorter wait would fail a deploy while the
migration keeps running. Transient API errors while polling are retried with backoff.
Exit codes: 0 succeeded, 1 failed or timed out (names the execution and its logs), 2 usage.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from google.api_core import exceptions as api_exceptions

from ops.clients.actions import write_summary
from ops.clients.cloud_run import CloudRun, ExecutionState
from ops.clients.google_api import wait_for
from ops.release.outputs import OutputError, load

MARGIN_SECONDS = 300  # scheduling and start-up before the job's own clock starts


class MigrationError(RuntimeError):
    """The execution finished without succeeding; the message names it and its logs."""


def execute(
    run: CloudRun, job: str, *, label: str, timeout: float, interval: float,
    sleep: Callable[[float], None], clock: Callable[[], float],
) -> ExecutionState:  # fmt: skip
    """Start one execution of `job` and wait until it is done (succeeded or not)."""
    execution = run.start_job(job)
    print(f"{label} {job}: started execution {execution}", flush=True)

    def poll() -> ExecutionState | None:
        state = run.execution(execution)
        return state if state.done else None

    return wait_for(poll, what=f"{label} {job} execution {execution}", timeout=timeout,
                    interval=interval, sleep=sleep, clock=clock)  # fmt: skip


def did_not_succeed(state: ExecutionState) -> bool:
    return bool(state.failed or state.cancelled or state.succeeded < 1)


def run_job(
    run: CloudRun, job: str, *, timeout: float, interval: float = 10.0,
    sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
) -> ExecutionState:  # fmt: skip
    done = execute(run, job, label="migration job", timeout=timeout, interval=interval,
                   sleep=sleep, clock=clock)  # fmt: skip
    if did_not_succeed(done):
        raise MigrationError(
            f"migration job {job} execution {done.name} did not succeed (succeeded="
            f"{done.succeeded}, failed={done.failed}, cancelled={done.cancelled}); "
            f"logs: {done.log_uri or '(no log link)'}"
        )
    return done


def main(
    argv: list[str] | None = None, *, sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:  # fmt: skip
    parser = argparse.ArgumentParser(prog="python -m ops.release.migrate", description=__doc__)
    parser.add_argument("--outputs", required=True, help="stack outputs JSON")
    parser.add_argument("--timeout", type=float, help="seconds; at least the job's timeout")
    args = parser.parse_args(argv)
    try:
        outputs = load(args.outputs)
        job = outputs.text("migrationJobName")
        job_timeout = int(outputs.require("migrationTimeoutSeconds"))
        if args.timeout is not None and args.timeout < job_timeout:
            parser.error(
                f"--timeout {args.timeout:.0f} is shorter than the job's own timeout "
                f"({job_timeout}s): the wait would give up on a running migration"
            )
        run = CloudRun(outputs.text("projectId"), outputs.text("region"))
        task_timeout, retries = run.job_limits(job)
        longest = max(job_timeout, task_timeout) * (retries + 1)
        timeout = args.timeout or longest + MARGIN_SECONDS
        print(
            f"migration job {job}: waiting up to {timeout:.0f}s ({retries + 1} attempt(s) of "
            f"{max(job_timeout, task_timeout)}s + {MARGIN_SECONDS}s)",
            flush=True,
        )
        done = run_job(run, job, timeout=timeout, sleep=sleep, clock=clock)
    except (OutputError, MigrationError, TimeoutError, api_exceptions.GoogleAPIError,
            RuntimeError) as exc:  # fmt: skip
        print(f"migration FAILED: {exc}", file=sys.stderr)
        write_summary(f"### Migration FAILED\n\n{exc}")
        return 1
    print(f"migration job {job}: execution {done.name} succeeded")
    write_summary(f"### Migration `{done.name}` succeeded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
