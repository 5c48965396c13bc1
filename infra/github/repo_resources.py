"""GitHub resources, one ComponentResource per concern: deployment environments, branch rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_github as github
from repo_settings import BranchRule, EnvironmentSettings

# GitHub variable -> output of the environment's GCP stack (COMMON.md contract). The
# workflows read exactly these names; tests/governance checks every `vars.X` is declared.
STACK_OUTPUT_VARIABLES = {
    "GCP_PROJECT_ID": "projectId",
    "GCP_REGION": "region",
    "WIF_PROVIDER": "workloadIdentityProvider",
    "DEPLOYER_SERVICE_ACCOUNT": "deployerServiceAccount",
    "PREVIEWER_SERVICE_ACCOUNT": "previewerServiceAccount",
    "ARTIFACT_REGISTRY": "registryPath",
    "CLOUD_RUN_SERVICE": "serviceName",
}
# Only GitHub Actions (app id 15368) may report the required checks, so another app or a
# commit status from a token cannot satisfy them.
GITHUB_ACTIONS_APP_ID = 15368


@dataclass(frozen=True)
class DeploymentEnvironmentArgs:
    """Inputs of one deployment environment."""

    repository: str
    settings: EnvironmentSettings
    stack_outputs: Mapping[str, str]
    """The GCP stack's outputs the variables carry (stack_values.py, from its stack file)."""
    static_variables: dict[str, str]
    """Values not read from the stack (Pulumi backend and secrets provider, stack name)."""
    upstream_registry: str | None = None
    """Registry path of the environment images are promoted from (deploy.yml copies by
    digest): UPSTREAM_ARTIFACT_REGISTRY. Only deployment environments get it."""


