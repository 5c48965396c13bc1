"""The cross-region drill against the fake Cloud SQL (tests/ops/fakes.py): RTO/RPO measured
and judged, the replica's health, the scratch instance always deleted, usage errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ops.recovery.cross_region import run_cross_region
from ops.recovery.cross_region_drill import main
from ops.recovery.dr_objectives import CrossRegionPlan, CrossRegionReport, Objectives
from ops.recovery.restore_drill import CloneDatabase
from tests.ops.fakes import Clock, FakeCloudSql, outputs, write_json

NOW = datetime(2026, 12, 3, 5, 17, tzinfo=UTC)
PRIMARY, REPLICA = "django-app-pg", "django-app-pg-europe-west4"
SCRATCH = "django-app-pg-drill-202612030517-dr"
HOUR = 3600.0
DR = {"rpoMinutes": 15, "rtoMinutes": 60, "replicaRegion": "europe-west4", "replica": REPLICA}


def world(*, backup_ago: float = 5 * HOUR, lag: float | None = 2.5) -> FakeCloudSql:
    """Prod as deployed with disasterRecovery: primary, replica, backups in eu (and one
    newer in the primary's own region, which a lost region takes with it)."""
    api = FakeCloudSql(Clock(), NOW)
    primary = api.add_instance(PRIMARY, "europe-west1")
    primary["settings"]["backupConfiguration"] = {"enabled": True, "location": "eu"}
    api.add_instance(REPLICA, "europe-west4", masterInstanceName=f"acme-django-prod:{PRIMARY}")
    api.add_backup(PRIMARY, ended_ago=backup_ago, location="eu")
    api.add_backup(PRIMARY, ended_ago=HOUR, location="europe-west1")
    if lag is not None:
        api.lag[REPLICA] = [(30, lag), (90, 4.0)]
    return api


def drill(api: FakeCloudSql, seen: list[CloneDatabase] | None = None, **overrides: Any):
    def healthcheck(db: CloneDatabase) -> tuple[bool, str]:
        # The existing data checks, against what the restore produced.
        (seen if seen is not None else []).append(db)
        api.clock.now += 30
        scratch = api.instances[db.connection_name.rsplit(":", 1)[-1]]
        ok = scratch["state"] == "RUNNABLE" and db.user in scratch["users"]
        return ok, "ok   database: connected" if ok else "FAIL database: no such user"

    objectives = Objectives(REPLICA, "europe-west4", 15, 60)
    now = overrides.pop("now", NOW)
    fields: dict[str, Any] = {"timeout": 2 * HOUR, **overrides}
    plan = CrossRegionPlan("acme-django-prod", PRIMARY, objectives, now, **fields)
    return run_cross_region(api, plan, healthcheck, clock=api.clock, sleep=api.clock.sleep,
                            new_password=lambda: "drill-password")  # fmt: skip


def calls(api: FakeCloudSql, method: str, suffix: str) -> list[Any]:
    return [body for m, url, body in api.calls if m == method and url.endswith(suffix)]


def assert_scratch_gone(api: FakeCloudSql, report: CrossRegionReport) -> None:
    assert report.scratch_deleted
    assert PRIMARY in api.instances
    assert not [name for name in api.instances if "-drill-" in name]


def test_restores_the_backup_from_its_location_in_the_dr_region_and_measures_both():
    api, seen = world(), []
    report = drill(api, seen)
    assert report.passed, report.problems
    (insert,) = calls(api, "POST", "/instances")
    assert insert["region"] == "europe-west4"
    assert insert["databaseVersion"] == "POSTGRES_16"
    assert insert["settings"]["deletionProtectionEnabled"] is False
    (restore,) = calls(api, "POST", f"/{SCRATCH}/restoreBackup")
    # The eu backup (5 h old), not the newer one that lives in the lost region.
    assert restore == {"restoreBackupContext": {"backupRunId": "1000", "instanceId": PRIMARY,
                                                "project": "acme-django-prod"}}  # fmt: skip
    assert seen == [CloneDatabase(f"acme-django-prod:europe-west4:{SCRATCH}", "app", "app",
                                  "drill-password")]  # fmt: skip
    # RTO = create (300 s) + restore (600 s) + password (15 s) + healthcheck (30 s).
    assert report.rto_seconds == 945
    assert report.replica_lag_seconds == 2.5
    assert report.backup_age_seconds == 5 * HOUR
    assert report.rpo_seconds == 2.5  # the replica is the freshest copy outside the region
    assert_scratch_gone(api, report)


def test_cli_writes_the_measured_objectives_to_the_job_summary(tmp_path: Path, monkeypatch):
    api = world()
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    path = write_json(tmp_path / "prod.json", outputs(disasterRecovery=DR))
    code = main(
        ["--outputs", path, "--timeout", "7200"], session=api, now=NOW,
        healthcheck=lambda db: (True, "ok"), clock=api.clock, sleep=api.clock.sleep,
    )  # fmt: skip
    assert code == 0
    text = summary.read_text()
    # This healthcheck takes no time: 300 + 600 + 15 s.
    assert "| RTO (create + restore + healthy) | 15.2 min | 60 min |" in text
    assert "| RPO (freshest copy outside the region) | 2.5 s | 15 min |" in text
    assert "| newest backup's age | 300.0 min | |" in text
    assert "**Passed:**" in text
    assert SCRATCH not in api.instances


def test_restore_too_slow_misses_the_rto_by_name():
    api = world()
    api.seconds["restore"] = HOUR
    report = drill(api)
    assert not report.passed
    assert report.missed == ["RTO: restore took 65.8 min, objective 60 min"]
    assert_scratch_gone(api, report)


def test_backup_too_old_without_a_usable_replica_misses_the_rpo():
    api = world()
    del api.instances[REPLICA]
    report = drill(api)
    assert f"replica {REPLICA} does not exist (promoted or deleted?)" in report.problems
    assert report.missed == ["RPO: 300.0 min of data would be lost (newest backup's age), "
                             "objective 15 min"]  # fmt: skip
    assert report.rto_seconds == 945  # the backup path itself still proven
    assert_scratch_gone(api, report)


def test_a_lagging_replica_misses_the_rpo_and_backups_that_stopped_are_named():
    api = world(lag=20 * 60, backup_ago=30 * HOUR)
    report = drill(api)
    assert report.missed == ["RPO: 20.0 min of data would be lost (replica lag), objective 15 min"]
    assert any("30.0 h old" in p and "automated backups have stopped" in p
               for p in report.problems)  # fmt: skip
    assert_scratch_gone(api, report)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"region": "europe-west3"}, "is in europe-west3, not replicaRegion europe-west4"),
        ({"state": "SUSPENDED"}, "is SUSPENDED, not RUNNABLE"),
        ({"masterInstanceName": ""}, f"does not replicate {PRIMARY}"),  # promoted
    ],
)
def test_a_replica_that_could_not_take_over_fails_the_drill(change: dict, problem: str):
    api = world()
    api.instances[REPLICA].update(change)
    report = drill(api)
    assert not report.passed
    assert any(p.startswith(f"replica {REPLICA} {problem}") for p in report.problems)
    replica_step = next(s for s in report.steps if s[0] == f"replica {REPLICA}")
    assert replica_step[1] is False
    assert_scratch_gone(api, report)


