"""deploy.yml's release job and rollback.yml walked as the runner would: which ops tools run,
in which order, with which arguments, after success, a failure, a skip or a cancel."""

from __future__ import annotations

import pytest

from tests.workflows.conftest import load
from tests.workflows.job_plan import JobRun

SHA = "0123456789abcdef0123456789abcdef01234567"
IMAGE = "europe-west1-docker.pkg.dev/acme-prod/app/app@sha256:" + "c" * 64
CONTEXT = {
    "inputs.stack": "prod", "inputs.environment": "prod", "github.sha": SHA,
    "github.token": "ghs_token", "needs.image.outputs.image": IMAGE,
    "vars.PULUMI_BACKEND_URL": "gs://state", "vars.PULUMI_SECRETS_PROVIDER": "gcpkms://k",
    "inputs.revision": "previous", "inputs.ignore_error_budget": "false",
}  # fmt: skip
CANDIDATE = {"skip": "false", "first_deploy": "false", "smoke_url": "https://c.example"}


def walk(job: JobRun, exits: dict[str, int], outputs: dict[str, dict], cancel_at: str = ""):
    """Run the job; `exits`/`outputs` by module or step id. Returns the tools run, in order."""
    ran = []
    for step in job.steps():
        if cancel_at in (step.step_id, step.module):
            job.cancel()
            job.record(step, 1)
            continue
        if not job.should_run(step):
            continue
        if step.module is None:
            job.record(step, 0)
            continue
        key = step.step_id or step.module
        ran.append((step.module.removeprefix("ops."), job.argv(step)))
        job.record(step, exits.get(key, exits.get(step.module, 0)), outputs.get(key, {}))
    return ran


@pytest.fixture
def release() -> JobRun:
    return JobRun(load("deploy.yml"), "release", context=dict(CONTEXT))


def names(ran) -> list[str]:
    return [module for module, _ in ran]


def test_a_healthy_prod_release(release) -> None:
    ran = walk(release, {}, {"candidate": CANDIDATE, "serve": {"smoke_url": "https://c.example"}})
    assert names(ran) == [
        "release.restore", "release.deploy_phase", "release.backup", "release.migrate",
        "release.deploy_phase", "release.smoke", "release.rollout",
    ]  # fmt: skip
    candidate = ran[1][1]
    assert candidate[candidate.index("--image") + 1] == IMAGE
    assert candidate[candidate.index("--commit") + 1] == SHA
    assert ran[5][1][:2] == ["--base-url", "https://c.example"]
    assert ran[5][1][ran[5][1].index("--expect-version") + 1] == SHA


def test_dev_skips_the_backup(release) -> None:
    release.context["inputs.stack"] = "dev"
    ran = walk(release, {}, {"candidate": CANDIDATE, "serve": CANDIDATE})
    assert "release.backup" not in names(ran)


def test_an_older_commit_stops_after_the_candidate_step(release) -> None:
    ran = walk(release, {}, {"candidate": {"skip": "true"}})
    assert names(ran) == ["release.restore", "release.deploy_phase"]


def test_a_smoke_failure_restores_and_never_promotes(release) -> None:
    ran = walk(release, {"ops.release.smoke": 1}, {"candidate": CANDIDATE, "serve": CANDIDATE})
    assert names(ran)[-2:] == ["release.smoke", "release.restore"]
    assert "release.rollout" not in names(ran)


def test_a_cancel_during_the_rollout_restores(release) -> None:
    ran = walk(release, {}, {"candidate": CANDIDATE, "serve": CANDIDATE},
               cancel_at="ops.release.rollout")  # fmt: skip
    assert names(ran)[-2:] == ["release.smoke", "release.restore"]


def test_a_live_lock_stops_the_release_before_anything_and_restores_nothing(release) -> None:
    ran = walk(release, {"recover": 1}, {})
    assert names(ran) == ["release.restore"]


def test_a_rollback_preempts_recovers_pins_and_smokes_the_pinned_url() -> None:
    rollback = JobRun(load("rollback.yml"), "rollback", context=dict(CONTEXT))
    ran = walk(rollback, {}, {"pin": {"smoke_url": "https://svc.example"}})
    assert names(ran) == [
        "release.preempt", "release.restore", "release.deploy_phase", "release.smoke",
    ]  # fmt: skip
    assert ran[0][1][:2] == ["--environment", "prod"]
    assert ran[2][1][ran[2][1].index("--revision") + 1] == "previous"
    assert ran[3][1][:2] == ["--base-url", "https://svc.example"]


def test_missing_context_is_named(release) -> None:
    release.context.pop("github.sha")
    with pytest.raises(KeyError, match=r"github\.sha"):
        walk(release, {}, {"candidate": CANDIDATE})
