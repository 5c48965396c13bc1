"""The offline plan command: inventory, diff, errors and speed."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from mock_run import ROOT, stack_config
from plan import main


def test_inventory_lists_components_resources_settings_and_summary(capsys: pytest.CaptureFixture):
    assert main(["prod"]) == 0
    out = capsys.readouterr().out
    assert "[database] django-gcp:database:Database" in out
    assert "DatabaseInstance             database-instance" in out
    assert "availabilityType=REGIONAL" in out
    assert "pointInTimeRecoveryEnabled=True" in out
    assert "path=/health/live/" in out
    assert re.search(r"summary: \d+ resources in 9 components", out)
    project = stack_config("prod")["gcp:project"]
    assert f"deployerServiceAccount: django-app-deployer@{project}.iam.gserviceaccount.com" in out
    assert "xxxxxxxx" not in out  # secrets never printed


def test_diff_shows_what_differs_between_stacks(capsys: pytest.CaptureFixture):
    assert main(["--diff", "staging", "prod"]) == 0
    out = capsys.readouterr().out
    assert "settings.availabilityType: ZONAL  ->  REGIONAL" in out
    assert "settings.tier: db-custom-1-3840  ->  db-custom-2-7680" in out
    assert "rolloutSteps: [100]  ->  [10, 50, 100]" in out
    # Per-stack identity (project ids) is factored out, so it is not reported as a change.
    projects = [stack_config(s)["gcp:project"] for s in ("staging", "prod")]
    assert f"project: {projects[0]}  ->  {projects[1]}" not in out


def test_bad_config_exits_2_with_the_validation_error(capsys: pytest.CaptureFixture):
    assert main(["prod", "--set", "trafficMode=canary"]) == 2
    err = capsys.readouterr().err
    assert (
        "error: stack prod: django-gcp:trafficMode = 'canary' is invalid: needs "
        "django-gcp:stableRevision" in err
    )


def test_plan_runs_as_a_script_for_all_stacks_in_under_5_seconds():
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "infra" / "plan.py"), "dev", "staging", "prod"],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("== stack ") == 3
    assert elapsed < 5, f"offline plan of three stacks took {elapsed:.2f}s"