def test_a_replica_without_lag_samples_is_not_trusted():
    report = drill(world(lag=None))
    assert any("reported no replica_lag" in p for p in report.problems)
    assert report.rpo_seconds == 5 * HOUR  # falls back to the backup


def test_a_failed_restore_still_deletes_the_scratch_instance():
    api = world()
    api.fail["restore"] = "ERROR_RDBMS: the backup could not be read"
    report = drill(api)
    assert any("restore backup 1000 into" in p and "could not be read" in p
               for p in report.problems)  # fmt: skip
    assert report.rto_seconds is None
    assert_scratch_gone(api, report)


def test_a_scratch_name_taken_is_a_409_and_a_restore_that_hangs_times_out():
    api = world()
    api.reserved.add(SCRATCH)  # Cloud SQL keeps a deleted instance's name for a while
    report = drill(api)
    assert any("HTTP 409" in p and "already exists" in p for p in report.problems)
    assert report.scratch_deleted
    api = world()
    api.stuck.add("restore")
    report = drill(api, timeout=1800.0)
    assert any("not finished after 1800s" in p for p in report.problems)
    assert_scratch_gone(api, report)


def test_a_scratch_instance_that_cannot_be_deleted_exits_3(tmp_path: Path, monkeypatch):
    api = world()
    api.stuck.add("delete")
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    path = write_json(tmp_path / "prod.json", outputs(disasterRecovery=DR))
    code = main(
        ["--outputs", path, "--timeout", "7200"], session=api, now=NOW,
        healthcheck=lambda db: (True, "ok"), clock=api.clock, sleep=api.clock.sleep,
    )  # fmt: skip
    assert code == 3
    assert f"gcloud sql instances delete {SCRATCH} --project acme-django-prod" in (
        summary.read_text()
    )


