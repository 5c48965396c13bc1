"""Who each GitHub token may act as, per stack, decided by a real CEL engine (cel-python).

For every stack the mocked program's provider (attribute condition + mapping) and its
workloadIdentityUser bindings are evaluated the way Google does: the condition must be
true, then each mapped attribute is compared with the one value a binding trusts. The
claim sets are shaped as GitHub documents them (infra/policy/guardrails/github_claims.py).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import pytest

from mock_run import ProgramRun, run_program, stack_config
from policy.guardrails.github_claims import evaluate, github_token

STACKS = ("dev", "staging", "prod")
PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"
SA_IAM = "gcp:serviceaccount/iAMMember:IAMMember"
MEMBER = re.compile(r"^principalSet://iam\.googleapis\.com/.+?/attribute\.([a-z_]+)/(.+)$")


@dataclass(frozen=True)
class Trust:
    condition: str
    mapping: dict[str, str]
    bindings: dict[str, tuple[str, str]]  # identity -> (attribute, trusted value)

    def identities(self, claims: dict[str, Any]) -> set[str]:
        if evaluate(self.condition, claims) is not True:
            return set()  # the token exchange itself fails
        attributes = {
            key.removeprefix("attribute."): evaluate(expression, claims)
            for key, expression in self.mapping.items()
        }
        return {
            identity
            for identity, (attribute, value) in self.bindings.items()
            if attributes.get(attribute) == value
        }


@functools.cache
def program(stack: str) -> ProgramRun:
    return run_program(stack)


@functools.cache
def trust(stack: str) -> Trust:
    run = program(stack)
    (provider,) = run.of_type(PROVIDER)
    bindings = {}
    for grant in run.of_type(SA_IAM):
        if grant.inputs["role"] != "roles/iam.workloadIdentityUser":
            continue
        identity = grant.inputs["serviceAccountId"].split("/")[-1].split("@")[0].split("-")[-1]
        match = MEMBER.match(grant.inputs["member"])
        assert match, grant.inputs["member"]
        bindings[identity] = (match.group(1), match.group(2))
    inputs = provider.inputs
    return Trust(inputs["attributeCondition"], dict(inputs["attributeMapping"]), bindings)


def facts(stack: str) -> dict[str, str]:
    config = stack_config(stack)
    github = config["django-gcp:github"]
    repository = github["repository"]
    return {
        "env": str(config["django-gcp:environment"]),
        "branch": str(github["branch"]),
        "repository": repository,
        "repository_id": str(github["repositoryId"]),
        "repository_owner_id": str(github["repositoryOwnerId"]),
        "other_branch": "feature/x",
    }


def token(stack: str, **overrides: Any) -> dict[str, Any]:
    f = facts(stack)
    ref = overrides.pop("ref", f"refs/heads/{f['branch']}")
    base = {
        "repository": f["repository"],
        "repository_id": f["repository_id"],
        "repository_owner_id": f["repository_owner_id"],
        "ref": ref,
    }
    return github_token(**{**base, **overrides})


def pr(stack: str, **overrides: Any) -> dict[str, Any]:
    f = facts(stack)
    base = {
        "event_name": "pull_request",
        "ref": "refs/pull/7/merge",
        "workflow": "preview.yml",
        "environment": f"{f['env']}-preview",
        "base_ref": f["branch"],
        "head_ref": "feature/x",
    }
    return token(stack, **{**base, **overrides})


def deploy(stack: str, **overrides: Any) -> dict[str, Any]:
    base = {"workflow": "cd.yml", "job_workflow": "deploy.yml", "environment": facts(stack)["env"]}
    return token(stack, **{**base, **overrides})


def other_owner(stack: str) -> str:
    return "renamed-org/" + facts(stack)["repository"].split("/")[1]


# (case, claims builder, identities it may act as)
CASES: list[tuple[str, Any, set[str]]] = [
    ("push to the branch: cd.yml -> deploy.yml", lambda s: deploy(s), {"deployer"}),
    ("rollback dispatched on the branch",
     lambda s: deploy(s, event_name="workflow_dispatch", workflow="rollback.yml",
                      job_workflow=None), {"deployer"}),
    ("scheduled restore drill",
     lambda s: deploy(s, event_name="schedule", workflow="restore-drill.yml", job_workflow=None),
     {"deployer"}),
    ("restore drill dispatched",
     lambda s: deploy(s, event_name="workflow_dispatch", workflow="restore-drill.yml",
                      job_workflow=None), {"deployer"}),
    ("pull request into the branch, preview.yml in <env>-preview", lambda s: pr(s),
     {"previewer"}),
    ("owner renamed (same numeric ids, new name)",
     lambda s: deploy(s, repository=other_owner(s)), {"deployer"}),
    ("pull_request_target on the branch in the deploy environment",
     lambda s: deploy(s, event_name="pull_request_target", workflow="ci.yml", job_workflow=None),
     set()),
    ("pull_request_target with a fork's code running cd.yml/deploy.yml",
     lambda s: deploy(s, event_name="pull_request_target", head_ref="fork:main"), set()),
    ("issue_comment on the default branch running rollback.yml",
     lambda s: deploy(s, event_name="issue_comment", workflow="rollback.yml", job_workflow=None),
     set()),
    ("workflow_run started by another workflow",
     lambda s: deploy(s, event_name="workflow_run", workflow="rollback.yml", job_workflow=None),
     set()),
    ("push running another workflow of the repo (edited ci.yml) in the environment",
     lambda s: deploy(s, workflow="ci.yml", job_workflow=None), set()),
    ("push: cd.yml calling a deploy.yml from another repository",
     lambda s: deploy(s, job_workflow_repository="evil/actions"), set()),
    ("push: cd.yml calling deploy.yml from another branch",
     lambda s: deploy(s, job_workflow_ref="refs/heads/feature/x"), set()),
    # The error-budget override: cd.yml run by hand on the branch (CI, mapping, approval).
    ("workflow_dispatch of cd.yml/deploy.yml on the branch (error-budget override)",
     lambda s: deploy(s, event_name="workflow_dispatch"), {"deployer"}),
    ("workflow_dispatch of cd.yml/deploy.yml on another branch",
     lambda s: deploy(s, event_name="workflow_dispatch", ref="refs/heads/feature/x"), set()),
    ("workflow_dispatch of deploy.yml alone (not through cd.yml)",
     lambda s: deploy(s, event_name="workflow_dispatch", workflow="deploy.yml",
                      job_workflow=None), set()),
    ("schedule running rollback.yml", lambda s: deploy(
        s, event_name="schedule", workflow="rollback.yml", job_workflow=None), set()),
    ("push to another branch in the deploy environment",
     lambda s: deploy(s, ref="refs/heads/feature/x"), set()),
    ("push of a tag named like the branch", lambda s: deploy(
        s, ref=f"refs/tags/{facts(s)['branch']}"), set()),
    ("push to the branch without an environment", lambda s: deploy(s, environment=None), set()),
    ("push to the branch declaring another environment",
     lambda s: deploy(s, environment="qa-other"), set()),
    ("re-created repository with the same name (new repository_id)",
     lambda s: deploy(s, repository_id="999000111"), set()),
    ("same repository name under a new owner account (new owner id)",
     lambda s: deploy(s, repository_owner_id="999000222"), set()),
    ("pull request in the deploy environment (not -preview)",
     lambda s: pr(s, environment=facts(s)["env"]), set()),
    ("pull request without an environment", lambda s: pr(s, environment=None), set()),
    ("pull request running ci.yml in the preview environment",
     lambda s: pr(s, workflow="ci.yml"), set()),
    ("pull request into another branch", lambda s: pr(s, base_ref="feature/y"), set()),
    ("pull request from a fork via pull_request_target",
     lambda s: pr(s, event_name="pull_request_target", head_ref="someone:patch-1"), set()),
    ("push to the branch running preview.yml", lambda s: deploy(
        s, workflow="preview.yml", job_workflow=None, environment=f"{facts(s)['env']}-preview"),
     set()),
]  # fmt: skip


def test_the_table_is_large_enough_and_covers_both_identities():
    assert len(CASES) >= 20
    assert {"deployer"} in [expected for *_, expected in CASES]
    assert {"previewer"} in [expected for *_, expected in CASES]


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize(("case", "claims", "expected"), CASES, ids=[c[0] for c in CASES])
def test_only_the_intended_identity_for_the_intended_case(stack, case, claims, expected):
    assert trust(stack).identities(claims(stack)) == expected, case


@pytest.mark.parametrize("stack", STACKS)
def test_no_stack_trusts_another_environments_deploy(stack: str):
    for other in STACKS:
        if other != stack:
            assert trust(stack).identities(deploy(other)) == set(), (stack, other)
            assert trust(stack).identities(pr(other)) == set(), (stack, other)


@pytest.mark.parametrize("stack", STACKS)
def test_mapping_expressions_fit_googles_limits(stack: str):
    """Google caps each attribute mapping expression and the condition; stay well inside."""
    t = trust(stack)
    assert all(len(expression) <= 2048 for expression in t.mapping.values())
    assert len(t.condition) <= 4096


def test_control_the_previous_binding_admitted_pull_request_target_and_issue_comment():
    """The same evaluator on the pre-issue-11 provider: it let these tokens through, so the
    table above would catch a regression to it."""
    f = facts("prod")
    old = Trust(
        condition=f"assertion.repository_id == '{f['repository_id']}' && "
        f"assertion.repository_owner_id == '{f['repository_owner_id']}'",
        mapping={
            "attribute.deploy_target": "('environment' in assertion ? assertion.environment"
            " : 'none') + '@' + assertion.ref"
        },
        bindings={"deployer": ("deploy_target", f"prod@refs/heads/{f['branch']}")},
    )
    for event in ("pull_request_target", "issue_comment"):
        hostile = deploy("prod", event_name=event, workflow="ci.yml", job_workflow=None)
        assert old.identities(hostile) == {"deployer"}
        assert trust("prod").identities(hostile) == set()
