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
from stack_values import stack_outputs

settings = load_repo_settings()

stacks = {env.name: env.stack for env in settings.environments}
for env in settings.environments:
    environment_args = DeploymentEnvironmentArgs(
        repository=settings.repository,
        settings=env,
        stack_outputs=stack_outputs(env.stack),
        static_variables={
            "PULUMI_BACKEND_URL": settings.backend_url(env.stack),
            "PULUMI_SECRETS_PROVIDER": settings.secrets_provider(env.stack),
            "PULUMI_STACK": env.stack,
        },
        upstream_registry=stack_outputs(stacks[env.upstream])["registryPath"]
        if env.upstream
        else None,
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
