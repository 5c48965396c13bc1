"""Monthly restore drill: clone prod's Cloud SQL instance at a recent point in time, prove
the clone serves the app (its healthcheck command), record the RTO, always delete the clone.

    python -m ops.recovery.restore_drill --outputs prod.json [--lag-minutes 10] [--rto-target 3600]

The clone gets a throwaway password for the app user (set on the clone only), so the drill
reads no secret from Secret Manager; the healthcheck runs the deployed image through the
Cloud SQL Auth Proxy (ops/drill_healthcheck.py). Exit codes: 0 drill passed, 1 drill failed
(the clone was deleted), 3 the clone could NOT be deleted (act now: RUNBOOK), 2 usage.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ops.clients.google_api import GoogleApiError, HttpSession, authorized_session, call, wait_for
from ops.release.outputs import OutputError, load

SQLADMIN = "https://sqladmin.googleapis.com/v1"


@dataclass(frozen=True)
class CloneDatabase:
    """What the healthcheck needs to reach the clone."""

    connection_name: str
    name: str
    user: str
    password: str


Healthcheck = Callable[[CloneDatabase], tuple[bool, str]]


@dataclass(frozen=True)
class DrillPlan:
    project: str
    instance: str
    clone: str
    point_in_time: datetime
    db_name: str = "app"
    db_user: str = "app"
    timeout: float = 3600.0
    """Per long operation (clone, delete); big databases clone slowly."""
    interval: float = 15.0


@dataclass
class DrillReport:
    plan: DrillPlan
    steps: list[tuple[str, bool, float, str]] = field(default_factory=list)
    rto_seconds: float | None = None
    error: str | None = None
    clone_deleted: bool = False

    @property
    def passed(self) -> bool:
        return self.error is None and self.rto_seconds is not None


def clone_name(instance: str, now: datetime) -> str:
    # Cloud SQL keeps a deleted instance's name reserved for days: never reuse one.
    return f"{instance[:60]}-drill-{now:%Y%m%d%H%M}"


class SqlAdmin:
    def __init__(
        self,
        session: HttpSession,
        plan: DrillPlan,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
    ) -> None:
        self.session, self.plan, self.sleep, self.clock = session, plan, sleep, clock
        self.base = f"{SQLADMIN}/projects/{plan.project}"

    def wait(self, operation: dict, what: str) -> None:
        name = operation.get("name")
        if not name:
            raise GoogleApiError(f"{what}: the API returned no operation: {operation!r:.300}")

        def poll() -> dict | None:
            current = call(self.session, "GET", f"{self.base}/operations/{name}")
            return current if current.get("status") == "DONE" else None

        done = wait_for(
            poll,
            what=f"{what} (operation {name})",
            timeout=self.plan.timeout,
            interval=self.plan.interval,
            sleep=self.sleep,
            clock=self.clock,
        )
        errors = (done.get("error") or {}).get("errors") or []
        if errors:
            reasons = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors)
            raise GoogleApiError(f"{what} failed (operation {name}): {reasons}")

    def clone(self) -> None:
        p = self.plan
        body = {
            "cloneContext": {
                "destinationInstanceName": p.clone,
                "pointInTime": p.point_in_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        }
        op = call(self.session, "POST", f"{self.base}/instances/{p.instance}/clone", body=body)
        self.wait(op, f"clone {p.instance} -> {p.clone}")

    def set_password(self, password: str) -> None:
        p = self.plan
        url = f"{self.base}/instances/{p.clone}/users"
        body = {"name": p.db_user, "password": password}
        op = call(self.session, "PUT", url, body=body, params={"name": p.db_user})
        self.wait(op, f"set a drill password for {p.db_user} on {p.clone}")

    def connection_name(self) -> str:
        instance = call(self.session, "GET", f"{self.base}/instances/{self.plan.clone}")
        return str(instance.get("connectionName") or "")

    def delete(self) -> None:
        """Delete the clone if it exists (it may not, when the clone call itself failed)."""
        url = f"{self.base}/instances/{self.plan.clone}"
        if self.session.request("GET", url, timeout=30.0).status_code == 404:
            return
        # A clone inherits the source's deletion protection; lift it on the clone only.
        body = {"settings": {"deletionProtectionEnabled": False}}
        self.wait(call(self.session, "PATCH", url, body=body), f"unprotect {self.plan.clone}")
        self.wait(call(self.session, "DELETE", url), f"delete {self.plan.clone}")


def run_drill(
    session: HttpSession,
    plan: DrillPlan,
    healthcheck: Healthcheck,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    new_password: Callable[[], str] = lambda: secrets.token_urlsafe(32),
) -> DrillReport:
    """Clone, verify, delete; the report says what happened and how long each step took."""
    admin, report = SqlAdmin(session, plan, sleep, clock), DrillReport(plan)
    started = clock()

    def step(name: str, action: Callable[[], None], detail: str) -> None:
        begun = clock()
        try:
            action()
        except (GoogleApiError, TimeoutError, OSError) as exc:
            report.steps.append((name, False, clock() - begun, str(exc)))
            raise
        report.steps.append((name, True, clock() - begun, detail))

    try:
        at = plan.point_in_time.strftime("%Y-%m-%dT%H:%M:%SZ")
        step(f"clone at {at}", admin.clone, plan.clone)
        password = new_password()
        step("drill password on the clone", lambda: admin.set_password(password), plan.db_user)
        db = CloneDatabase(admin.connection_name(), plan.db_name, plan.db_user, password)
        begun = clock()
        healthy, output = healthcheck(db)
        report.steps.append(("app healthcheck against the clone", healthy, clock() - begun, output))
        if healthy:
            report.rto_seconds = clock() - started
        else:
            report.error = f"the healthcheck failed against {plan.clone}:\n{output}"
    except (GoogleApiError, TimeoutError, OSError) as exc:
        report.error = str(exc)
    finally:
        try:
            step("delete the clone", admin.delete, plan.clone)
            report.clone_deleted = True
        except (GoogleApiError, TimeoutError, OSError) as exc:
            report.error = (report.error + "\n" if report.error else "") + f"cleanup: {exc}"
    return report


def steps_table(title: str, steps: list[tuple[str, bool, float, str]]) -> list[str]:
    """The job summary's heading and one row per drill step (both drills)."""
    lines = [title, "", "| step | result | seconds | detail |", "| --- | --- | ---: | --- |"]
    for name, ok, seconds, detail in steps:
        short = " ".join(detail.split())[:160].replace("|", "/")
        lines.append(f"| {name} | {'ok' if ok else 'FAILED'} | {seconds:.0f} | {short} |")
    return lines


