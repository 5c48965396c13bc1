"""Cross-region restore drill (RUNBOOK "Restore drill"; logic in ops/recovery/cross_region.py).

    python -m ops.recovery.cross_region_drill --outputs prod.json [--mode cross-region|both]
    python -m ops.recovery.cross_region_drill --outputs prod.json --sweep-only --stale-hours 0

`--mode cross-region` (asked for by name) exits 2 on a stack without disasterRecovery;
`--mode both` (the monthly run) notes the skip and exits 0, so a stack that has not opted in
is not red every month. `--sweep-only` deletes this primary's drill instances older than
--stale-hours (the workflow's always() step after a cancelled run). Exit codes: 0 passed,
1 failed (an objective missed or a check failed), 2 usage, 3 the scratch instance is left.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from ops.clients.actions import write_summary
from ops.clients.google_api import HttpSession, authorized_session
from ops.recovery.cross_region import FAILURES, CrossRegionDrill, run_cross_region
from ops.recovery.dr_objectives import CrossRegionPlan, Objectives, summary_markdown
from ops.recovery.restore_drill import Healthcheck
from ops.release.outputs import OutputError, load

NOT_ENABLED = (
    "the stack has no disasterRecovery output: set disasterRecovery.enabled: true in "
    "Pulumi.<stack>.yaml (and deploy it) to declare the replica and the RPO/RTO objectives"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ops.recovery.cross_region_drill", description=__doc__
    )
    parser.add_argument("--outputs", required=True, help="prod stack outputs JSON")
    parser.add_argument("--mode", choices=("cross-region", "both"), default="cross-region")
    parser.add_argument("--sweep-only", action="store_true")
    parser.add_argument("--stale-hours", type=float, default=6.0)
    parser.add_argument("--max-backup-age-hours", type=float, default=26.0)
    parser.add_argument("--db-name", default="app")
    parser.add_argument("--db-user", default="app")
    parser.add_argument("--timeout", type=float, default=3600.0)
    return parser


def main(
    argv: list[str] | None = None,
    *,
    session: HttpSession | None = None,
    healthcheck: Healthcheck | None = None,
    now: datetime | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    args = _parser().parse_args(argv)
    try:
        outputs = load(args.outputs)
        project, instance = outputs.text("projectId"), outputs.text("dbInstanceName")
        raw = outputs.raw.get("disasterRecovery")
        if raw is None and not args.sweep_only:
            if args.mode == "both":
                write_summary(f"Cross-region drill skipped: {NOT_ENABLED}.\n")
                print(f"cross-region drill skipped: {NOT_ENABLED}")
                return 0
            print(f"cross-region drill: {NOT_ENABLED}", file=sys.stderr)
            return 2
        # --sweep-only needs no objectives: the placeholders are never read.
        objectives = Objectives.from_output(raw) if raw else Objectives("", "", 1, 1)
    except (OutputError, ValueError, KeyError) as exc:
        print(f"cross-region drill: disasterRecovery output: {exc}", file=sys.stderr)
        return 2
    plan = CrossRegionPlan(
        project=project, instance=instance, objectives=objectives, now=now or datetime.now(UTC),
        db_name=args.db_name, db_user=args.db_user, timeout=args.timeout,
        stale_hours=args.stale_hours, max_backup_age_hours=args.max_backup_age_hours,
    )  # fmt: skip
    session = session or authorized_session()
    if args.sweep_only:
        drill = CrossRegionDrill(session, plan, lambda db: (False, ""), clock=clock, sleep=sleep,
                                 new_password=lambda: "")  # fmt: skip
        try:
            print(f"sweep: {drill.sweep()}")
        except FAILURES as exc:
            print(f"sweep failed: {exc}", file=sys.stderr)
            return 3
        return 0
    check = healthcheck or _proxy_docker_healthcheck(outputs.text("image"))
    report = run_cross_region(session, plan, check, clock=clock, sleep=sleep)
    text = summary_markdown(report)
    print(text)
    write_summary(text)
    if not report.scratch_deleted:
        return 3
    return 0 if report.passed else 1


def _proxy_docker_healthcheck(image: str) -> Healthcheck:  # pragma: no cover - needs docker
    from ops.recovery.drill_healthcheck import ProxyDockerHealthcheck

    return ProxyDockerHealthcheck(image=image)


if __name__ == "__main__":
    sys.exit(main())