class DeploymentEnvironment(pulumi.ComponentResource):
    """A GitHub environment that only its branch may deploy, with its stack's variables."""

    def __init__(
        self, name: str, args: DeploymentEnvironmentArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("django-gcp-github:environments:DeploymentEnvironment", name, None, opts)
        env = args.settings
        child = pulumi.ResourceOptions(parent=self)
        self.environment = github.RepositoryEnvironment(
            f"{name}-environment",
            repository=args.repository,
            environment=env.name,
            reviewers=[
                github.RepositoryEnvironmentReviewerArgs(
                    teams=list(env.reviewer_teams), users=list(env.reviewer_users)
                )
            ]
            if env.requires_approval
            else None,
            # An approver may not approve their own deployment, and admins get no bypass.
            prevent_self_review=env.requires_approval,
            can_admins_bypass=not env.requires_approval,
            deployment_branch_policy=github.RepositoryEnvironmentDeploymentBranchPolicyArgs(
                protected_branches=False, custom_branch_policies=True
            ),
            opts=child,
        )
        env_opts = pulumi.ResourceOptions(parent=self, depends_on=[self.environment])
        self.branch_policy = github.RepositoryEnvironmentDeploymentPolicy(
            f"{name}-branch",
            repository=args.repository,
            environment=env.name,
            branch_pattern=env.branch,
            opts=env_opts,
        )
        values: dict[str, pulumi.Input[str]] = dict(args.static_variables)
        for variable, output in STACK_OUTPUT_VARIABLES.items():
            values[variable] = args.stack_outputs[output]
        if args.upstream_registry is not None:
            values["UPSTREAM_ARTIFACT_REGISTRY"] = args.upstream_registry
        self.variables = {
            variable: github.ActionsEnvironmentVariable(
                f"{name}-{variable.lower().replace('_', '-')}",
                repository=args.repository,
                environment=env.name,
                variable_name=variable,
                value=value,
                opts=env_opts,
            )
            for variable, value in values.items()
        }
        self.register_outputs({"environment": env.name, "variables": sorted(values)})


@dataclass(frozen=True)
class ProtectedBranchArgs:
    """Inputs of one branch ruleset."""

    repository: str
    rule: BranchRule
    required_checks: tuple[str, ...]


class ProtectedBranch(pulumi.ComponentResource):
    """A ruleset: changes only through reviewed PRs with green checks; no force push/delete."""

    def __init__(
        self, name: str, args: ProtectedBranchArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("django-gcp-github:branches:ProtectedBranch", name, None, opts)
        rule = args.rule
        self.ruleset = github.RepositoryRuleset(
            f"{name}-ruleset",
            name=f"protect-{rule.branch}",
            repository=args.repository,
            target="branch",
            enforcement="active",
            # No bypass actors: admins follow the same path (RUNBOOK explains emergencies).
            conditions=github.RepositoryRulesetConditionsArgs(
                ref_name=github.RepositoryRulesetConditionsRefNameArgs(
                    includes=[f"refs/heads/{rule.branch}"], excludes=[]
                )
            ),
            rules=github.RepositoryRulesetRulesArgs(
                deletion=True,
                non_fast_forward=True,
                pull_request=github.RepositoryRulesetRulesPullRequestArgs(
                    required_approving_review_count=rule.required_approvals,
                    require_code_owner_review=True,
                    dismiss_stale_reviews_on_push=True,
                    require_last_push_approval=True,
                    required_review_thread_resolution=True,
                ),
                required_status_checks=github.RepositoryRulesetRulesRequiredStatusChecksArgs(
                    required_checks=[
                        github.RepositoryRulesetRulesRequiredStatusChecksRequiredCheckArgs(
                            context=check, integration_id=GITHUB_ACTIONS_APP_ID
                        )
                        for check in args.required_checks
                    ],
                    # The branch must be up to date, so checks ran on what gets merged.
                    strict_required_status_checks_policy=True,
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"branch": rule.branch})


# What `pulumi preview` as the previewer needs: no deployer, no registry.
PREVIEW_VARIABLES = ("WIF_PROVIDER", "PREVIEWER_SERVICE_ACCOUNT")


class PreviewEnvironment(pulumi.ComponentResource):
    """`<env>-preview`: the variables a pull request's preview needs, reachable from any branch.

    Pull requests cannot use the deployment environment (its branch policy admits only the
    stack's branch), and repository-wide variables could not differ per stack. WIF admits
    the previewer only to jobs in this environment running preview.yml on a pull request
    into the stack's branch. A preview decrypts the stack's state (Pulumi needs the old
    secret values to diff), and the pull request's own code runs in it, so where the
    environment needs reviewers (prod), its preview needs the same reviewers.
    """

    def __init__(
        self, name: str, args: DeploymentEnvironmentArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("django-gcp-github:environments:PreviewEnvironment", name, None, opts)
        environment = f"{args.settings.name}-preview"
        env = args.settings
        self.environment = github.RepositoryEnvironment(
            f"{name}-environment",
            repository=args.repository,
            environment=environment,
            reviewers=[
                github.RepositoryEnvironmentReviewerArgs(
                    teams=list(env.reviewer_teams), users=list(env.reviewer_users)
                )
            ]
            if env.requires_approval
            else None,
            prevent_self_review=env.requires_approval,
            can_admins_bypass=not env.requires_approval,
            opts=pulumi.ResourceOptions(parent=self),
        )
        values: dict[str, pulumi.Input[str]] = dict(args.static_variables)
        for variable in PREVIEW_VARIABLES:
            values[variable] = args.stack_outputs[STACK_OUTPUT_VARIABLES[variable]]
        env_opts = pulumi.ResourceOptions(parent=self, depends_on=[self.environment])
        self.variables = {
            variable: github.ActionsEnvironmentVariable(
                f"{name}-{variable.lower().replace('_', '-')}",
                repository=args.repository,
                environment=environment,
                variable_name=variable,
                value=value,
                opts=env_opts,
            )
            for variable, value in values.items()
        }
        self.register_outputs({"environment": environment, "variables": sorted(values)})
