"""What the cross-region drill checks against (the stack's `disasterRecovery` output) and
what it found: the plan, the report with its RTO/RPO evidence, and the job-summary table."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ops.recovery.restore_drill import clone_name, steps_table


@dataclass(frozen=True)
class Objectives:
    """The stack's `disasterRecovery` output: where the replica is and what to meet."""

    replica: str
    replica_region: str
    rpo_minutes: int
    rto_minutes: int

    @classmethod
    def from_output(cls, value: Any) -> Objectives:
        if not isinstance(value, dict):
            raise ValueError(f"expected an object, got {value!r:.100}")
        keys = ("replica", "replicaRegion", "rpoMinutes", "rtoMinutes")
        if missing := [key for key in keys if key not in value]:
            raise ValueError(f"missing {', '.join(missing)} (infra/__main__.py exports all four)")
        return cls(
            replica=str(value["replica"]),
            replica_region=str(value["replicaRegion"]),
            rpo_minutes=int(value["rpoMinutes"]),
            rto_minutes=int(value["rtoMinutes"]),
        )


@dataclass(frozen=True)
class CrossRegionPlan:
    project: str
    instance: str
    objectives: Objectives
    now: datetime
    db_name: str = "app"
    db_user: str = "app"
    timeout: float = 3600.0
    interval: float = 15.0
    stale_hours: float = 6.0
    max_backup_age_hours: float = 26.0
    """Automated backups are daily: older than a day and a bit means they stopped."""

    @property
    def scratch(self) -> str:
        return f"{clone_name(self.instance, self.now)}-dr"


@dataclass
class CrossRegionReport:
    plan: CrossRegionPlan
    steps: list[tuple[str, bool, float, str]] = field(default_factory=list)
    rto_seconds: float | None = None
    backup_age_seconds: float | None = None
    replica_lag_seconds: float | None = None
    replica_usable: bool = False
    problems: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    scratch_deleted: bool = False

    @property
    def rpo_seconds(self) -> float | None:
        """Data lost if the region went now: the freshest healthy copy outside it."""
        copies = [self.backup_age_seconds]
        if self.replica_usable:
            copies.append(self.replica_lag_seconds)
        known = [seconds for seconds in copies if seconds is not None]
        return min(known) if known else None

    @property
    def passed(self) -> bool:
        return not self.problems and not self.missed and self.scratch_deleted

    def judge(self) -> None:
        """Name each objective the evidence misses (none measured: nothing to name)."""
        o = self.plan.objectives
        if self.rto_seconds is not None and self.rto_seconds > o.rto_minutes * 60:
            self.missed.append(
                f"RTO: restore took {self.rto_seconds / 60:.1f} min, objective {o.rto_minutes} min"
            )
        rpo = self.rpo_seconds
        if rpo is not None and rpo > o.rpo_minutes * 60:
            lag = self.replica_lag_seconds if self.replica_usable else None
            source = "replica lag" if lag == rpo else "newest backup's age"
            self.missed.append(
                f"RPO: {rpo / 60:.1f} min of data would be lost ({source}), "
                f"objective {o.rpo_minutes} min"
            )


def summary_markdown(report: CrossRegionReport) -> str:
    p, o = report.plan, report.plan.objectives
    title = (
        f"## Cross-region drill: `{p.project}/{p.instance}` -> `{p.scratch}` ({o.replica_region})"
    )
    lines = steps_table(title, report.steps)
    rto, rpo = report.rto_seconds, report.rpo_seconds
    lag, age = report.replica_lag_seconds, report.backup_age_seconds
    lines += [
        "",
        "| objective | measured | target |",
        "| --- | ---: | ---: |",
        f"| RTO (create + restore + healthy) | {_minutes(rto)} | {o.rto_minutes} min |",
        f"| RPO (freshest copy outside the region) | {_minutes(rpo)} | {o.rpo_minutes} min |",
        f"| replica lag | {_minutes(lag)} | |",
        f"| newest backup's age | {_minutes(age)} | |",
        "",
    ]
    lines += [f"**Objective missed:** {m}" for m in report.missed]
    lines += [f"**Drill failed:** {problem}" for problem in report.problems]
    if report.passed:
        lines.append("**Passed:** both objectives met by measurement.")
    if not report.scratch_deleted:
        lines.append(
            f"**The scratch instance still exists. Delete it now:** `gcloud sql instances "
            f"delete {p.scratch} --project {p.project}` (RUNBOOK: restore drill)."
        )
    return "\n".join(lines) + "\n"


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "not measured"
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"
