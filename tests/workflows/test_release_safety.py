"""Issue 10's wiring: build once, re-run safely, restore on failure and cancellation, bounded
time, concurrency that fits an incident, pinned tools, schema changes caught in CI."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.workflows.conftest import WORKFLOWS
from tests.workflows.job_plan import JobRun

ROOT = WORKFLOWS.parents[1]
# GitHub kills every step 5 minutes after a cancel, whatever its condition or timeout.
CANCEL_GRACE_MINUTES = 5
# One `pulumi up` that changes traffic or rolls a revision, with Cloud Run's readiness wait.
PULUMI_UP_SECONDS = 300


def step_runs(
    condition: str | None, *, status: str, recover: str = "success", skip: str = "false"
) -> bool:
    """Whether GitHub runs a step with this `if:` when the job is in `status` (success,
    failure, cancelled), the recover step ended with `recover` and the candidate step output
    `skip` (GitHub's rules as tests/workflows/job_plan.py models them)."""
    job = JobRun(
        {"jobs": {"job": {"steps": [{"if": condition, "run": "true"}]}}}, "job",
        context={"inputs.stack": "prod"}, status=status, outcomes={"recover": recover},
        outputs={"candidate": {"skip": skip}},
    )  # fmt: skip
    return job.should_run(job.steps()[0])


def release(workflows) -> dict[str, Any]:
    return workflows["deploy.yml"]["jobs"]["release"]


def stack_configs() -> dict[str, dict[str, Any]]:
    return {
        stack: yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
        for stack in ("dev", "staging", "prod")
    }


def step(job: dict[str, Any], fragment: str) -> dict[str, Any]:
    (found,) = [s for s in job["steps"] if fragment in s.get("run", "")]
    return found


# --- build once, promote the digest, re-run safely --------------------------------------


def test_only_the_image_job_publishes_and_the_release_deploys_its_digest(workflows) -> None:
    deploy = workflows["deploy.yml"]
    image, rel = deploy["jobs"]["image"], release(workflows)
    assert rel["needs"] == "image"
    assert image["outputs"]["image"] == "${{ steps.publish.outputs.image }}"
    assert rel["env"]["IMAGE"] == "${{ needs.image.outputs.image }}"
    assert '--image "$IMAGE"' in step(rel, "--phase candidate")["run"]
    publish = next(s for s in image["steps"] if s.get("id") == "publish")
    assert ".github/scripts/publish-image.sh" in publish["run"]
    assert "git rev-parse 'HEAD^{tree}'" in publish["run"]
    # Nothing else in any workflow builds-and-pushes, logs in to push, or runs the script.
    for name, workflow in workflows.items():
        for job_id, job in workflow["jobs"].items():
            for s in job.get("steps", []):
                where = f"{name}:{job_id}"
                if s is publish:
                    continue
                assert "publish-image" not in s.get("run", ""), where
                assert not re.search(r"\b(skopeo|docker push|crane)\b", s.get("run", "")), where
                assert "docker/login-action" not in s.get("uses", ""), where
                if "build-push-action" in s.get("uses", ""):
                    assert s["with"]["push"] is False, where
                    assert s["with"].get("provenance") is False, where


def test_the_release_and_rollback_jobs_cannot_build(workflows) -> None:
    for job in (release(workflows), workflows["rollback.yml"]["jobs"]["rollback"]):
        uses = " ".join(s.get("uses", "") for s in job["steps"])
        runs = " ".join(s.get("run", "") for s in job["steps"])
        assert "docker/" not in uses
        assert "docker" not in runs
        assert "access_token" not in str(job)  # no registry token: nothing to push with


# --- restore on failure and on cancellation -----------------------------------------------


def test_restore_runs_on_failure_and_on_cancellation_once_recovery_ran(workflows) -> None:
    last = release(workflows)["steps"][-1]
    assert last["run"] == '$OPS ops.release.restore --stack "$STACK"'
    condition = last["if"]
    assert step_runs(condition, status="failure")
    assert step_runs(condition, status="cancelled")  # cancel, job timeout, pre-emption
    assert not step_runs(condition, status="success")
    # Recovery failed (e.g. a live run holds the lock): never touch that run's rollout.
    assert not step_runs(condition, status="failure", recover="failure")
    assert not step_runs(condition, status="cancelled", recover="skipped")
    assert last["timeout-minutes"] <= CANCEL_GRACE_MINUTES
    # A skipped (older) release that then fails or is cancelled still restores.
    assert step_runs(condition, status="cancelled", skip="true")


def test_an_older_commit_runs_nothing_after_the_candidate_step(workflows) -> None:
    steps = release(workflows)["steps"]
    after = steps[next(i for i, s in enumerate(steps) if s.get("id") == "candidate") + 1 : -1]
    assert len(after) == 5
    for s in after:
        assert step_runs(s.get("if"), status="success", skip="false"), s["name"]
        assert not step_runs(s.get("if"), status="success", skip="true"), s["name"]


def test_the_release_checks_out_the_history_commit_ordering_needs(workflows) -> None:
    checkout = release(workflows)["steps"][0]
    assert "actions/checkout" in checkout["uses"]
    assert checkout["with"]["fetch-depth"] == 0


def test_the_condition_model_matches_github_semantics() -> None:
    # No status function: implicit success(), so such a step would NOT restore on cancel.
    assert not step_runs("steps.recover.outcome == 'success'", status="cancelled")
    assert not step_runs("failure()", status="cancelled")
    assert step_runs("always()", status="cancelled")
    assert step_runs("!cancelled()", status="failure")


def test_each_release_first_recovers_what_an_earlier_run_left(workflows) -> None:
    runs = [s.get("run", "") for s in release(workflows)["steps"]]
    first_ops = next(run for run in runs if "$OPS" in run or "pulumi " in run)
    assert first_ops == '$OPS ops.release.restore --stack "$STACK"'
    recover = next(s for s in release(workflows)["steps"] if s.get("id") == "recover")
    assert recover["env"]["GH_TOKEN"] == "${{ github.token }}"
    assert release(workflows)["permissions"]["actions"] == "read"


# --- time budgets -----------------------------------------------------------------------


@pytest.mark.parametrize(("workflow", "job_id"), [("deploy.yml", "release"),
                                                  ("rollback.yml", "rollback")])  # fmt: skip
def test_job_timeout_is_the_sum_of_its_bounded_steps(workflows, workflow, job_id) -> None:
    job = workflows[workflow]["jobs"][job_id]
    unbounded = [s.get("name", s.get("uses", s.get("run"))) for s in job["steps"]
                 if "timeout-minutes" not in s]  # fmt: skip
    assert not unbounded, f"{workflow}: steps without timeout-minutes: {unbounded}"
    total = sum(s["timeout-minutes"] for s in job["steps"])
    assert job["timeout-minutes"] == total
    assert total <= 360  # GitHub-hosted runners stop any job at 6 hours
    assert f"= {total}." in (WORKFLOWS / workflow).read_text(), "comment states another sum"


def test_the_runbook_tells_the_release_procedures_as_wired(workflows) -> None:
    runbook = (ROOT / "RUNBOOK.md").read_text()
    total = release(workflows)["timeout-minutes"]
    assert f"their sum ({total} minutes" in runbook
    for needle in ("gh run rerun <run-id> --failed", "gh run cancel <run-id>",
                   'pulumi cancel --stack "$STACK" --yes', "`rollback-<env>`",
                   "`deploy-<env>`", "`tree-<git tree sha>`", "contract_<what>"):  # fmt: skip
        assert needle in runbook, needle


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_step_timeouts_cover_each_stacks_own_stage_timeouts(workflows, stack) -> None:
    config = stack_configs()[stack]
    rel = release(workflows)
    job = config["django-gcp:migrationJob"]
    attempts = job.get("maxRetries", 0) + 1
    migration_minutes = step(rel, "ops.release.migrate")["timeout-minutes"]
    assert job["timeoutSeconds"] * attempts + PULUMI_UP_SECONDS <= migration_minutes * 60
    policy = config["django-gcp:rollout"]
    assert policy["steps"][-1] == 100
    judged = policy["steps"][:-1]  # each step before 100 bakes, then waits for ingestion
    needed = len(judged) * (policy["bakeSeconds"] + policy["ingestionDelaySeconds"])
    needed += len(policy["steps"]) * PULUMI_UP_SECONDS
    assert needed <= step(rel, "ops.release.rollout")["timeout-minutes"] * 60


def test_step_timeouts_cover_the_tools_own_deadlines(workflows) -> None:
    def option(run: str, flag: str) -> float:
        return float(re.search(rf"{flag} (\d+)", run).group(1))  # type: ignore[union-attr]

    rel, rollback = release(workflows), workflows["rollback.yml"]["jobs"]["rollback"]
    for job in (rel, rollback):
        smoke = step(job, "ops.release.smoke")
        assert option(smoke["run"], "--deadline") < smoke["timeout-minutes"] * 60
    preempt = step(rollback, "ops.release.preempt")
    assert option(preempt["run"], "--timeout") + 60 <= preempt["timeout-minutes"] * 60
    # It waits for the pre-empted run's restore, which GitHub cuts at 5 minutes.
    assert option(preempt["run"], "--timeout") >= CANCEL_GRACE_MINUTES * 60
    backup = step(rel, "ops.release.backup")
    assert option(backup["run"], "--timeout") + 60 <= backup["timeout-minutes"] * 60


# --- concurrency --------------------------------------------------------------------------


def test_a_merge_never_cancels_a_rollback_and_a_rollback_preempts_the_rollout(workflows) -> None:
    deploy = release(workflows)["concurrency"]
    rollback_job = workflows["rollback.yml"]["jobs"]["rollback"]
    rollback = rollback_job["concurrency"]
    assert deploy["group"] != rollback["group"]
    assert deploy["cancel-in-progress"] is False
    assert rollback["cancel-in-progress"] is False
    for name in ("cd.yml", "deploy.yml", "rollback.yml"):
        assert "concurrency" not in workflows[name], f"{name}: a workflow-level group"
    runs = [s.get("run", "") for s in rollback_job["steps"]]
    first_ops = next(run for run in runs if "$OPS" in run or "pulumi " in run)
    assert first_ops.startswith('$OPS ops.release.preempt --environment "$ENVIRONMENT"')
    assert rollback_job["permissions"]["actions"] == "write"
    assert rollback_job["env"]["ENVIRONMENT"] == "${{ inputs.environment }}"


def test_the_release_passes_the_commit_so_an_older_one_is_skipped(workflows) -> None:
    rel = release(workflows)
    assert rel["env"]["SHA"] == "${{ github.sha }}"
    assert '--commit "$SHA"' in step(rel, "--phase candidate")["run"]


# --- pinned tools -------------------------------------------------------------------------


def test_uv_and_the_pulumi_cli_are_pinned_to_the_locked_versions(workflows) -> None:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    (pulumi,) = [p["version"] for p in lock["package"] if p["name"] == "pulumi"]
    dockerfile_uv = re.search(r"uv==(\d+\.\d+\.\d+)", (ROOT / "Dockerfile").read_text())
    assert dockerfile_uv
    seen = {"uv": 0, "pulumi": 0}
    for name, workflow in workflows.items():
        for job in workflow["jobs"].values():
            for s in job.get("steps", []):
                uses, given = s.get("uses", ""), s.get("with", {})
                if "astral-sh/setup-uv" in uses:
                    seen["uv"] += 1
                    assert str(given.get("version")) == dockerfile_uv.group(1), name
                if "pulumi/actions" in uses:
                    seen["pulumi"] += 1
                    version = str(given.get("pulumi-version"))
                    assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name}: {version}"
                    assert version.split(".")[:2] == pulumi.split(".")[:2], (name, pulumi)
    assert seen["uv"] >= 6
    assert seen["pulumi"] >= 4


