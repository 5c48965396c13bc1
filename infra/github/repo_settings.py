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
    upstream: str | None = None
    """The environment whose registry images are promoted from (by digest), if any."""

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
    state_bucket_prefix: str
    state_key_ring: str
    environments: tuple[EnvironmentSettings, ...]
    protected_branches: tuple[BranchRule, ...]
    required_checks: tuple[str, ...]

    # One bucket and one KMS key per stack (ops/bootstrap): a job of one environment is
    # handed only its own state's address and key.
    def backend_url(self, stack: str) -> str:
        return f"gs://{self.state_bucket_prefix}-{stack}"

    def secrets_provider(self, stack: str) -> str:
        return f"{self.state_key_ring}/cryptoKeys/{stack}"


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
    unknown = set(raw) - {"name", "stack", "branch", "reviewerTeams", "reviewerUsers", "upstream"}
    if unknown:
        raise _fail(key, sorted(unknown), "unknown keys (typo?)")
    env = EnvironmentSettings(
        name=str(raw["name"]),
        stack=str(raw["stack"]),
        branch=str(raw["branch"]),
        reviewer_teams=_ids(f"{key}.reviewerTeams", raw.get("reviewerTeams")),
        reviewer_users=_ids(f"{key}.reviewerUsers", raw.get("reviewerUsers")),
        upstream=str(raw["upstream"]) if raw.get("upstream") else None,
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
    prefix = raw.get("stateBucketPrefix")
    if not isinstance(prefix, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]{1,46}[a-z0-9]", prefix):
        raise _fail(
            "stateBucketPrefix", prefix, "must be the bucket prefix given to make bootstrap"
        )
    ring = raw.get("stateKeyRing")
    kms = r"gcpkms://projects/[^/]+/locations/[^/]+/keyRings/[^/]+"
    if not isinstance(ring, str) or not re.fullmatch(kms, ring):
        raise _fail("stateKeyRing", ring, f"must match {kms}")
    envs = tuple(_environment(i, e) for i, e in enumerate(raw.get("environments") or []))
    names = [e.name for e in envs]
    for index, env in enumerate(envs):
        if (env.upstream is not None and env.upstream not in names) or env.upstream == env.name:
            raise _fail(f"environments[{index}].upstream", env.upstream, f"must be one of {names}")
    if sorted(e.name for e in envs) != sorted(EXPECTED_BRANCHES):
        raise _fail("environments", [e.name for e in envs], "must declare dev, staging, prod")
    rules = tuple(_branch_rule(i, b) for i, b in enumerate(raw.get("protectedBranches") or []))
    # Every deploy branch: a push to it deploys, so it changes only through reviewed PRs.
    deploy_branches = sorted({e.branch for e in envs})
    if not set(deploy_branches) <= {r.branch for r in rules}:
        raise _fail(
            "protectedBranches",
            [r.branch for r in rules],
            f"must protect every deploy branch: {', '.join(deploy_branches)}",
        )
    checks = raw.get("requiredChecks")
    if not isinstance(checks, list) or not checks or not all(isinstance(c, str) for c in checks):
        raise _fail("requiredChecks", checks, "must list at least one CI status check name")
    return RepoSettings(
        repository=str(raw.get("repository") or ""),
        state_bucket_prefix=prefix,
        state_key_ring=ring,
        environments=envs,
        protected_branches=rules,
        required_checks=tuple(checks),
    )


def load_repo_settings() -> RepoSettings:
    """Read this stack's configuration through Pulumi (call at program run time only)."""
    cfg = pulumi.Config(NAMESPACE)
    raw: dict[str, Any] = {
        key: cfg.get(key) for key in ("repository", "stateBucketPrefix", "stateKeyRing")
    }
    for key in ("environments", "protectedBranches", "requiredChecks"):
        raw[key] = cfg.get_object(key)
    if not raw["repository"]:
        raise RepoConfigError(f"{_key('repository')} is required (the repository name)")
    return parse_repo_settings(raw)
