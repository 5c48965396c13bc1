"""Disaster recovery under mocks: a promotable replica in another region, objectives exported."""

from __future__ import annotations

import pytest

from mock_run import ProgramRun, run_program
from plan import main as plan_main
from stack_config import ConfigError

SQL = "gcp:sql/databaseInstance:DatabaseInstance"


def test_committed_stacks_declare_a_replica_exactly_when_they_turn_dr_on(
    runs: dict[str, ProgramRun],
):
    for run in runs.values():
        on = run.outputs["capabilities"]["disasterRecovery"] is not None
        assert len(run.of_type(SQL)) == (2 if on else 1), run.stack
        assert ("disasterRecovery" in run.outputs) is on


def test_prod_replica_mirrors_the_primary_in_another_region():
    run = run_program("prod", {"disasterRecovery": {"enabled": True, "rpoMinutes": 5,
                                                   "rtoMinutes": 45}})  # fmt: skip
    primary = run.named("database-instance").inputs
    replica = run.named("dr-instance").inputs
    assert replica["region"] == "europe-west4" != primary["region"]
    assert replica["masterInstanceName"] == primary["name"]
    assert replica["name"] == "django-app-pg-europe-west4"
    assert replica["databaseVersion"] == primary["databaseVersion"]
    for key in ("tier", "edition", "connectorEnforcement", "ipConfiguration"):
        assert replica["settings"][key] == primary["settings"][key], key
    flags = {f["name"]: f["value"] for f in replica["settings"]["databaseFlags"]}
    assert flags["max_connections"] == "400"  # Cloud SQL: at least the primary's
    assert replica["deletionProtection"] is True
    assert run.outputs["disasterRecovery"] == {
        "rpoMinutes": 5,
        "rtoMinutes": 45,
        "replicaRegion": "europe-west4",
        "replica": "django-app-pg-europe-west4",
    }


def test_a_replica_in_the_same_region_is_refused(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(ConfigError, match="must differ from gcp:region"):
        run_program("prod", {"disasterRecovery": {"enabled": True,
                                                  "replicaRegion": "europe-west1"}})  # fmt: skip
    code = plan_main(
        ["prod", "--set", 'disasterRecovery={"enabled": true, "replicaRegion": "mars-1"}']
    )
    assert code == 2
    assert (
        "django-gcp:disasterRecovery.replicaRegion = 'mars-1' is invalid" in capsys.readouterr().err
    )