def test_no_tool_floats(workflows) -> None:
    text = "\n".join(p.read_text() for p in WORKFLOWS.glob("*.yml"))
    assert not re.search(r"@latest\b|:\s*latest\s*$|version:\s*['\"]?[\^~*x]", text, re.M)
    for tool in re.findall(r"\buvx\s+(\S+)", text):
        assert re.fullmatch(r"[\w-]+@\d+\.\d+\.\d+", tool), f"uvx {tool} floats"
    for module in re.findall(r"\bgo run\s+(\S+)", text):
        assert re.search(r"@v\d+\.\d+\.\d+$", module), f"go run {module} floats"


# --- schema changes old code cannot run with ----------------------------------------------


def test_ci_runs_the_migration_gate_before_the_suite(workflows) -> None:
    runs = [s.get("run", "") for s in workflows["ci.yml"]["jobs"]["test"]["steps"]]
    gate = next(i for i, run in enumerate(runs) if run.startswith("make migrations-check"))
    assert gate < next(i for i, run in enumerate(runs) if run.startswith("make test"))
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^migrations-check:", makefile, re.M)


# --- dependabot ---------------------------------------------------------------------------


def test_dependabot_waits_a_week_before_proposing_a_release() -> None:
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    assert config["updates"]
    for update in config["updates"]:
        assert update["cooldown"]["default-days"] >= 7, update["package-ecosystem"]


def test_ci_audits_all_of_github_dependabot_included(workflows) -> None:
    runs = [s.get("run", "") for s in workflows["ci.yml"]["jobs"]["security"]["steps"]]
    (zizmor,) = [run for run in runs if "zizmor" in run]
    assert zizmor.split()[-1] == ".github"


def test_the_vendored_image_script_is_executable() -> None:
    script = ROOT / ".github" / "scripts" / "publish-image.sh"
    assert script.stat().st_mode & 0o111
    assert Path(script).read_text().startswith("#!/usr/bin/env bash\n")
