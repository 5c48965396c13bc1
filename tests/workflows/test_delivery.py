"""The pipeline's guarantees, read from the workflows (issue: delivery)."""

from __future__ import annotations

from ops.release.branches import BRANCH_TARGETS
from tests.workflows.conftest import triggers


def test_cd_deploys_exactly_the_mapped_branches_after_ci(workflows) -> None:
    cd = workflows["cd.yml"]
    assert set(triggers(cd)) == {"push", "workflow_dispatch"}
    assert triggers(cd)["push"]["branches"] == ["develop", "homolog", "main"]
    # A manual run carries only the error-budget override: no stack, ref or image to choose,
    # so it releases the branch it runs on through the same CI -> mapping -> deploy path.
    dispatch_inputs = triggers(cd)["workflow_dispatch"]["inputs"]
    assert set(dispatch_inputs) == {"ignore_error_budget"}
    assert dispatch_inputs["ignore_error_budget"]["type"] == "boolean"
    assert dispatch_inputs["ignore_error_budget"]["default"] is False
    assert set(BRANCH_TARGETS) == {"develop", "homolog", "main"}
    assert {b: (t.stack, t.environment) for b, t in BRANCH_TARGETS.items()} == {
        "develop": ("dev", "dev"), "homolog": ("staging", "staging"), "main": ("prod", "prod"),
    }  # fmt: skip
    jobs = cd["jobs"]
    assert jobs["ci"]["uses"].endswith(".github/workflows/ci.yml")
    assert set(jobs["deploy"]["needs"]) == {"ci", "target"}
    assert jobs["deploy"]["uses"].endswith(".github/workflows/deploy.yml")
    assert "--require" in jobs["target"]["steps"][-1]["run"]
    assert "workflow_call" in triggers(workflows["ci.yml"])


def test_ci_runs_the_readme_gate_and_the_online_checks(workflows) -> None:
    steps = [s.get("run", "") for job in workflows["ci.yml"]["jobs"].values() for s in job["steps"]]
    text = "\n".join(steps)
    for needle in ("make test", "bandit", "pip-audit", "zizmor", "actionlint", "hadolint"):
        assert needle in text, needle
    image = workflows["ci.yml"]["jobs"]["image"]["steps"][-1]
    assert "docker/build-push-action" in image["uses"]
    assert image["with"]["push"] is False
    # The image is per git tree: a commit baked in would be wrong for the next merge commit.
    assert "build-args" not in image["with"]


def test_deploys_and_rollbacks_run_in_their_environment_one_at_a_time(workflows) -> None:
    for name, job_id, group in (
        ("deploy.yml", "release", "deploy"), ("rollback.yml", "rollback", "rollback"),
    ):  # fmt: skip
        job = workflows[name]["jobs"][job_id]
        assert job["environment"] == "${{ inputs.environment }}"
        assert job["concurrency"] == {
            "group": f"{group}-${{{{ inputs.environment }}}}", "cancel-in-progress": False,
        }  # fmt: skip
    choices = workflows["rollback.yml"][True]["workflow_dispatch"]["inputs"]
    assert choices["environment"]["options"] == ["dev", "staging", "prod"]
    assert choices["revision"]["default"] == "previous"


def test_release_order_recover_candidate_migrate_smoke_promote_restore(workflows) -> None:
    steps = workflows["deploy.yml"]["jobs"]["release"]["steps"]
    runs = [s.get("run", "") for s in steps]

    def index(fragment: str) -> int:
        return next(i for i, run in enumerate(runs) if fragment in run)

    order = [
        index("ops.release.restore"), index("--phase candidate"), index("ops.release.backup"),
        index("ops.release.migrate"), index("--phase serve"), index("ops.release.smoke"),
        index("ops.release.rollout"),
    ]  # fmt: skip
    assert order == sorted(order)
    assert runs[-1].endswith('ops.release.restore --stack "$STACK"')
    backup = steps[index("ops.release.backup")]["if"]
    assert backup == "inputs.stack == 'prod' && steps.candidate.outputs.skip != 'true'"
    # An older commit than the serving one: candidate says skip, nothing after it runs.
    for i in order[2:]:
        assert "steps.candidate.outputs.skip != 'true'" in steps[i]["if"], runs[i]
    # Smoke what the serve phase names (candidate URL, or the new service on a first deploy).
    smoke = steps[index("ops.release.smoke")]
    assert smoke["env"]["SMOKE_URL"] == "${{ steps.serve.outputs.smoke_url }}"
    assert '--base-url "$SMOKE_URL" --expect-version "$SHA"' in smoke["run"]
    # One rollout step for every stack: the stack's rollout policy decides steps and gates.
    (rollout,) = [s for s in steps if "ops.release.rollout" in s.get("run", "")]
    assert "--direct" not in rollout["run"]
    assert rollout["run"].endswith("--smoke-passed")
    assert '--image "$IMAGE" --commit "$SHA"' in runs[index("--phase candidate")]


def test_pull_requests_preview_their_target_stack_as_the_previewer(workflows) -> None:
    preview = workflows["preview.yml"]
    assert triggers(preview)["pull_request"]["branches"] == ["develop", "homolog", "main"]
    job = preview["jobs"]["preview"]
    auth = next(s for s in job["steps"] if "google-github-actions/auth" in s.get("uses", ""))
    assert auth["with"]["service_account"] == "${{ vars.PREVIEWER_SERVICE_ACCOUNT }}"
    pulumi = job["steps"][-1]["with"]
    assert pulumi["command"] == "preview"
    assert pulumi["policyPacks"] == "infra/policy"
    assert pulumi["comment-on-pr"] is True
    assert job["permissions"]["pull-requests"] == "write"
