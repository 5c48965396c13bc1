"""Every workflow: schema-valid, zizmor-clean, least privilege, pinned, no injection paths."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.workflows.conftest import WORKFLOWS, triggers

BIN = Path(sys.executable).parent
PINNED = re.compile(r"^\s*(?:-\s*)?uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+\s*$")


def test_every_workflow_matches_githubs_schema() -> None:
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert len(files) >= 6
    result = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_offline_finds_nothing() -> None:
    # All of .github: the workflows and dependabot.yml (dependabot-cooldown audit).
    result = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--format", "json", str(WORKFLOWS.parent)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert json.loads(result.stdout or "[]") == [], result.stdout[:4000]
    assert result.returncode == 0, result.stderr[-2000:]


def test_permissions_start_empty_and_id_token_only_where_google_auth_runs(workflows) -> None:
    for name, workflow in workflows.items():
        assert workflow["permissions"] == {}, f"{name}: top-level permissions must be {{}}"
        for job_id, job in workflow["jobs"].items():
            assert "permissions" in job, f"{name}:{job_id} has no explicit permissions"
            steps = job.get("steps", [])
            authenticates = any("google-github-actions/auth" in s.get("uses", "") for s in steps)
            calls_deploy = "deploy.yml" in job.get("uses", "")
            if job["permissions"].get("id-token") == "write":
                assert authenticates or calls_deploy, f"{name}:{job_id} needs no id-token"
            else:
                assert not authenticates, f"{name}:{job_id} authenticates without id-token"


def test_every_action_is_pinned_to_a_commit_with_its_version() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        for line in path.read_text().splitlines():
            if re.match(r"^\s*(-\s*)?uses:", line) and ".github/workflows/" not in line:
                assert PINNED.match(line), f"{path.name}: not SHA-pinned with a version: {line}"


def test_checkouts_drop_credentials_and_run_scripts_take_no_expressions(workflows) -> None:
    for name, workflow in workflows.items():
        for job_id, job in workflow["jobs"].items():
            for step in job.get("steps", []):
                if "actions/checkout" in step.get("uses", ""):
                    assert step["with"]["persist-credentials"] is False, f"{name}:{job_id}"
                # Untrusted values reach scripts through env:, never spliced into the shell.
                assert "${{" not in step.get("run", ""), f"{name}:{job_id}: {step['run']}"


def test_no_privileged_triggers(workflows) -> None:
    for name, workflow in workflows.items():
        assert not {"pull_request_target", "workflow_run"} & set(triggers(workflow)), name
