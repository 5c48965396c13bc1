"""The policy pack (infra/policy/) against the mocked program's real inputs and broken ones."""

from __future__ import annotations

import copy
import functools
import runpy
from pathlib import Path
from typing import Any

import pulumi_policy
import pytest
from mock_run import ProgramRun, run_program
from policy.guardrails import PACK_NAME, POLICIES
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
BY_NAME = {p.name: p for p in POLICIES}


def resource_args(stack: str, typ: str, name: str, props: dict[str, Any]) -> ResourceValidationArgs:
    urn = f"urn:pulumi:{stack}::django-gcp::{typ}::{name}"
    return ResourceValidationArgs(typ, props, urn, name, OPTIONS, None)


def violations(policy_name: str, args: ResourceValidationArgs) -> list[str]:
    found: list[str] = []
    policy = BY_NAME[policy_name]
    assert isinstance(policy, ResourceValidationPolicy)
    policy.validate(args, lambda message, _urn=None: found.append(message))
    return found


@functools.cache
def cached_run(stack: str) -> ProgramRun:
    return run_program(stack)


@pytest.fixture(params=["dev", "staging", "prod"])
def stack_run(request: pytest.FixtureRequest) -> ProgramRun:
    return cached_run(request.param)


def first(run: ProgramRun, typ: str) -> tuple[str, dict[str, Any]]:
    resources = run.of_type(typ)
    assert resources, f"the {run.stack} program declares no {typ}"
    return resources[0].name, copy.deepcopy(resources[0].inputs)


def test_every_stack_the_program_declares_passes_every_policy(stack_run: ProgramRun):
    found = {
        (policy.name, resource.name): message
        for resource in stack_run.resources
        for policy in POLICIES
        for message in violations(
            policy.name,
            resource_args(stack_run.stack, resource.type, resource.name, resource.inputs),
        )
    }
    assert not found, found
    checked_types = {r.type for r in stack_run.resources}
    assert "gcp:sql/databaseInstance:DatabaseInstance" in checked_types
    assert "gcp:cloudrunv2/service:Service" in checked_types


SQL = "gcp:sql/databaseInstance:DatabaseInstance"
PLAINTEXT_OK = "ALLOW_UNENCRYPTED_AND_ENCRYPTED"
TAGGED = "europe-west1-docker.pkg.dev/p/r/app:latest"
VIEWER_POLICY = '{"bindings": [{"role": "roles/viewer", "members": ["user:a@example.com"]}]}'
WIF = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"


def _break_sql(props: dict, path: str, value: Any) -> dict:
    target = props
    *parents, leaf = path.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[leaf] = value
    return props


@pytest.mark.parametrize(
    ("policy", "typ", "mutate"),
    [
        ("cloud-sql-encrypted-no-networks", SQL,
         lambda p: _break_sql(p, "settings.ipConfiguration.sslMode", PLAINTEXT_OK)),
        ("cloud-sql-encrypted-no-networks", SQL,
         lambda p: _break_sql(p, "settings.ipConfiguration.authorizedNetworks",
                              [{"name": "office", "value": "203.0.113.0/24"}])),
        ("prod-database-protected", SQL, lambda p: _break_sql(p, "deletionProtection", False)),
        ("prod-database-protected", SQL,
         lambda p: _break_sql(p, "settings.deletionProtectionEnabled", False)),
        ("prod-database-protected", SQL,
         lambda p: _break_sql(p, "settings.backupConfiguration.enabled", False)),
        ("prod-database-protected", SQL,
         lambda p: _break_sql(p, "settings.backupConfiguration.pointInTimeRecoveryEnabled", False)),
        ("wif-condition-numeric-ids", WIF,
         lambda p: p.update(attributeCondition="assertion.repository == 'acme/django-gcp'")),
        ("wif-condition-numeric-ids", WIF,
         lambda p: p.update(attributeCondition="assertion.repository_id == '1' || "
                                                "assertion.repository_owner_id == '2'")),
        ("wif-condition-numeric-ids", WIF,
         lambda p: p.update(attributeCondition="assertion.repository_id == '812345678'")),
        ("cloud-run-images-pinned", "gcp:cloudrunv2/service:Service",
         lambda p: p["template"]["containers"][0].update(image=TAGGED)),
        ("cloud-run-images-pinned", "gcp:cloudrunv2/job:Job",
         lambda p: p["template"]["template"]["containers"][0].update(image="app:v1")),
    ],
)  # fmt: skip
def test_a_broken_prod_resource_fails_its_policy(policy: str, typ: str, mutate):
    run = cached_run("prod")
    name, props = first(run, typ)
    assert violations(policy, resource_args("prod", typ, name, props)) == []
    mutate(props)
    assert violations(policy, resource_args("prod", typ, name, props)), f"{policy} let it pass"


