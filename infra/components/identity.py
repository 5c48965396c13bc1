"""Service accounts and their roles: runtime, migrator, deployer, previewer.

Least privilege (the full matrix is in SECURITY.md; tests/infra/test_access_matrix.py keeps
it equal to what this program grants):
- No identity holds a role that can grant roles, create keys or add identity providers.
  Service accounts, their bindings, the Workload Identity pool and every project-level
  binding are created by the admin-run bootstrap `pulumi up` (README "Operations"); CI's
  deployer can read them (so previews and refreshes work) but a change to them fails with
  a permission error until an administrator applies it.
- The deployer administers only this stack's own secrets (an IAM condition on their names),
  and acts as only the runtime and migrator accounts (bindings on those two accounts).
No keys are ever created (GitHub authenticates through Workload Identity Federation) and no
primitive role (owner/editor/viewer) is granted to anything.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_gcp import projects, serviceaccount

from components import PROJECT, child_opts
from components.secrets import ADMIN_PASSWORD_SECRET_ID, PROGRAM_SECRET_IDS

# Runtime and migrator are separate so the identity serving requests cannot be used to run
# arbitrary migrations, and a compromised job cannot serve traffic.
WORKLOAD_ROLES = ("roles/cloudsql.client",)
# Write spans, nothing else (no reading traces): the runtime alone, only with tracing on.
TRACE_ROLE = "roles/cloudtrace.agent"
# Read-only: enough for `pulumi preview` to diff every resource the program declares.
READ_ROLES = (
    "roles/run.viewer",
    "roles/cloudsql.viewer",
    "roles/secretmanager.viewer",  # metadata only; payload access is never project-wide
    "roles/artifactregistry.reader",
    "roles/iam.serviceAccountViewer",
    "roles/iam.workloadIdentityPoolViewer",
    "roles/iam.securityReviewer",  # read IAM policies so previews can diff bindings
    "roles/monitoring.viewer",
    "roles/logging.viewer",
    "roles/serviceusage.serviceUsageViewer",
)
PREVIEWER_ROLES = READ_ROLES
# What CI's `pulumi up` changes: Cloud Run (service, job, the service's invoker binding),
# Cloud SQL (and on-demand backups before prod migrations), alerting. Everything else it
# only reads; the registry's writer binding is on the repository (components/registry.py).
DEPLOYER_ROLES = (
    "roles/run.admin",
    "roles/cloudsql.admin",
    "roles/monitoring.editor",
    # The rest of READ_ROLES: the three above include run/cloudsql/monitoring viewing.
    *(
        r
        for r in READ_ROLES
        if r.split(".")[0] not in ("roles/run", "roles/cloudsql", "roles/monitoring")
    ),
)
SECRET_ADMIN = "roles/secretmanager.admin"  # noqa: S105 (a role name, not a secret)
# Roles that let a holder grant roles, mint credentials, impersonate accounts, change who
# the identity pool trusts, or read any secret. None is granted on the project without a
# condition: serviceAccountUser/workloadIdentityUser only on single accounts, secret admin
# only on this stack's secrets. The policy pack and the access-matrix test enforce it.
ESCALATION_ROLES = (
    "roles/owner",
    "roles/editor",
    "roles/resourcemanager.projectIamAdmin",
    "roles/iam.securityAdmin",
    "roles/iam.serviceAccountAdmin",
    "roles/iam.serviceAccountKeyAdmin",
    "roles/iam.serviceAccountTokenCreator",
    "roles/iam.serviceAccountUser",
    "roles/iam.workloadIdentityPoolAdmin",
    "roles/iam.workloadIdentityUser",
    "roles/iam.roleAdmin",
    "roles/secretmanager.admin",
)


def secret_admin_condition(project_number: str, secret_ids: tuple[str, ...]) -> str:
    """CEL: only these secrets (and their versions), plus the project itself, which is what
    Secret Manager checks `secrets.create`/`secrets.list` against; no other secret's
    payload or IAM policy is reachable because those checks name the secret."""
    names = " || ".join(
        f"resource.name == 'projects/{project_number}/secrets/{sid}' || "
        f"resource.name.startsWith('projects/{project_number}/secrets/{sid}/')"
        for sid in secret_ids
    )
    return f"resource.type == 'cloudresourcemanager.googleapis.com/Project' || {names}"


@dataclass(frozen=True)
class IdentityArgs:
    """Account ids are `<prefix>-<role>`."""

    project: str
    prefix: str
    environment: str
    project_number: str = ""
    """Secret Manager names secrets by project number in IAM conditions; without it the
    deployer gets no secret administration at all (fails closed)."""
    app_secret_ids: tuple[str, ...] = ()
    """The stack's extra app secrets (appSecrets[].secretId); the program's own are added."""
    tracing: bool = False
    """The runtime writes spans to Cloud Trace (the stack's tracing section)."""
    first_admin: bool = False
    """The stack declares the admin password secret (firstAdmin): the deployer creates it."""


class Identity(pulumi.ComponentResource):
    """Creates the four identities; exposes `.runtime`, `.migrator`, `.deployer`, `.previewer`."""

    def __init__(self, name: str, args: IdentityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{PROJECT}:identity:Identity", name, None, opts)
        self._name, self._args, self._opts = name, args, opts
        self.runtime = self._account("runtime", "serves HTTP requests (Cloud Run service)")
        self.migrator = self._account("migrator", "runs migrate_and_seed (Cloud Run job)")
        self.deployer = self._account("deployer", "GitHub Actions CD: pulumi up, deploys")
        self.previewer = self._account("previewer", "GitHub Actions PRs: pulumi preview")
        for role in WORKLOAD_ROLES:
            self._grant("runtime", self.runtime, role)
            self._grant("migrator", self.migrator, role)
        if args.tracing:
            self._grant("runtime", self.runtime, TRACE_ROLE)
        for role in PREVIEWER_ROLES:
            self._grant("previewer", self.previewer, role)
        for role in DEPLOYER_ROLES:
            self._grant("deployer", self.deployer, role)
        if args.project_number:
            admin = (ADMIN_PASSWORD_SECRET_ID,) if args.first_admin else ()
            secret_ids = tuple(dict.fromkeys((*PROGRAM_SECRET_IDS, *admin, *args.app_secret_ids)))
            self._grant(
                "deployer",
                self.deployer,
                SECRET_ADMIN,
                projects.IAMMemberConditionArgs(
                    title="own-secrets-only",
                    description="Only the secrets this stack declares: " + ", ".join(secret_ids),
                    expression=secret_admin_condition(args.project_number, secret_ids),
                ),
            )
        # Deploying a service or job that runs as an identity needs actAs on that identity
        # only, not serviceAccountUser on the whole project.
        for target_name, target in (("runtime", self.runtime), ("migrator", self.migrator)):
            serviceaccount.IAMMember(
                f"{name}-deployer-actas-{target_name}",
                service_account_id=target.name,
                role="roles/iam.serviceAccountUser",
                member=self.deployer.member,
                opts=child_opts(self, opts),
            )
        # Smoke tests and gates call a private service with a Google ID token; in CI the
        # credentials already are the deployer's, and IAM Credentials only mints an ID
        # token for an account to a caller allowed to on that account, itself included
        # (ops/clients/id_token.py). OpenID tokens only: no access tokens, no other account.
        serviceaccount.IAMMember(
            f"{name}-deployer-id-tokens-for-itself",
            service_account_id=self.deployer.name,
            role="roles/iam.serviceAccountOpenIdTokenCreator",
            member=self.deployer.member,
            opts=child_opts(self, opts),
        )
        self.register_outputs(
            {
                "runtime": self.runtime.email,
                "migrator": self.migrator.email,
                "deployer": self.deployer.email,
                "previewer": self.previewer.email,
            }
        )

    def _account(self, role_name: str, purpose: str) -> serviceaccount.Account:
        args = self._args
        return serviceaccount.Account(
            f"{self._name}-{role_name}",
            project=args.project,
            account_id=f"{args.prefix}-{role_name}",
            display_name=f"{args.prefix} {role_name} ({args.environment})",
            description=purpose,
            opts=child_opts(self, self._opts),
        )

    def _grant(
        self,
        role_name: str,
        account: serviceaccount.Account,
        role: str,
        condition: projects.IAMMemberConditionArgs | None = None,
    ) -> projects.IAMMember:
        short = role.removeprefix("roles/").replace(".", "-")
        return projects.IAMMember(
            f"{self._name}-{role_name}-{short}",
            project=self._args.project,
            role=role,
            member=account.member,
            condition=condition,
            opts=child_opts(self, self._opts),
        )