def summary_markdown(report: DrillReport, rto_target: float) -> str:
    p = report.plan
    title = f"## Restore drill: `{p.project}/{p.instance}` -> `{p.clone}`"
    lines = steps_table(title, report.steps)
    lines.append("")
    if report.rto_seconds is not None:
        verdict = "within" if report.rto_seconds <= rto_target else "OVER"
        lines.append(
            f"**RTO: {report.rto_seconds:.0f} s** ({verdict} the target of "
            f"{rto_target:.0f} s) from the clone request to a healthy app check."
        )
    if report.error:
        lines.append(f"**Drill failed:** {report.error}")
    if not report.clone_deleted:
        lines.append(
            f"**The clone still exists. Delete it now:** `gcloud sql instances "
            f"delete {p.clone} --project {p.project}` (RUNBOOK: restore drill)."
        )
    return "\n".join(lines) + "\n"


def _proxy_docker_healthcheck(image: str) -> Healthcheck:  # pragma: no cover - needs docker
    from ops.recovery.drill_healthcheck import ProxyDockerHealthcheck

    return ProxyDockerHealthcheck(image=image)


def main(
    argv: list[str] | None = None,
    *,
    session: HttpSession | None = None,
    healthcheck: Healthcheck | None = None,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ops.recovery.restore_drill", description=__doc__
    )
    parser.add_argument("--outputs", required=True, help="prod stack outputs JSON")
    parser.add_argument("--lag-minutes", type=int, default=10, help="restore this far back")
    parser.add_argument("--rto-target", type=float, default=3600.0, help="seconds")
    parser.add_argument("--db-name", default="app")
    parser.add_argument("--db-user", default="app")
    parser.add_argument("--timeout", type=float, default=3600.0)
    args = parser.parse_args(argv)
    now = now or datetime.now(UTC)
    try:
        outputs = load(args.outputs)
        instance = outputs.text("dbInstanceName")
        plan = DrillPlan(
            project=outputs.text("projectId"),
            instance=instance,
            clone=clone_name(instance, now),
            point_in_time=now - timedelta(minutes=args.lag_minutes),
            db_name=args.db_name,
            db_user=args.db_user,
            timeout=args.timeout,
        )
        check = healthcheck or _proxy_docker_healthcheck(outputs.text("image"))
    except OutputError as exc:
        print(f"restore drill: {exc}", file=sys.stderr)
        return 2
    report = run_drill(session or authorized_session(), plan, check, sleep=sleep)
    text = summary_markdown(report, args.rto_target)
    print(text)
    if summary_path := os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(summary_path, "a", encoding="utf-8") as summary:
            summary.write(text)
    if not report.clone_deleted:
        return 3
    too_slow = report.rto_seconds is not None and report.rto_seconds > args.rto_target
    return 0 if report.passed and not too_slow else 1


if __name__ == "__main__":
    sys.exit(main())