def test_the_sweep_deletes_only_stale_drill_instances_of_this_primary():
    api = world()
    api.clock.now = 10 * HOUR  # instances created at t=0 are now 10 h old
    stale = api.add_instance("django-app-pg-drill-202611030517", "europe-west1")
    stale["createTime"] = api.stamp(8 * HOUR)
    left_dr = api.add_instance("django-app-pg-drill-202611030517-dr", "europe-west4")
    left_dr["createTime"] = api.stamp(9 * HOUR)
    api.add_instance("django-app-pg-drill-202612030400", "europe-west1")  # 0 h: a live drill
    api.add_instance("django-app-pg-drill-notes", "europe-west1")  # not a drill's name
    api.add_instance("other-app-pg-drill-202611030517", "europe-west1")
    report = drill(api, now=api.wall())
    sweep = report.steps[0]
    assert sweep[1] is True
    assert "django-app-pg-drill-202611030517," in sweep[3]
    assert "django-app-pg-drill-202611030517-dr" in sweep[3]
    kept = {"django-app-pg-drill-202612030400", "django-app-pg-drill-notes",
            "other-app-pg-drill-202611030517"}  # fmt: skip
    assert set(api.instances) == {PRIMARY, REPLICA, *kept}


def test_sweep_only_after_a_cancelled_run_deletes_every_drill_instance(tmp_path: Path, capsys):
    api = world()
    api.add_instance(SCRATCH, "europe-west4")["settings"]["deletionProtectionEnabled"] = True
    path = write_json(tmp_path / "prod.json", outputs(disasterRecovery=DR))
    code = main(["--outputs", path, "--sweep-only", "--stale-hours", "0"], session=api,
                now=api.wall(), clock=api.clock, sleep=api.clock.sleep)  # fmt: skip
    assert code == 0
    assert SCRATCH not in api.instances
    assert f"deleted {SCRATCH}" in capsys.readouterr().out


def test_a_stack_without_disaster_recovery_exits_2_naming_the_key(tmp_path: Path, capsys):
    api = world()
    path = write_json(tmp_path / "prod.json", outputs())
    assert main(["--outputs", path], session=api, now=NOW) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "set disasterRecovery.enabled: true" in err
    assert api.calls == []
    # The monthly run (--mode both) notes the skip and passes instead.
    assert main(["--outputs", path, "--mode", "both"], session=api, now=NOW) == 0
    assert "skipped" in capsys.readouterr().out
    bad = write_json(tmp_path / "bad.json", outputs(disasterRecovery={"replica": REPLICA}))
    assert main(["--outputs", bad], session=api, now=NOW) == 2
    assert "disasterRecovery output: missing replicaRegion" in capsys.readouterr().err
