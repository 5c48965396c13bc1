"""GitHub settings as code: environments with their stack's variables, protected branches."""

import pulumi
from repo_resources import (
    DeploymentEnvironment,
    DeploymentEnvironmentArgs,
    PreviewEnvironment,
    ProtectedBranch,
    ProtectedBranchArgs,
)
from repo_settings import load_repo_settings

settings = load_repo_settings()

for env in settings.environments:
    stack = pulumi.StackReference(f"{settings.stack_prefix}/{env.stack}")
    environment_args = DeploymentEnvironmentArgs(
        repository=settings.repository,
        settings=env,
        stack_outputs=stack,
        static_variables={
            "PULUMI_BACKEND_URL": settings.backend_url,
            "PULUMI_SECRETS_PROVIDER": settings.secrets_provider,
            "PULUMI_STACK": env.stack,
        },
    )
    DeploymentEnvironment(env.name, environment_args)
    PreviewEnvironment(f"{env.name}-preview", environment_args)

for rule in settings.protected_branches:
    ProtectedBranch(
        rule.branch,
        ProtectedBranchArgs(
            repository=settings.repository, rule=rule, required_checks=settings.required_checks
        ),
    )

pulumi.export("environments", [env.name for env in settings.environments])
pulumi.export("protectedBranches", [rule.branch for rule in settings.protected_branches])
