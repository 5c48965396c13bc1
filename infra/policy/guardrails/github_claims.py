"""GitHub Actions OIDC tokens as Google's Workload Identity sees them, and a CEL evaluator.

The claim set follows GitHub's documentation ("About security hardening with OpenID
Connect", example subject claims and the token's custom claims): every job token carries
repository, repository_id, repository_owner(_id), ref, ref_type, event_name, workflow_ref,
job_workflow_ref (the reusable workflow's file when the job is defined in one, else equal
to workflow_ref), base_ref/head_ref (pull requests only), and environment only when the
job declares one. Google exposes the claims to attribute mappings and conditions as the
CEL variable `assertion`; the evaluator here is cel-python, not string matching.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import celpy
from celpy import celtypes
from celpy.adapter import json_to_cel
from celpy.celparser import CELParseError
from celpy.evaluation import CELEvalError

_ENV = celpy.Environment()


class CelError(ValueError):
    """An expression does not compile, or fails on a claim set."""


@functools.lru_cache(maxsize=256)
def _program(expression: str) -> celpy.Runner:
    return _ENV.program(_ENV.compile(expression))


def evaluate(expression: str, claims: Mapping[str, Any], variable: str = "assertion") -> Any:
    """The expression's value for one token (bool for conditions, str for mappings).

    `variable` is what the expression calls its input: `assertion` for Workload Identity,
    `resource` for IAM conditions (claims are then {"name": ..., "type": ...})."""
    try:
        result = _program(expression).evaluate({variable: json_to_cel(dict(claims))})
    except (CELParseError, CELEvalError) as error:
        raise CelError(f"{expression!r}: {error}") from None
    if isinstance(result, CELEvalError):
        raise CelError(f"{expression!r}: {result}")
    if isinstance(result, celtypes.BoolType):
        return bool(result)
    if isinstance(result, celtypes.StringType):
        return str(result)
    return result


def github_token(
    *,
    repository: str = "acme/django-gcp",
    repository_id: str = "812345678",
    repository_owner_id: str = "91234567",
    event_name: str = "push",
    ref: str = "refs/heads/main",
    workflow: str = "cd.yml",
    job_workflow: str | None = None,
    job_workflow_repository: str | None = None,
    job_workflow_ref: str | None = None,
    environment: str | None = None,
    base_ref: str = "",
    head_ref: str = "",
) -> dict[str, Any]:
    """One job's token claims; `job_workflow` set = the job runs in that reusable workflow."""
    owner = repository.split("/")[0]
    workflow_ref = f"{repository}/.github/workflows/{workflow}@{ref}"
    job_ref = workflow_ref
    if job_workflow is not None:
        called_from = job_workflow_repository or repository
        job_ref = f"{called_from}/.github/workflows/{job_workflow}@{job_workflow_ref or ref}"
    if environment is not None:
        subject = f"repo:{repository}:environment:{environment}"
    elif event_name.startswith("pull_request"):
        subject = f"repo:{repository}:pull_request"
    else:
        subject = f"repo:{repository}:ref:{ref}"
    claims: dict[str, Any] = {
        "iss": "https://token.actions.githubusercontent.com",
        "aud": "https://github.com/" + owner,
        "sub": subject,
        "jti": "example-id",
        "repository": repository,
        "repository_id": repository_id,
        "repository_owner": owner,
        "repository_owner_id": repository_owner_id,
        "repository_visibility": "private",
        "actor": "octocat",
        "actor_id": "583231",
        "run_id": "1234567890",
        "run_number": "42",
        "run_attempt": "1",
        "runner_environment": "github-hosted",
        "event_name": event_name,
        "ref": ref,
        "ref_type": "tag" if ref.startswith("refs/tags/") else "branch",
        "ref_protected": "true",
        "head_ref": head_ref,
        "base_ref": base_ref,
        "sha": "a" * 40,
        "workflow": workflow.removesuffix(".yml"),
        "workflow_ref": workflow_ref,
        "workflow_sha": "a" * 40,
        "job_workflow_ref": job_ref,
        "job_workflow_sha": "a" * 40,
    }
    if environment is not None:
        claims["environment"] = environment
        claims["environment_node_id"] = "EN_example"
    return claims
