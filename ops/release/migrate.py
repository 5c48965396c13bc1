"""Run the migration job (Cloud Run v2 jobs:run) and wait for its execution to finish.

    python -m ops.release.migrate --outputs candidate.json [--timeout 1800]

The job runs the candidate's image (the stack points it at the same digest), so migrations
are applied before any traffic reaches the revision that needs them.
Exit codes: 0 succeeded, 1 failed or timed out (the message names the execution and its
logs), 2 usage.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

from ops.clients.google_api import GoogleApiError, HttpSession, authorized_session, call, wait_for
from ops.release.outputs import OutputError, load

RUN = "https://run.googleapis.com/v2"


class MigrationError(RuntimeError):
    """The execution finished without succeeding; the message names it and its logs."""


def run_job(
    session: HttpSession,
    *,
    project: str,
    region: str,
    job: str,
    timeout: float = 1800.0,
    interval: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Start an execution and wait; returns the finished Execution resource."""
    operation = call(
        session, "POST", f"{RUN}/projects/{project}/locations/{region}/jobs/{job}:run", body={}
    )
    name = operation.get("name")
    if not name:
        raise GoogleApiError(f"jobs.run returned no operation: {operation!r:.300}")
    execution = (operation.get("metadata") or {}).get("name", "(unknown execution)")
    print(f"migration job {job}: started execution {execution}")

    def poll() -> dict[str, Any] | None:
        current = call(session, "GET", f"{RUN}/{name}")
        return current if current.get("done") else None

    done = wait_for(
        poll, what=f"migration job {job} execution {execution}", timeout=timeout,
        interval=interval, sleep=sleep,
    )  # fmt: skip
    result: dict[str, Any] = done.get("response") or done.get("metadata") or {}
    logs = result.get("logUri") or (done.get("metadata") or {}).get("logUri") or "(no log link)"
    if done.get("error"):
        message = done["error"].get("message", done["error"])
        raise MigrationError(f"migration job {job} execution {execution} failed: {message}; "
                              f"logs: {logs}")  # fmt: skip
    if int(result.get("failedCount") or 0) > 0 or int(result.get("succeededCount") or 0) < 1:
        raise MigrationError(
            f"migration job {job} execution {execution} did not succeed "
            f"(succeeded={result.get('succeededCount', 0)}, "
            f"failed={result.get('failedCount', 0)}); logs: {logs}"
        )
    return result


def main(argv: list[str] | None = None, *, session: HttpSession | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.release.migrate", description=__doc__)
    parser.add_argument("--outputs", required=True, help="stack outputs JSON")
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args(argv)
    try:
        outputs = load(args.outputs)
        job = outputs.text("migrationJobName")
        run_job(
            session or authorized_session(), project=outputs.text("projectId"),
            region=outputs.text("region"), job=job, timeout=args.timeout,
        )  # fmt: skip
    except (OutputError, GoogleApiError, MigrationError, TimeoutError) as exc:
        print(f"migration FAILED: {exc}", file=sys.stderr)
        return 1
    print(f"migration job {job}: succeeded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
