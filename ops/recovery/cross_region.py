"""The cross-region restore drill: prove prod's data survives losing its region, measured.

Two paths to a database outside the primary's region, both checked (RUNBOOK "Lose a region"):

- the replica (`disasterRecovery.replicaRegion`): exists, RUNNABLE, in that region, still a
  replica of the primary, and its replication lag (Cloud Monitoring's
  `cloudsql.googleapis.com/database/replication/replica_lag`) within the RPO;
- the backups: the newest successful backup stored in the backup location is restored
  (instances.restoreBackup, which Cloud SQL allows onto an instance in another region) into
  a scratch instance created in the replica's region; the app's healthcheck runs against
  it, and the time from creating it to a healthy check is the RTO evidence.

The RPO evidence is the freshest copy outside the region: the replica's lag when it is
healthy, else the newest backup's age (point-in-time logs live in the primary's region and
are lost with it). Either objective missed fails the drill, by name. The scratch instance
is always deleted; drill instances older than --stale-hours (a cancelled or crashed run)
are deleted first.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from ops.clients.google_api import GoogleApiError, HttpSession, call
from ops.recovery.dr_objectives import CrossRegionPlan, CrossRegionReport
from ops.recovery.restore_drill import CloneDatabase, DrillPlan, Healthcheck, SqlAdmin

MONITORING = "https://monitoring.googleapis.com/v3"
LAG_METRIC = "cloudsql.googleapis.com/database/replication/replica_lag"
FAILURES = (GoogleApiError, TimeoutError, OSError)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class CrossRegionDrill:
    def __init__(
        self,
        session: HttpSession,
        plan: CrossRegionPlan,
        healthcheck: Healthcheck,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        new_password: Callable[[], str],
    ) -> None:
        self.session, self.plan, self.healthcheck = session, plan, healthcheck
        self.clock, self.new_password = clock, new_password
        scratch = DrillPlan(
            plan.project,
            plan.instance,
            plan.scratch,
            plan.now,
            plan.db_name,
            plan.db_user,
            plan.timeout,
            plan.interval,
        )
        self.admin = SqlAdmin(session, scratch, sleep, clock)
        self.report = CrossRegionReport(plan)
        self.backup: dict[str, Any] = {}

    def step(self, name: str, action: Callable[[], str]) -> None:
        begun = self.clock()
        try:
            detail = action()
        except FAILURES as exc:
            self.report.steps.append((name, False, self.clock() - begun, str(exc)))
            raise
        self.report.steps.append((name, True, self.clock() - begun, detail))

    def get(self, instance: str) -> dict[str, Any]:
        return call(self.session, "GET", f"{self.admin.base}/instances/{instance}")

    def sweep(self) -> str:
        """Delete drill instances of this primary left by a run that could not clean up."""
        p = self.plan
        # Only names this tool and restore_drill.py create: <instance>-drill-<minute>[-dr].
        pattern = re.compile(rf"{re.escape(p.instance[:60])}-drill-\d{{12}}(-dr)?")
        listing = call(self.session, "GET", f"{self.admin.base}/instances")
        cutoff, swept = p.now - timedelta(hours=p.stale_hours), []
        for item in listing.get("items") or []:
            name = str(item.get("name", ""))
            created = item.get("createTime")
            if pattern.fullmatch(name) and created and _time(created) <= cutoff:
                leftover = DrillPlan(
                    p.project, p.instance, name, p.now, timeout=p.timeout, interval=p.interval
                )
                SqlAdmin(self.session, leftover, self.admin.sleep, self.clock).delete()
                swept.append(name)
        return f"deleted {', '.join(swept)}" if swept else f"none older than {p.stale_hours:g} h"

    def check_replica(self) -> str:
        p, o, report = self.plan, self.plan.objectives, self.report
        url = f"{self.admin.base}/instances/{o.replica}"
        if self.session.request("GET", url, timeout=30.0).status_code == 404:
            report.problems.append(f"replica {o.replica} does not exist (promoted or deleted?)")
            return "does not exist"
        replica = self.get(o.replica)
        wrong = []
        if replica.get("region") != o.replica_region:
            wrong.append(f"is in {replica.get('region')}, not replicaRegion {o.replica_region}")
        if replica.get("state") != "RUNNABLE":
            wrong.append(f"is {replica.get('state')}, not RUNNABLE")
        if str(replica.get("masterInstanceName", "")).split(":")[-1] != p.instance:
            wrong.append(
                f"does not replicate {p.instance} (masterInstanceName "
                f"{replica.get('masterInstanceName')!r})"
            )
        lag = self.replica_lag()
        report.replica_lag_seconds = lag
        if lag is None:
            wrong.append("reported no replica_lag in the last 10 minutes (replication stopped?)")
        report.problems += [f"replica {o.replica} {w}" for w in wrong]
        # Usable: promotable now. Its lag is judged with the RPO (report.judge), not here.
        report.replica_usable = not wrong
        return "; ".join(wrong) if wrong else f"RUNNABLE in {o.replica_region}, lag {lag:.0f} s"

    def replica_lag(self) -> float | None:
        p = self.plan
        database_id = f"{p.project}:{p.objectives.replica}"
        params = {
            "filter": f'metric.type="{LAG_METRIC}" AND resource.labels.database_id="{database_id}"',
            "interval.startTime": f"{p.now - timedelta(minutes=10):%Y-%m-%dT%H:%M:%SZ}",
            "interval.endTime": f"{p.now:%Y-%m-%dT%H:%M:%SZ}",
        }
        url = f"{MONITORING}/projects/{p.project}/timeSeries"
        points = [
            point
            for series in call(self.session, "GET", url, params=params).get("timeSeries") or []
            for point in series.get("points") or []
        ]
        if not points:
            return None
        newest = max(points, key=lambda point: _time(point["interval"]["endTime"]))
        value = newest["value"]
        return float(value.get("doubleValue", value.get("int64Value", 0)))

    def newest_backup(self, location: str) -> str:
        p = self.plan
        url = f"{self.admin.base}/instances/{p.instance}/backupRuns"
        runs = call(self.session, "GET", url, params={"maxResults": "50"}).get("items") or []
        usable = [
            r for r in runs if r.get("status") == "SUCCESSFUL" and r.get("location") == location
        ]
        if not usable:
            raise GoogleApiError(f"no successful backup of {p.instance} stored in {location}")
        backup = max(usable, key=lambda r: _time(r["endTime"]))
        age = (p.now - _time(backup["endTime"])).total_seconds()
        self.report.backup_age_seconds = age
        if age > p.max_backup_age_hours * 3600:
            self.report.problems.append(
                f"the newest backup in {location} is {age / 3600:.1f} h old (more than "
                f"{p.max_backup_age_hours:g} h): automated backups have stopped"
            )
        self.backup = backup
        return f"{backup['id']}, ended {backup['endTime']} ({age / 3600:.1f} h ago)"

    def create_scratch(self, primary: dict[str, Any]) -> str:
        p, settings = self.plan, primary.get("settings") or {}
        body = {
            "name": p.scratch,
            "region": p.objectives.replica_region,
            "databaseVersion": primary["databaseVersion"],
            "settings": {
                "tier": settings.get("tier"),
                "edition": settings.get("edition"),
                "availabilityType": "ZONAL",
                "dataDiskSizeGb": settings.get("dataDiskSizeGb"),
                "deletionProtectionEnabled": False,
                "connectorEnforcement": "REQUIRED",
                "ipConfiguration": {
                    "ipv4Enabled": True,
                    "authorizedNetworks": [],
                    "sslMode": "ENCRYPTED_ONLY",
                },
                "backupConfiguration": {"enabled": False},
                "userLabels": {"app": "django-gcp", "role": "restore-drill"},
            },
        }
        op = call(self.session, "POST", f"{self.admin.base}/instances", body=body)
        self.admin.wait(op, f"create {p.scratch} in {p.objectives.replica_region}")
        return p.scratch

    def restore(self) -> str:
        p, backup = self.plan, self.backup
        context = {"backupRunId": backup["id"], "instanceId": p.instance, "project": p.project}
        url = f"{self.admin.base}/instances/{p.scratch}/restoreBackup"
        op = call(self.session, "POST", url, body={"restoreBackupContext": context})
        self.admin.wait(op, f"restore backup {backup['id']} into {p.scratch}")
        return f"backup {backup['id']} of {backup['endTime']} ({backup['location']})"

    def run(self) -> CrossRegionReport:
        p, o, report = self.plan, self.plan.objectives, self.report
        try:
            self.step("sweep leftover drill instances", self.sweep)
            try:  # a broken replica still lets the backup path be proven
                self.step(f"replica {o.replica}", self.check_replica)
                if not report.replica_usable:  # the step ran; what it found is a failure
                    name, _, seconds, detail = report.steps[-1]
                    report.steps[-1] = (name, False, seconds, detail)
            except FAILURES as exc:
                report.problems.append(f"replica {o.replica}: {exc}")
            primary = self.get(p.instance)
            location = (primary.get("settings") or {}).get("backupConfiguration", {}).get(
                "location"
            ) or primary.get("region", "?")
            if location == primary.get("region"):
                report.problems.append(
                    f"backups are stored in {location}, the primary's "
                    "region: set disasterRecovery.backupLocation"
                )
            self.step(f"newest backup in {location}", lambda: self.newest_backup(location))
            started = self.clock()
            self.step(
                f"create {p.scratch} in {o.replica_region}", lambda: self.create_scratch(primary)
            )
            self.step("restore it from the backup", self.restore)
            password = self.new_password()
            self.step("drill password", lambda: self.admin.set_password(password) or p.db_user)
            db = CloneDatabase(self.admin.connection_name(), p.db_name, p.db_user, password)
            begun = self.clock()
            healthy, output = self.healthcheck(db)
            report.steps.append(("app healthcheck", healthy, self.clock() - begun, output))
            if healthy:
                report.rto_seconds = self.clock() - started
            else:
                report.problems.append(f"the healthcheck failed against {p.scratch}:\n{output}")
        except FAILURES as exc:
            report.problems.append(str(exc))
        finally:
            try:
                self.step(f"delete {p.scratch}", lambda: self.admin.delete() or "deleted")
                report.scratch_deleted = True
            except FAILURES as exc:
                report.problems.append(f"cleanup: {exc}")
        report.judge()
        return report


def run_cross_region(
    session: HttpSession,
    plan: CrossRegionPlan,
    healthcheck: Healthcheck,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    new_password: Callable[[], str] | None = None,
) -> CrossRegionReport:
    password = new_password or (lambda: secrets.token_urlsafe(32))
    drill = CrossRegionDrill(
        session, plan, healthcheck, clock=clock, sleep=sleep, new_password=password
    )
    return drill.run()
