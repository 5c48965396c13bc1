"""Workload Identity Federation: GitHub Actions OIDC tokens -> deployer/previewer identities."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_gcp import iam, serviceaccount

from components import PROJECT, child_opts

ISSUER = "https://token.actions.githubusercontent.com"
PROVIDER_ID = "github-oidc"
# `environment` is only present in jobs that declare one; `in` keeps the mapping total
# instead of failing the exchange for preview jobs.
_ENVIRONMENT = "('environment' in assertion ? assertion.environment : 'none')"
ATTRIBUTE_MAPPING = {
    "google.subject": "assertion.sub",
    "attribute.repository": "assertion.repository",
    "attribute.repository_id": "assertion.repository_id",
    "attribute.repository_owner_id": "assertion.repository_owner_id",
    "attribute.ref": "assertion.ref",
    "attribute.event_name": "assertion.event_name",
    "attribute.environment": _ENVIRONMENT,
    # "<environment>@<ref>": one value binds the deployer to an environment AND a branch.
    "attribute.deploy_target": f"{_ENVIRONMENT} + '@' + assertion.ref",
    # "pr@<base branch>" only for pull_request events, so a push can never match it.
    "attribute.preview_target": (
        "assertion.event_name == 'pull_request' ? 'pr@' + assertion.base_ref : 'none'"
    ),
}


def attribute_condition(repository_id: str, repository_owner_id: str) -> str:
    """Pin the provider to numeric ids: a deleted and re-created repository or organisation
    with the same name gets new ids and is rejected."""
    return (
        f"assertion.repository_id == '{repository_id}' && "
        f"assertion.repository_owner_id == '{repository_owner_id}'"
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
        principal_set = f"principalSet://iam.googleapis.com/{pool_path}"
        bindings = (
            (
                "deployer",
                args.deployer_account,
                f"{principal_set}/attribute.deploy_target/{args.environment}@refs/heads/{args.branch}",
            ),
            (
                "previewer",
                args.previewer_account,
                f"{principal_set}/attribute.preview_target/pr@{args.branch}",
            ),
        )
        for role_name, account, member in bindings:
            serviceaccount.IAMMember(
                f"{name}-{role_name}-workload-identity-user",
                service_account_id=account,
                role="roles/iam.workloadIdentityUser",
                member=member,
                opts=child_opts(self, opts, depends_on=[self.provider]),
            )
        self.register_outputs({"provider": self.provider_name})
