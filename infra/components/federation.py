"""Workload Identity Federation: GitHub Actions OIDC tokens -> deployer/previewer identities.

Who may act as what is decided by two CEL expressions Google evaluates on each token:
- the provider's attribute condition (every token): this repository by numeric ids, and
  only the events the pipeline uses;
- the attribute mapping: `deploy_target` is "<environment>@<ref>" only for the deploying
  workflows, started by their own events, else "none"; `preview_target` is
  "<environment>@<base branch>" only for pull requests running preview.yml, else "none".
Each service account trusts exactly one value (bindings below), so the prod deployer is only
reachable from cd.yml -> deploy.yml on a push to main, rollback.yml dispatched on main, or
the restore drill on main, each in the `prod` environment (whose reviewers approve the job).
tests/governance/test_wif_claims.py evaluates both with a CEL engine on GitHub's claim shapes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_gcp import iam, serviceaccount

from components import PROJECT, child_opts

ISSUER = "https://token.actions.githubusercontent.com"
PROVIDER_ID = "github-oidc"
# (events, workflow that started the run, workflow file the job is defined in). A reusable
# workflow's job reports its own file in job_workflow_ref and the caller in workflow_ref.
DEPLOY_WORKFLOWS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    # workflow_dispatch: the error-budget override (RUNBOOK); same branch, CI and approval.
    (("push", "workflow_dispatch"), "cd.yml", "deploy.yml"),
    (("workflow_dispatch",), "rollback.yml", "rollback.yml"),
    (("schedule", "workflow_dispatch"), "restore-drill.yml", "restore-drill.yml"),
)
PREVIEW_WORKFLOW = "preview.yml"
EVENTS = ("push", "workflow_dispatch", "schedule", "pull_request")
NONE = "none"


def _workflow(claim: str, file: str) -> str:
    # Same repository (its id is pinned by the condition) and the same ref as the token's:
    # a workflow file from another repository, branch or tag never matches.
    path = f"'/.github/workflows/{file}@'"
    return f"assertion.{claim} == assertion.repository + {path} + assertion.ref"


def _events(events: tuple[str, ...]) -> str:
    return "assertion.event_name in [" + ", ".join(f"'{e}'" for e in events) + "]"


def deploy_target_expression() -> str:
    pinned = " || ".join(
        f"({_events(events)} && {_workflow('workflow_ref', started)}"
        f" && {_workflow('job_workflow_ref', job)})"
        for events, started, job in DEPLOY_WORKFLOWS
    )
    has = "'environment' in assertion && 'job_workflow_ref' in assertion"
    return f"({has} && ({pinned})) ? assertion.environment + '@' + assertion.ref : '{NONE}'"


def preview_target_expression() -> str:
    pinned = f"{_events(('pull_request',))} && {_workflow('workflow_ref', PREVIEW_WORKFLOW)}"
    return (
        f"('environment' in assertion && {pinned})"
        f" ? assertion.environment + '@' + assertion.base_ref : '{NONE}'"
    )


ATTRIBUTE_MAPPING = {
    "google.subject": "assertion.sub",
    "attribute.repository": "assertion.repository",
    "attribute.repository_id": "assertion.repository_id",
    "attribute.repository_owner_id": "assertion.repository_owner_id",
    "attribute.ref": "assertion.ref",
    "attribute.event_name": "assertion.event_name",
    "attribute.deploy_target": deploy_target_expression(),
    "attribute.preview_target": preview_target_expression(),
}


def attribute_condition(repository_id: str, repository_owner_id: str) -> str:
    """Pin the provider to numeric ids: a deleted and re-created repository or organisation
    with the same name gets new ids and is rejected. Events outside the pipeline's
    (pull_request_target, issue_comment, workflow_run, ...) are rejected at the exchange."""
    return (
        f"assertion.repository_id == '{repository_id}' && "
        f"assertion.repository_owner_id == '{repository_owner_id}' && {_events(EVENTS)}"
    )


def deployer_member(pool_path: str, environment: str, branch: str) -> str:
    return (
        f"principalSet://iam.googleapis.com/{pool_path}"
        f"/attribute.deploy_target/{environment}@refs/heads/{branch}"
    )


def previewer_member(pool_path: str, environment: str, branch: str) -> str:
    return (
        f"principalSet://iam.googleapis.com/{pool_path}"
        f"/attribute.preview_target/{environment}-preview@{branch}"
    )


@dataclass(frozen=True)
class FederationArgs:
    """Which repository, branch and environment may act as which identity."""

    project: str
    project_number: str
    pool_id: str
    repository_id: str
    repository_owner_id: str
    environment: str
    branch: str
    deployer_account: pulumi.Input[str]  # service account resource name
    previewer_account: pulumi.Input[str]


class GithubFederation(pulumi.ComponentResource):
    """Pool + OIDC provider; workloadIdentityUser bindings on the two service accounts."""

    def __init__(self, name: str, args: FederationArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{PROJECT}:federation:GithubFederation", name, None, opts)
        self.pool = iam.WorkloadIdentityPool(
            f"{name}-pool",
            project=args.project,
            workload_identity_pool_id=args.pool_id,
            display_name="GitHub Actions",
            description="OIDC tokens from this repository's workflows",
            opts=child_opts(self, opts),
        )
        self.provider = iam.WorkloadIdentityPoolProvider(
            f"{name}-provider",
            project=args.project,
            workload_identity_pool_id=self.pool.workload_identity_pool_id,
            workload_identity_pool_provider_id=PROVIDER_ID,
            display_name="GitHub OIDC",
            attribute_mapping=ATTRIBUTE_MAPPING,
            attribute_condition=attribute_condition(args.repository_id, args.repository_owner_id),
            oidc=iam.WorkloadIdentityPoolProviderOidcArgs(issuer_uri=ISSUER),
            opts=child_opts(self, opts),
        )
        pool_path = (
            f"projects/{args.project_number}/locations/global/workloadIdentityPools/{args.pool_id}"
        )
        # Known from config (the project number), resolved only once the provider exists.
        self.provider_name: pulumi.Output[str] = self.provider.id.apply(
            lambda _: f"{pool_path}/providers/{PROVIDER_ID}"
        )
        bindings = (
            ("deployer", args.deployer_account, deployer_member),
            ("previewer", args.previewer_account, previewer_member),
        )
        for role_name, account, member in bindings:
            serviceaccount.IAMMember(
                f"{name}-{role_name}-workload-identity-user",
                service_account_id=account,
                role="roles/iam.workloadIdentityUser",
                member=member(pool_path, args.environment, args.branch),
                opts=child_opts(self, opts, depends_on=[self.provider]),
            )
        self.register_outputs({"provider": self.provider_name})
