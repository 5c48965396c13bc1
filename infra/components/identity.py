"""Service accounts and their project roles: runtime, migrator, deployer, previewer.

No keys are ever created (GitHub authenticates through Workload Identity Federation) and no
primitive role (owner/editor/viewer) is granted to anything.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_gcp import projects, serviceaccount

from components import PROJECT, child_opts

# Runtime and migrator are separate so the identity serving requests cannot be used to run
# arbitrary migrations, and a compromised job cannot serve traffic.
WORKLOAD_ROLES = ("roles/cloudsql.client",)
PREVIEWER_ROLES = (
    "roles/run.viewer",
    "roles/cloudsql.viewer",
    "roles/secretmanager.viewer",  # metadata only; secretAccessor is never granted
    "roles/artifactregistry.reader",
    "roles/iam.serviceAccountViewer",
    "roles/iam.workloadIdentityPoolViewer",
    "roles/iam.securityReviewer",  # read IAM policies so preview can diff bindings
    "roles/monitoring.viewer",
    "roles/logging.viewer",
    "roles/serviceusage.serviceUsageViewer",
)
DEPLOYER_ROLES = (
    "roles/run.admin",
    "roles/cloudsql.admin",  # also on-demand backups before prod migrations
    "roles/secretmanager.admin",
    "roles/artifactregistry.admin",
    "roles/iam.serviceAccountAdmin",
    "roles/iam.workloadIdentityPoolAdmin",
    "roles/monitoring.editor",
    "roles/logging.viewer",
    "roles/serviceusage.serviceUsageAdmin",
)
PROJECT_IAM_ADMIN = "roles/resourcemanager.projectIamAdmin"
# The only project roles the deployer may grant: what this program grants to the runtime,
# migrator and previewer. Its own roles (above) are NOT in the list, so changing them takes
# an administrator's `pulumi up`, and it can never grant itself owner or projectIamAdmin.
GRANTABLE_ROLES = tuple(sorted({*WORKLOAD_ROLES, *PREVIEWER_ROLES}))


def grant_condition_expression(roles: tuple[str, ...]) -> str:
    allowed = ", ".join(f"'{role}'" for role in roles)
    return f"api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([{allowed}])"


@dataclass(frozen=True)
class IdentityArgs:
    """Account ids are `<prefix>-<role>`."""

    project: str
    prefix: str
    environment: str


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
        for role in PREVIEWER_ROLES:
            self._grant("previewer", self.previewer, role)
        for role in DEPLOYER_ROLES:
            self._grant("deployer", self.deployer, role)
        self._grant(
            "deployer",
            self.deployer,
            PROJECT_IAM_ADMIN,
            projects.IAMMemberConditionArgs(
                title="grant-allowlisted-roles-only",
                description="The deployer may only grant the roles this program grants.",
                expression=grant_condition_expression(GRANTABLE_ROLES),
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
