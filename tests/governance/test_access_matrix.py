"""The least-privilege matrix: SECURITY.md equals what the program and the bootstrap grant,
no grant reaches another environment, and no identity can grant itself more."""

from __future__ import annotations

import functools
import re

import pytest

from components.identity import ESCALATION_ROLES
from mock_run import PROJECT, ProgramRun, run_program, stack_config
from policy.guardrails.github_claims import CelError, evaluate
from tests.governance.access_matrix import (
    NEXT_DEPLOYER,
    OPTIONAL,
    ROOT,
    SA,
    STATE_ARGS,
    Grant,
    documented_rows,
    is_promotion_read,
    program_grants,
    row,
    state_grants,
)

STACKS = ("dev", "staging", "prod")
# Project-wide administration that stays inside one service's own resources and cannot
# grant IAM roles outside it, mint credentials or change identity trust (SECURITY.md).
CONTAINED_ADMIN = {"roles/run.admin", "roles/cloudsql.admin", "roles/monitoring.editor"}
ACT_AS_TARGETS = {"runtime", "migrator"}
CREDENTIAL_TYPES = {"gcp:serviceaccount/key:Key", "gcp:storage/hmacKey:HmacKey"}


@functools.cache
def program(stack: str) -> ProgramRun:
    return run_program(stack)


# The committed stacks may turn optional sections on; the core matrix is read with all off.
EVERY_SECTION_OFF = {
    key: {"enabled": False}
    for key in ("media", "cache", "tracing", "slo", "audit", "disasterRecovery", "frontDoor")
}


@functools.cache
def core_grants(stack: str) -> list[Grant]:
    # The error-budget floor needs the SLOs: off with them.
    rollout = dict(stack_config(stack)[f"{PROJECT}:rollout"])
    rollout.pop("minErrorBudgetRemaining", None)
    overrides = {**EVERY_SECTION_OFF, "rollout": rollout}
    return program_grants(run_program(stack, overrides)) + state_grants(stack)


def grants(stack: str) -> list[Grant]:
    return program_grants(program(stack)) + state_grants(stack)


def cross_environment(stack: str, found: list[Grant]) -> list[str]:
    """Grants of `stack` that name an identity, project, state or key of another stack."""
    project = stack_config(stack)["gcp:project"]
    own = {STATE_ARGS.bucket_url(stack), stack}
    problems = []
    for grant in found:
        member = SA.match(grant.member)
        if is_promotion_read(grant, project):
            continue  # images only; the policy pack admits exactly this (PROMOTION_READ)
        if member and member.group("project") != project:
            problems.append(f"{grant.role} to {grant.member}, an identity of another project")
        if grant.kind == "project" and grant.target != project:
            problems.append(f"{grant.role} on project {grant.target}")
        in_project = grant.target.endswith(f"@{project}.iam.gserviceaccount.com")
        if grant.kind == "service account" and not in_project:
            problems.append(f"{grant.role} on account {grant.target}")
        if grant.kind in ("state bucket", "KMS key") and grant.target not in own:
            problems.append(f"{grant.role} on {grant.kind} {grant.target}")
    return problems


def _condition_reaches_other_secrets(expression: str) -> bool:
    for name in ("projects/1/secrets/another-stacks-secret", "projects/1/secrets/x/versions/1"):
        try:
            resource = {"name": name, "type": "secretmanager.googleapis.com/Secret"}
            if evaluate(expression, resource, variable="resource") is not False:
                return True
        except CelError:
            return True
    return False


def escalation(found: list[Grant]) -> list[str]:
    """Grants that let their holder grant roles, mint credentials or change trust."""
    problems = []
    for grant in found:
        who = f"{grant.role} to {grant.member} on {grant.kind} {grant.target}"
        if grant.kind == "project":
            if grant.role == "roles/secretmanager.admin":
                if not grant.condition or _condition_reaches_other_secrets(grant.condition):
                    problems.append(f"{who}: not limited to the stack's own secrets")
            elif grant.role in ESCALATION_ROLES or (
                re.search(r"admin|owner|editor", grant.role, re.I)
                and grant.role not in CONTAINED_ADMIN
            ):
                problems.append(f"{who}: can grant itself more")
        elif grant.kind == "service account":
            target = grant.target.split("@")[0].rsplit("-", 1)[-1]
            if grant.role == "roles/iam.workloadIdentityUser":
                if not grant.member.startswith("principalSet://"):
                    problems.append(f"{who}: only federated GitHub tokens may impersonate")
            elif grant.role == "roles/iam.serviceAccountTokenCreator" and target == "runtime":
                # Media's signed URLs: the runtime signs as itself, never as another account.
                if grant.member != f"serviceAccount:{grant.target}":
                    problems.append(f"{who}: tokens only for itself")
            elif grant.role == "roles/iam.serviceAccountOpenIdTokenCreator":
                if grant.member != f"serviceAccount:{grant.target}":
                    problems.append(f"{who}: ID tokens only for itself")
            elif grant.role != "roles/iam.serviceAccountUser" or target not in ACT_AS_TARGETS:
                problems.append(f"{who}: only actAs on the runtime/migrator accounts")
        elif grant.kind == "media bucket" and grant.role == "roles/storage.objectAdmin":
            # Objects of its own bucket only; uniform access leaves no object ACLs to grant.
            continue
        elif re.search(r"admin|owner", grant.role, re.I):
            problems.append(f"{who}: administration of a shared resource")
    return problems


