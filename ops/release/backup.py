"""On-demand Cloud SQL backup before prod migrations (sqladmin backupRuns.insert + wait).

    python -m ops.release.backup --outputs candidate.json [--timeout 1800]

Exit codes: 0 backup done, 1 it failed or timed out, 2 usage.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from ops.clients.actions import write_summary
from ops.clients.google_api import GoogleApiError, HttpSession, call, wait_for
from ops.clients.sessions import sqladmin_base, sqladmin_session
from ops.release.outputs import OutputError, load


def take_backup(
    session: HttpSession,
    *,
    project: str,
    instance: str,
    description: str,
    timeout: float = 1800.0,
    interval: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> str:
    """Start a backup run and wait for its operation; returns the operation name."""
    operation = call(
        session,
        "POST",
        f"{sqladmin_base()}/projects/{project}/instances/{instance}/backupRuns",
        body={"description": description},
    )
    name = operation.get("name")
    if not name:
        raise GoogleApiError(f"backupRuns.insert returned no operation: {operation!r:.300}")

    def poll() -> dict | None:
        current = call(session, "GET", f"{sqladmin_base()}/projects/{project}/operations/{name}")
        return current if current.get("status") == "DONE" else None

    done = wait_for(
        poll, what=f"backup of {instance} (operation {name})", timeout=timeout,
        interval=interval, sleep=sleep, clock=clock,
    )  # fmt: skip
    errors = (done.get("error") or {}).get("errors") or []
    if errors:
        reasons = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors)
        raise GoogleApiError(f"backup of {instance} failed (operation {name}): {reasons}")
    return str(name)


def main(
    argv: list[str] | None = None, *, session: HttpSession | None = None,
    sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
) -> int:  # fmt: skip
    parser = argparse.ArgumentParser(prog="python -m ops.release.backup", description=__doc__)
    parser.add_argument("--outputs", required=True, help="stack outputs JSON")
    parser.add_argument("--description", default="pre-migration backup (CD)")
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args(argv)
    try:
        outputs = load(args.outputs)
        project, instance = outputs.text("projectId"), outputs.text("dbInstanceName")
        operation = take_backup(
            session or sqladmin_session(), project=project, instance=instance,
            description=args.description, timeout=args.timeout, sleep=sleep, clock=clock,
        )  # fmt: skip
    except (OutputError, GoogleApiError, TimeoutError, OSError) as exc:
        print(f"backup FAILED: {exc}", file=sys.stderr)
        write_summary(f"### Backup FAILED\n\n{exc}")
        return 1
    print(f"backup of {project}/{instance} done (operation {operation})")
    write_summary(f"### Backup of `{instance}` done (operation `{operation}`)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
