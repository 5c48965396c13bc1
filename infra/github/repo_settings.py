"""The GitHub project's configuration, read once and validated (Pulumi.github.yaml)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

NAMESPACE = "django-gcp-github"
# The branch -> environment contract of the delivery pipeline (COMMON.md, ops/).
EXPECTED_BRANCHES = {"dev": "develop", "staging": "homolog", "prod": "main"}
MIN_PROD_APPROVALS = 2


class RepoConfigError(ValueError):
    """A value in Pulumi.github.yaml is missing or not allowed."""


@dataclass(frozen=True)
class EnvironmentSettings:
    """One GitHub deployment environment and the GCP stack it deploys."""

    name: str
    stack: str
    branch: str
    reviewer_teams: tuple[int, ...] = ()
    reviewer_users: tuple[int, ...] = ()

    @property
    def requires_approval(self) -> bool:
        return bool(self.reviewer_teams or self.reviewer_users)


@dataclass(frozen=True)
class BranchRule:
    """A protected branch: pull requests only, approvals, checks, no force push/deletion."""

    branch: str
    required_approvals: int


@dataclass(frozen=True)
class RepoSettings:
    """Everything the GitHub project declares."""

    repository: str
    backend_url: str
    secrets_provider: str
    stack_prefix: str
    environments: tuple[EnvironmentSettings, ...]
    protected_branches: tuple[BranchRule, ...]
    required_checks: tuple[str, ...]


def _key(name: str) -> str:
    return f"{NAMESPACE}:{name}"


def _fail(key: str, value: object, allowed: str) -> RepoConfigError:
    return RepoConfigError(f"{_key(key)} = {value!r} is invalid: {allowed}")


def _ids(key: str, value: object) -> tuple[int, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value
    ):
        raise _fail(key, value, "must be a list of numeric GitHub ids (gh api ... --jq .id)")
    return tuple(value)


def _environment(index: int, raw: object) -> EnvironmentSettings:
    key = f"environments[{index}]"
    if not isinstance(raw, Mapping) or not {"name", "stack", "branch"} <= raw.keys():
        raise _fail(key, raw, "must be a mapping with name, stack and branch")
    unknown = set(raw) - {"name", "stack", "branch", "reviewerTeams", "reviewerUsers"}
    if unknown:
        raise _fail(key, sorted(unknown), "unknown keys (typo?)")
    env = EnvironmentSettings(
        name=str(raw["name"]),
        stack=str(raw["stack"]),
        branch=str(raw["branch"]),
        reviewer_teams=_ids(f"{key}.reviewerTeams", raw.get("reviewerTeams")),
        reviewer_users=_ids(f"{key}.reviewerUsers", raw.get("reviewerUsers")),
    )
    expected = EXPECTED_BRANCHES.get(env.name)
    if expected is None:
        raise _fail(f"{key}.name", env.name, f"must be one of {sorted(EXPECTED_BRANCHES)}")
    if env.branch != expected:
        raise _fail(f"{key}.branch", env.branch, f"environment {env.name} deploys {expected!r}")
    if env.name == "prod" and len(env.reviewer_teams) + len(env.reviewer_users) < 2:
        raise _fail(
            f"{key}.reviewerTeams", list(env.reviewer_teams), "prod needs two reviewers or more"
        )
    return env


def _branch_rule(index: int, raw: object) -> BranchRule:
    key = f"protectedBranches[{index}]"
    if not isinstance(raw, Mapping) or not isinstance(raw.get("branch"), str):
        raise _fail(key, raw, "must be a mapping with branch and requiredApprovals")
    approvals = raw.get("requiredApprovals", 1)
    if isinstance(approvals, bool) or not isinstance(approvals, int) or not 1 <= approvals <= 6:
        raise _fail(f"{key}.requiredApprovals", approvals, "must be an integer from 1 to 6")
    if raw["branch"] == "main" and approvals < MIN_PROD_APPROVALS:
        raise _fail(f"{key}.requiredApprovals", approvals, "main (prod) needs 2 or more")
    return BranchRule(branch=raw["branch"], required_approvals=approvals)


def parse_repo_settings(raw: Mapping[str, Any]) -> RepoSettings:
    """Validate raw config values (as Pulumi returns them) into RepoSettings."""
    backend = raw.get("pulumiBackendUrl")
    if not isinstance(backend, str) or not re.fullmatch(r"gs://[a-z0-9][a-z0-9._-]{2,62}", backend):
        raise _fail("pulumiBackendUrl", backend, "must be gs://<state bucket>")
    provider = raw.get("pulumiSecretsProvider")
    kms = r"gcpkms://projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+"
    if not isinstance(provider, str) or not re.fullmatch(kms, provider):
        raise _fail("pulumiSecretsProvider", provider, f"must match {kms}")
    envs = tuple(_environment(i, e) for i, e in enumerate(raw.get("environments") or []))
    if sorted(e.name for e in envs) != sorted(EXPECTED_BRANCHES):
        raise _fail("environments", [e.name for e in envs], "must declare dev, staging, prod")
    rules = tuple(_branch_rule(i, b) for i, b in enumerate(raw.get("protectedBranches") or []))
    if not {"main", "homolog"} <= {r.branch for r in rules}:
        raise _fail("protectedBranches", [r.branch for r in rules], "must protect main, homolog")
    checks = raw.get("requiredChecks")
    if not isinstance(checks, list) or not checks or not all(isinstance(c, str) for c in checks):
        raise _fail("requiredChecks", checks, "must list at least one CI status check name")
    return RepoSettings(
        repository=str(raw.get("repository") or ""),
        backend_url=backend,
        secrets_provider=provider,
        stack_prefix=str(raw.get("stackPrefix") or "organization/django-gcp").rstrip("/"),
        environments=envs,
        protected_branches=rules,
        required_checks=tuple(checks),
    )


def load_repo_settings() -> RepoSettings:
    """Read this stack's configuration through Pulumi (call at program run time only)."""
    cfg = pulumi.Config(NAMESPACE)
    raw: dict[str, Any] = {
        key: cfg.get(key)
        for key in ("repository", "pulumiBackendUrl", "pulumiSecretsProvider", "stackPrefix")
    }
    for key in ("environments", "protectedBranches", "requiredChecks"):
        raw[key] = cfg.get_object(key)
    if not raw["repository"]:
        raise RepoConfigError(f"{_key('repository')} is required (the repository name)")
    return parse_repo_settings(raw)
