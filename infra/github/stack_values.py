"""What each environment's GitHub variables hold, read from the GCP stack files themselves.

Each GCP stack keeps its state in its own bucket (ops/bootstrap), and a Pulumi
StackReference can only read stacks of the backend the current stack lives in, so this
project cannot reference dev, staging and prod outputs any more. Every value the workflows
need is fixed by the stack file anyway (the program derives it the same way);
tests/governance/test_github_settings.py checks these against the mocked program's outputs
for every stack, so the two cannot drift.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
NAMESPACE = "django-gcp"
PROVIDER_ID = "github-oidc"  # infra/components/federation.py


class StackFileError(ValueError):
    """A GCP stack file lacks a value a GitHub variable is made of."""


def _config(stack: str, root: Path) -> dict[str, Any]:
    path = root / f"Pulumi.{stack}.yaml"
    try:
        config = (yaml.safe_load(path.read_text()) or {}).get("config")
    except (OSError, yaml.YAMLError) as error:
        raise StackFileError(f"cannot read {path.name}: {error}") from None
    if not isinstance(config, dict):
        raise StackFileError(f"{path.name} has no config: mapping")
    return config


def _need(config: dict[str, Any], stack: str, key: str, sub: str | None = None) -> str:
    value = config.get(key)
    if sub is not None:
        value = value.get(sub) if isinstance(value, dict) else None
    if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
        shown = f"{key}.{sub}" if sub else key
        raise StackFileError(f"Pulumi.{stack}.yaml: {shown} is required for the GitHub variables")
    return str(value)


def stack_outputs(stack: str, root: Path = ROOT) -> dict[str, str]:
    """The outputs (by the GCP program's output names) the GitHub variables are made of."""
    config = _config(stack, root)
    project = _need(config, stack, "gcp:project")
    region = _need(config, stack, "gcp:region")
    number = _need(config, stack, f"{NAMESPACE}:projectNumber")
    service = _need(config, stack, f"{NAMESPACE}:serviceName")
    pool = _need(config, stack, f"{NAMESPACE}:github", "workloadIdentityPoolId")
    repository = _need(config, stack, f"{NAMESPACE}:registry", "repositoryId")
    return {
        "projectId": project,
        "region": region,
        "workloadIdentityProvider": (
            f"projects/{number}/locations/global/workloadIdentityPools/{pool}"
            f"/providers/{PROVIDER_ID}"
        ),
        "deployerServiceAccount": f"{service}-deployer@{project}.iam.gserviceaccount.com",
        "previewerServiceAccount": f"{service}-previewer@{project}.iam.gserviceaccount.com",
        "registryPath": f"{region}-docker.pkg.dev/{project}/{repository}",
        "serviceName": service,
    }