def test_outside_prod_an_unprotected_database_is_allowed_by_that_policy_only():
    name, props = first(cached_run("dev"), SQL)
    _break_sql(props, "settings.backupConfiguration.pointInTimeRecoveryEnabled", False)
    assert violations("prod-database-protected", resource_args("dev", SQL, name, props)) == []
    assert violations("prod-database-protected", resource_args("prod", SQL, name, props))


MEMBER = "serviceAccount:django-app-runtime@acme-django-prod.iam.gserviceaccount.com"
DEPLOYER = "serviceAccount:django-app-deployer@acme-django-prod.iam.gserviceaccount.com"


@pytest.mark.parametrize(
    ("policy", "typ", "props"),
    [
        ("no-primitive-roles", "gcp:projects/iAMMember:IAMMember",
         {"project": "p", "role": "roles/editor", "member": MEMBER}),
        ("no-primitive-roles", "gcp:projects/iAMBinding:IAMBinding",
         {"project": "p", "role": "roles/owner", "members": [MEMBER]}),
        ("no-primitive-roles", "gcp:projects/iAMPolicy:IAMPolicy",
         {"project": "p", "policyData": VIEWER_POLICY}),
        ("no-primitive-roles", "gcp:storage/bucketIAMMember:BucketIAMMember",
         {"bucket": "b", "role": "roles/storage.objectViewer", "member": "allUsers"}),
        ("secret-access-per-secret", "gcp:projects/iAMMember:IAMMember",
         {"project": "p", "role": "roles/secretmanager.secretAccessor", "member": MEMBER}),
        ("secret-access-per-secret", "gcp:projects/iAMMember:IAMMember",
         {"project": "p", "role": "roles/secretmanager.admin", "member": MEMBER}),
        ("no-service-account-keys", "gcp:serviceaccount/key:Key", {"serviceAccountId": "x"}),
        ("no-service-account-keys", "gcp:storage/hmacKey:HmacKey", {"serviceAccountEmail": "x"}),
    ],
)  # fmt: skip
def test_forbidden_iam_fails_its_policy(policy: str, typ: str, props: dict):
    assert violations(policy, resource_args("prod", typ, "bad", props))


def test_only_the_deployer_may_administer_secrets_project_wide():
    args = resource_args(
        "prod",
        "gcp:projects/iAMMember:IAMMember",
        "deployer-secrets",
        {"project": "p", "role": "roles/secretmanager.admin", "member": DEPLOYER},
    )
    assert violations("secret-access-per-secret", args) == []
    per_secret = resource_args(
        "prod",
        "gcp:secretmanager/secretIamMember:SecretIamMember",
        "ok",
        {"secretId": "s", "role": "roles/secretmanager.secretAccessor", "member": MEMBER},
    )
    assert violations("secret-access-per-secret", per_secret) == []


def test_the_pack_serves_every_policy_as_mandatory(monkeypatch: pytest.MonkeyPatch):
    served: dict[str, Any] = {}
    monkeypatch.setattr(pulumi_policy, "PolicyPack", lambda **kwargs: served.update(kwargs))
    runpy.run_path(str(ROOT / "infra" / "policy"), run_name="__main__")
    assert served["name"] == PACK_NAME
    assert served["enforcement_level"] == EnforcementLevel.MANDATORY
    names = [p.name for p in served["policies"]]
    assert len(names) == len(set(names)) == 7