def test_security_md_matrix_names_every_grant_with_a_reason():
    documented = documented_rows((ROOT / "SECURITY.md").read_text())
    optional = set(documented_rows((ROOT / "SECURITY.md").read_text(), OPTIONAL))
    for stack in STACKS:
        committed = {row(grant, stack) for grant in grants(stack)}
        unexplained = committed - set(documented) - optional
        assert unexplained == set(), f"{stack}: granted but not in SECURITY.md"
        computed = {row(grant, stack) for grant in core_grants(stack)}
        assert computed - set(documented) == set(), f"{stack}: granted but not in SECURITY.md"
        # Promotion reads exist only where a downstream environment is declared (not prod).
        expected = {r for r in documented if r[0] != NEXT_DEPLOYER or r in computed}
        assert expected - computed == set(), f"{stack}: in SECURITY.md, not granted"


@pytest.mark.parametrize("stack", STACKS)
def test_no_grant_reaches_another_environment(stack: str):
    assert cross_environment(stack, grants(stack)) == []


@pytest.mark.parametrize("stack", STACKS)
def test_no_identity_can_grant_itself_more(stack: str):
    assert escalation(grants(stack)) == []
    declared = {r.type for r in program(stack).resources}
    assert declared & CREDENTIAL_TYPES == set()


@pytest.mark.parametrize("stack", STACKS)
def test_bootstrap_names_the_identities_the_program_creates(stack: str):
    out = program(stack).outputs
    state_members = {g.member for g in state_grants(stack)}
    assert state_members == {
        f"serviceAccount:{out['deployerServiceAccount']}",
        f"serviceAccount:{out['previewerServiceAccount']}",
    }


DEV_DEPLOYER = "serviceAccount:django-app-deployer@acme-django-dev.iam.gserviceaccount.com"
PROD_DEPLOYER = "serviceAccount:django-app-deployer@acme-django-prod.iam.gserviceaccount.com"


@pytest.mark.parametrize(
    ("planted", "check"),
    [
        (Grant(DEV_DEPLOYER, "roles/storage.objectViewer", "state bucket", "gs://state-prod"),
         "cross"),
        # Only the promotion read itself crosses: a write, or a runtime reading, does not.
        (Grant(PROD_DEPLOYER, "roles/artifactregistry.writer", "registry repository", "django"),
         "cross"),
        (Grant("serviceAccount:django-app-runtime@acme-django-prod.iam.gserviceaccount.com",
               "roles/artifactregistry.reader", "registry repository", "django"), "cross"),
        (Grant(PROD_DEPLOYER, "roles/secretmanager.secretAccessor", "secret", "db-password"),
         "cross"),
        (Grant("serviceAccount:d-deployer@acme-django-prod.iam.gserviceaccount.com",
               "roles/cloudkms.cryptoKeyDecrypter", "KMS key", "dev"), "cross"),
        (Grant(DEV_DEPLOYER, "roles/iam.serviceAccountAdmin", "project", "acme-django-dev"),
         "escalation"),
        (Grant(DEV_DEPLOYER, "roles/iam.workloadIdentityPoolAdmin", "project", "p"), "escalation"),
        (Grant(DEV_DEPLOYER, "roles/secretmanager.admin", "project", "p"), "escalation"),
        (Grant(DEV_DEPLOYER, "roles/secretmanager.admin", "project", "p",
               "resource.name.startsWith('projects/')"), "escalation"),
        (Grant(DEV_DEPLOYER, "roles/iam.serviceAccountTokenCreator", "service account",
               "django-app-deployer@acme-django-dev.iam.gserviceaccount.com"), "escalation"),
        (Grant(DEV_DEPLOYER, "roles/iam.serviceAccountUser", "service account",
               "django-app-previewer@acme-django-dev.iam.gserviceaccount.com"), "escalation"),
        (Grant(DEV_DEPLOYER, "roles/artifactregistry.admin", "project", "p"), "escalation"),
        (Grant(DEV_DEPLOYER, "roles/iam.serviceAccountOpenIdTokenCreator", "service account",
               "django-app-runtime@acme-django-dev.iam.gserviceaccount.com"), "escalation"),
    ],
)  # fmt: skip
def test_control_the_checks_catch_a_planted_grant(planted: Grant, check: str):
    found = [*grants("dev"), planted]
    problems = cross_environment("dev", found) if check == "cross" else escalation(found)
    assert problems, planted


EVERY_SECTION_ON = {
    "media": {"enabled": True}, "cache": {"enabled": True}, "tracing": {"enabled": True},
    "slo": {"enabled": True}, "audit": {"enabled": True},
    "disasterRecovery": {"enabled": True},
    "frontDoor": {"enabled": True, "domains": ["app.acme.example"]},
    "access": {"ingress": "internal-and-cloud-load-balancing", "public": True},
    "firstAdmin": {"username": "admin", "email": "ops@acme.example"},
}  # fmt: skip


@pytest.mark.parametrize("stack", STACKS)
def test_optional_sections_add_exactly_the_documented_grants(stack: str):
    documented = set(documented_rows((ROOT / "SECURITY.md").read_text(), OPTIONAL))
    everything = program_grants(run_program(stack, EVERY_SECTION_ON)) + state_grants(stack)
    added = {row(g, stack) for g in everything} - {row(g, stack) for g in core_grants(stack)}
    assert added == documented
    # No new problem (the committed stacks' own are the tests above).
    assert cross_environment(stack, everything) == cross_environment(stack, grants(stack))
    assert escalation(everything) == escalation(grants(stack))


def test_control_the_runtime_may_not_sign_as_another_account():
    other = Grant(
        "serviceAccount:django-app-migrator@acme-django-dev.iam.gserviceaccount.com",
        "roles/iam.serviceAccountTokenCreator",
        "service account",
        "django-app-runtime@acme-django-dev.iam.gserviceaccount.com",
    )
    assert escalation([other])
