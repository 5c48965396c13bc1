"""restore-drill.yml: monthly + manual, least privilege, pinned, and it runs the tested tool."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "restore-drill.yml"


def load() -> dict:
    data = yaml.safe_load(WORKFLOW.read_text())
    # PyYAML reads the bare key `on` as boolean True (YAML 1.1).
    data["on"] = data.pop(True, data.get("on"))
    return data


def test_runs_monthly_and_on_demand():
    triggers = load()["on"]
    (schedule,) = triggers["schedule"]
    minute, hour, day, month, weekday = schedule["cron"].split()
    assert (day, month, weekday) == ("3", "*", "*"), "once a month"
    assert minute.isdigit()
    assert hour.isdigit()
    assert "workflow_dispatch" in triggers


def test_least_privilege_keyless_prod_identity():
    data = load()
    assert data["permissions"] == {}
    (job,) = data["jobs"].values()
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert job["environment"] == "prod"
    assert data["concurrency"]["cancel-in-progress"] is False
    auth = next(s for s in job["steps"] if "google-github-actions/auth" in s.get("uses", ""))
    assert auth["with"]["service_account"] == "${{ vars.DEPLOYER_SERVICE_ACCOUNT }}"
    assert "credentials_json" not in auth["with"]


def test_actions_are_sha_pinned_and_checkout_keeps_no_credentials():
    (job,) = load()["jobs"].values()
    for step in job["steps"]:
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["persist-credentials"] is False
    assert re.search(r"# v\d+\.\d+\.\d+", WORKFLOW.read_text())


def test_inputs_reach_the_shell_only_through_env_and_the_proxy_is_checksummed():
    (job,) = load()["jobs"].values()
    runs = [s["run"] for s in job["steps"] if "run" in s]
    assert not any("${{" in run for run in runs), "expressions in run: use env"
    assert any("python -m ops.recovery.restore_drill" in run for run in runs)
    assert any("sha256sum --check" in run for run in runs)
    assert re.fullmatch(r"[0-9a-f]{64}", job["env"]["PROXY_SHA256"])


def test_zizmor_offline_finds_nothing():
    zizmor = Path(sys.executable).with_name("zizmor")
    done = subprocess.run(
        [str(zizmor), "--offline", "--persona=pedantic", str(WORKFLOW)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
