"""The GitHub settings project (infra/github/) run under mocks with its real stack file."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml

from mock_run import run_program as run_gcp_program
from tests.governance.pulumi_program import RecordingMocks, run_program, stack_config

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "infra" / "github"
sys.path.insert(0, str(PROGRAM))

from repo_resources import STACK_OUTPUT_VARIABLES  # noqa: E402  # pyright: ignore[reportMissingImports]
from repo_settings import RepoConfigError, parse_repo_settings  # noqa: E402  # pyright: ignore[reportMissingImports]

ENV_TYPE = "github:index/repositoryEnvironment:RepositoryEnvironment"
POLICY_TYPE = (
    "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy"
)
VARIABLE_TYPE = "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"
RULESET_TYPE = "github:index/repositoryRuleset:RepositoryRuleset"


from stack_values import StackFileError, stack_outputs  # noqa: E402  # pyright: ignore[reportMissingImports]

STACKS = ("dev", "staging", "prod")


def run_program_outputs(stack: str) -> dict:
    return run_gcp_program(stack).outputs


@pytest.fixture(scope="module")
def program() -> RecordingMocks:
    return run_program(
        PROGRAM,
        project="django-gcp-github",
        stack="github",
        config=stack_config(PROGRAM / "Pulumi.github.yaml"),
        mocks=RecordingMocks(),
    )


@pytest.mark.parametrize("stack", STACKS)
def test_variables_read_from_the_stack_file_equal_the_programs_outputs(stack: str):
    """No StackReference (each stack's state is in its own bucket): the values come from the
    stack file, and must be exactly what the GCP program exports."""
    exported = run_program_outputs(stack)
    derived = stack_outputs(stack)
    assert set(derived) == set(STACK_OUTPUT_VARIABLES.values())
    for output, value in derived.items():
        assert exported[output] == value, output


def test_a_stack_file_without_a_needed_value_is_named(tmp_path: Path):
    (tmp_path / "Pulumi.qa.yaml").write_text("config:\n  gcp:project: acme-qa\n")
    with pytest.raises(StackFileError, match=r"Pulumi.qa.yaml: gcp:region is required"):
        stack_outputs("qa", tmp_path)


def test_reads_no_other_stack(program: RecordingMocks):
    assert program.stack_references == []


def test_each_environment_deploys_only_from_its_branch(program: RecordingMocks):
    envs = {r.inputs["environment"]: r.inputs for r in program.of_type(ENV_TYPE)}
    assert set(envs) == {"dev", "staging", "prod", "dev-preview", "staging-preview", "prod-preview"}
    for name in ("dev", "staging", "prod"):
        inputs = envs[name]
        assert inputs["deploymentBranchPolicy"] == {
            "customBranchPolicies": True,
            "protectedBranches": False,
        }
    policies = {
        r.inputs["environment"]: r.inputs["branchPattern"] for r in program.of_type(POLICY_TYPE)
    }
    assert policies == {"dev": "develop", "staging": "homolog", "prod": "main"}


def variables_of(program: RecordingMocks) -> dict[str, dict[str, object]]:
    variables: dict[str, dict[str, object]] = {}
    for r in program.of_type(VARIABLE_TYPE):
        variables.setdefault(r.inputs["environment"], {})[r.inputs["variableName"]] = r.inputs[
            "value"
        ]
    return variables


def test_preview_environments_carry_only_what_a_read_only_preview_needs(
    program: RecordingMocks,
):
    envs = {r.inputs["environment"]: r.inputs for r in program.of_type(ENV_TYPE)}
    variables = variables_of(program)
    for env in STACKS:
        preview = f"{env}-preview"
        assert "deploymentBranchPolicy" not in envs[preview]
        assert set(variables[preview]) == {
            "WIF_PROVIDER", "PREVIEWER_SERVICE_ACCOUNT", "PULUMI_BACKEND_URL",
            "PULUMI_SECRETS_PROVIDER", "PULUMI_STACK",
        }  # fmt: skip
        outputs = stack_outputs(env)
        assert variables[preview]["PREVIEWER_SERVICE_ACCOUNT"] == outputs["previewerServiceAccount"]


def test_prod_previews_decrypt_prod_state_so_they_need_a_prod_reviewer(program: RecordingMocks):
    envs = {r.inputs["environment"]: r.inputs for r in program.of_type(ENV_TYPE)}
    assert envs["prod-preview"]["reviewers"] == envs["prod"]["reviewers"]
    assert envs["prod-preview"]["preventSelfReview"] is True
    assert envs["prod-preview"]["canAdminsBypass"] is False
    assert not envs["dev-preview"].get("reviewers")


def test_prod_needs_two_reviewers_and_no_self_review(program: RecordingMocks):
    envs = {r.inputs["environment"]: r.inputs for r in program.of_type(ENV_TYPE)}
    prod = envs["prod"]
    reviewers = prod["reviewers"][0]
    assert len(reviewers.get("teams", [])) + len(reviewers.get("users", [])) >= 2
    assert prod["preventSelfReview"] is True
    assert prod["canAdminsBypass"] is False
    assert "reviewers" not in envs["dev"] or not envs["dev"]["reviewers"]


def test_each_environment_gets_only_its_own_state_bucket_and_key(program: RecordingMocks):
    values = variables_of(program)
    raw = _raw()
    for env in STACKS:
        for scope in (env, f"{env}-preview"):
            assert values[scope]["PULUMI_BACKEND_URL"] == f"gs://{raw['stateBucketPrefix']}-{env}"
            assert values[scope]["PULUMI_SECRETS_PROVIDER"] == (
                f"{raw['stateKeyRing']}/cryptoKeys/{env}"
            )
            assert values[scope]["PULUMI_STACK"] == env
    backends = [values[env]["PULUMI_BACKEND_URL"] for env in STACKS]
    assert len(set(backends)) == len(STACKS)


def test_environment_variables_come_from_their_own_stack(program: RecordingMocks):
    values = variables_of(program)
    for env in STACKS:
        outputs = stack_outputs(env)
        for variable, output in STACK_OUTPUT_VARIABLES.items():
            assert values[env][variable] == outputs[output], (env, variable)
    assert values["prod"]["WIF_PROVIDER"] != values["dev"]["WIF_PROVIDER"]


def test_promotion_reads_images_from_the_upstream_environment_only(program: RecordingMocks):
    values = variables_of(program)
    upstream = {env: values[env].get("UPSTREAM_ARTIFACT_REGISTRY") for env in STACKS}
    assert upstream == {
        "dev": None,
        "staging": stack_outputs("dev")["registryPath"],
        "prod": stack_outputs("staging")["registryPath"],
    }
    assert all("UPSTREAM_ARTIFACT_REGISTRY" not in values[f"{env}-preview"] for env in STACKS)


def test_every_deploy_branch_changes_only_through_checked_reviewed_pull_requests(
    program: RecordingMocks,
):
    rulesets = {r.inputs["name"]: r.inputs for r in program.of_type(RULESET_TYPE)}
    assert set(rulesets) >= {"protect-main", "protect-homolog", "protect-develop"}
    for name, ruleset in rulesets.items():
        branch = name.removeprefix("protect-")
        assert ruleset["enforcement"] == "active"
        assert ruleset["conditions"]["refName"]["includes"] == [f"refs/heads/{branch}"]
        assert not ruleset.get("bypassActors")
        rules = ruleset["rules"]
        assert rules["deletion"] is True
        assert rules["nonFastForward"] is True
        assert rules["pullRequest"]["requiredApprovingReviewCount"] >= 1
        checks = rules["requiredStatusChecks"]["requiredChecks"]
        assert checks
        assert all(c["integrationId"] == 15368 for c in checks)
    assert rulesets["protect-main"]["rules"]["pullRequest"]["requiredApprovingReviewCount"] >= 2


def _raw() -> dict:
    config = stack_config(PROGRAM / "Pulumi.github.yaml")
    prefix = "django-gcp-github:"
    return {
        k.removeprefix(prefix): json.loads(v) if v[:1] in "[{" else v
        for k, v in config.items()
        if k.startswith(prefix)
    }


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (lambda r: r.update(stateBucketPrefix="gs://x"), "stateBucketPrefix"),
        (lambda r: r.update(stateKeyRing="passphrase"), "stateKeyRing"),
        (lambda r: r["protectedBranches"].pop(2), "protectedBranches"),
        (lambda r: r["environments"][2].update(upstream="qa"), "environments[2].upstream"),
        (lambda r: r["environments"][2].update(upstream="prod"), "environments[2].upstream"),
        (lambda r: r["environments"][2].update(branch="develop"), "environments[2].branch"),
        (lambda r: r["environments"][2].update(reviewerTeams=[1]), "environments[2].reviewerTeams"),
        (
            lambda r: r["environments"][0].update(reviewerUsers=["octocat"]),
            "environments[0].reviewerUsers",
        ),
        (lambda r: r["environments"].pop(), "environments"),
        (
            lambda r: r["protectedBranches"][0].update(requiredApprovals=1),
            "protectedBranches[0].requiredApprovals",
        ),
        (lambda r: r["protectedBranches"].pop(), "protectedBranches"),
        (lambda r: r.update(requiredChecks=[]), "requiredChecks"),
    ],
)
def test_bad_config_names_the_key(mutate, key):
    raw = _raw()
    mutate(raw)
    with pytest.raises(RepoConfigError, match=re.escape(f"django-gcp-github:{key} =")):
        parse_repo_settings(raw)


VARS = re.compile(r"\bvars\.([A-Za-z_][A-Za-z0-9_]*)")
REPO_VARIABLE_TYPE = "github:index/actionsVariable:ActionsVariable"


def workflow_jobs() -> dict[str, dict]:
    jobs = {}
    for path in sorted((ROOT / ".github" / "workflows").glob("*.y*ml")):
        for job_id, job in (yaml.safe_load(path.read_text()).get("jobs") or {}).items():
            jobs[f"{path.name}:{job_id}"] = job
    return jobs


def undeclared(jobs: dict[str, dict], env_vars: set[str], repo_vars: set[str]) -> list[str]:
    """Problems: a vars.X nobody declares, or an environment variable in a job without one."""
    problems = []
    for where, job in jobs.items():
        for name in sorted(set(VARS.findall(json.dumps(job)))):
            if name not in env_vars | repo_vars:
                problems.append(f"{where} reads vars.{name}, which infra/github does not declare")
            elif name not in repo_vars and not job.get("environment") and "uses" not in job:
                problems.append(f"{where} reads vars.{name} (an environment variable) but has no "
                                "`environment:`, so it would be empty")  # fmt: skip
    return problems


def test_every_variable_the_workflows_read_is_declared(program: RecordingMocks):
    env_vars = {r.inputs["variableName"] for r in program.of_type(VARIABLE_TYPE)}
    repo_vars = {r.inputs["variableName"] for r in program.of_type(REPO_VARIABLE_TYPE)}
    jobs = workflow_jobs()
    assert any(VARS.search(json.dumps(job)) for job in jobs.values()), "no workflow reads vars"
    assert undeclared(jobs, env_vars, repo_vars) == []


def test_the_variable_check_catches_typos_and_missing_environments():
    jobs = {
        "cd.yml:deploy": {"environment": "prod", "steps": [{"run": "${{ vars.GCP_PROJCT_ID }}"}]},
        "preview.yml:preview": {"steps": [{"with": {"provider": "${{ vars.WIF_PROVIDER }}"}}]},
        "ok.yml:ok": {"environment": "dev", "steps": [{"run": "${{ vars.WIF_PROVIDER }}"}]},
    }
    problems = undeclared(jobs, {"GCP_PROJECT_ID", "WIF_PROVIDER"}, set())
    assert len(problems) == 2
    assert "vars.GCP_PROJCT_ID" in problems[0]
    assert "has no `environment:`" in problems[1]


def test_declares_the_same_variable_to_output_mapping_as_the_delivery_tools():
    from ops.release.outputs import GITHUB_VARIABLES

    for variable, output in GITHUB_VARIABLES.items():
        assert STACK_OUTPUT_VARIABLES.get(variable) == output, variable
