"""The offline plan command: inventory, diff, errors and speed."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from capabilities import CAPABILITY_COMPONENTS
from mock_run import PROJECT, ROOT, stack_config
from plan import main


def test_inventory_lists_components_resources_settings_and_summary(capsys: pytest.CaptureFixture):
    assert main(["prod"]) == 0
    out = capsys.readouterr().out
    assert "[database] django-gcp:database:Database" in out
    assert "DatabaseInstance             database-instance" in out
    assert "availabilityType=REGIONAL" in out
    assert "pointInTimeRecoveryEnabled=True" in out
    assert "path=/health/live/" in out
    summary = re.search(r"summary: \d+ resources in (\d+) components", out)
    assert summary
    assert int(summary.group(1)) == len(re.findall(r"^\[[\w-]+\] ", out, re.M))
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


SECTIONS = ("slo", "audit", "media", "cache", "frontDoor", "disasterRecovery", "tracing")


def _turned_on_in_file(stack: str) -> set[str]:
    """Read straight from the YAML, not through the model the plan itself uses."""
    raw = stack_config(stack)
    on = {key for key in SECTIONS if (raw.get(f"{PROJECT}:{key}") or {}).get("enabled")}
    if (raw.get(f"{PROJECT}:rollout") or {}).get("minErrorBudgetRemaining") is not None:
        on.add("rollout.minErrorBudgetRemaining")
    return on


def _plan_says(out: str) -> dict[str, str]:
    block = out.split("optional sections", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^  (\S+)\s+(on |off)(.*)$", block, re.M)
    return {key: state.strip() + note for key, state, note in rows}


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_the_plan_shows_exactly_what_each_stack_turns_on(stack: str, capsys):
    assert main([stack]) == 0
    out = capsys.readouterr().out
    says = _plan_says(out)
    assert set(says) == {*SECTIONS, "rollout.minErrorBudgetRemaining"}
    assert {key for key, row in says.items() if row.startswith("on")} == _turned_on_in_file(stack)
    for key, component in CAPABILITY_COMPONENTS.items():
        declared = component is not None and re.search(rf"^\[[\w-]+\] \S+:{component}$", out, re.M)
        if component is not None:
            assert bool(declared) == says[key].startswith("on"), (key, says[key])
        assert "declared once the service exists" not in says[key]


def test_a_section_on_before_the_first_image_says_when_it_appears(capsys):
    # SLOs need the service; before the first image the plan says so instead of hiding it.
    assert main(["staging", "--bootstrap", "--set", 'slo={"enabled": true}']) == 0
    says = _plan_says(capsys.readouterr().out)
    assert says["slo"].startswith("on")
    assert says["slo"].endswith("(declared once the service exists)")
