"""The policy pack (infra/policy/) against the mocked program's real inputs and broken ones."""

from __future__ import annotations

import copy
import functools
import runpy
from pathlib import Path
from typing import Any

import pulumi_policy
import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from mock_run import ProgramRun, run_program
from policy.guardrails import PACK_NAME, POLICIES

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


def _deployer_secret_admin(expression: str | None) -> ResourceValidationArgs:
    props: dict[str, Any] = {
        "project": "p",
        "role": "roles/secretmanager.admin",
        "member": DEPLOYER,
    }
    if expression is not None:
        props["condition"] = {"title": "own", "expression": expression}
    return resource_args("prod", "gcp:projects/iAMMember:IAMMember", "deployer-secrets", props)


def test_only_the_deployer_may_administer_only_its_own_secrets_project_wide():
    # What the program declares passes (test above); here the condition is what counts.
    run = cached_run("prod")
    grant = next(
        r for r in run.of_type("gcp:projects/iAMMember:IAMMember")
        if r.inputs["role"] == "roles/secretmanager.admin"
    )  # fmt: skip
    own = grant.inputs["condition"]["expression"]
    assert grant.inputs["member"] == f"serviceAccount:{run.outputs['deployerServiceAccount']}"
    assert violations("secret-access-per-secret", _deployer_secret_admin(own)) == []
    for wide in (None, "true", "resource.name.startsWith('projects/')", "1 == 1 || " + own):
        assert violations("secret-access-per-secret", _deployer_secret_admin(wide)), wide
    per_secret = resource_args(
        "prod",
        "gcp:secretmanager/secretIamMember:SecretIamMember",
        "ok",
        {"secretId": "s", "role": "roles/secretmanager.secretAccessor", "member": MEMBER},
    )
    assert violations("secret-access-per-secret", per_secret) == []


ALWAYS_TRUE = [
    "true",
    "1 == 1",
    "assertion.repository_id == '812345678' ? true : true",
    "assertion.repository_id == '812345678' && assertion.repository_owner_id == '91234567' || true",
    "assertion.repository == 'acme/django-gcp'",  # names can be re-registered
    "assertion.repository_id == '812345678'",  # owner not pinned: transfer keeps the id
    "assertion.repository_owner_id == '91234567'",  # any repository of the organisation
    "assertion.repository_id == '812345678' || assertion.repository_owner_id == '91234567'",
    "",
    "assertion.repository_id ==",  # does not compile
]


@pytest.mark.parametrize("condition", ALWAYS_TRUE)
def test_wif_check_evaluates_the_condition_and_rejects_what_admits_others(condition: str):
    name, props = first(cached_run("prod"), WIF)
    props["attributeCondition"] = condition
    assert violations("wif-condition-numeric-ids", resource_args("prod", WIF, name, props))


def test_wif_check_rejects_a_pinned_condition_that_admits_pull_request_target():
    name, props = first(cached_run("prod"), WIF)
    props["attributeCondition"] = (
        "assertion.repository_id == '812345678' && assertion.repository_owner_id == '91234567'"
    )
    found = violations("wif-condition-numeric-ids", resource_args("prod", WIF, name, props))
    assert any("pull_request_target" in message for message in found), found


def test_wif_check_accepts_an_equivalent_condition_spelled_differently():
    name, props = first(cached_run("prod"), WIF)
    props["attributeCondition"] = (
        "['push', 'workflow_dispatch', 'schedule', 'pull_request'].exists(e, "
        "e == assertion.event_name) && '91234567' == assertion.repository_owner_id && "
        "assertion.repository_id in ['812345678']"
    )
    assert violations("wif-condition-numeric-ids", resource_args("prod", WIF, name, props)) == []


def test_only_image_pulls_may_cross_environments():
    typ = "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember"
    props = {"project": "acme-django-staging", "repository": "django", "member": DEPLOYER}
    pull = resource_args(
        "staging", typ, "promote", {**props, "role": "roles/artifactregistry.reader"}
    )
    push = resource_args("staging", typ, "push", {**props, "role": "roles/artifactregistry.writer"})
    assert violations("no-cross-environment-grants", pull) == []
    assert violations("no-cross-environment-grants", push)


DEV_DEPLOYER = "serviceAccount:django-app-deployer@acme-django-dev.iam.gserviceaccount.com"


@pytest.mark.parametrize(
    ("policy", "typ", "props"),
    [
        ("no-cross-environment-grants", "gcp:projects/iAMMember:IAMMember",
         {"project": "acme-django-prod", "role": "roles/run.viewer", "member": DEV_DEPLOYER}),
        ("no-cross-environment-grants", "gcp:secretmanager/secretIamMember:SecretIamMember",
         {"project": "acme-django-prod", "secretId": "db-password",
          "role": "roles/secretmanager.secretAccessor", "member": DEV_DEPLOYER}),
        ("no-cross-environment-grants", "gcp:serviceaccount/iAMMember:IAMMember",
         {"serviceAccountId": "projects/acme-django-prod/serviceAccounts/"
                              "django-app-runtime@acme-django-prod.iam.gserviceaccount.com",
          "role": "roles/iam.serviceAccountUser", "member": DEV_DEPLOYER}),
        ("no-escalation", "gcp:projects/iAMMember:IAMMember",
         {"project": "p", "role": "roles/iam.serviceAccountAdmin", "member": DEPLOYER}),
        ("no-escalation", "gcp:projects/iAMMember:IAMMember",
         {"project": "p", "role": "roles/iam.workloadIdentityPoolAdmin", "member": DEPLOYER}),
        ("no-escalation", "gcp:projects/iAMBinding:IAMBinding",
         {"project": "p", "role": "roles/resourcemanager.projectIamAdmin", "members": [DEPLOYER]}),
        ("no-escalation", "gcp:projects/iAMMember:IAMMember",
         {"project": "p", "role": "roles/iam.serviceAccountUser", "member": DEPLOYER}),
    ],
)  # fmt: skip
def test_cross_environment_and_escalating_grants_fail(policy: str, typ: str, props: dict):
    assert violations(policy, resource_args("prod", typ, "bad", props))
    same = {**props, "member": DEPLOYER, "members": [DEPLOYER]} if "member" in props else props
    if policy == "no-cross-environment-grants":
        assert violations(policy, resource_args("prod", typ, "ok", same)) == []


def test_the_pack_serves_every_policy_as_mandatory(monkeypatch: pytest.MonkeyPatch):
    served: dict[str, Any] = {}
    monkeypatch.setattr(pulumi_policy, "PolicyPack", lambda **kwargs: served.update(kwargs))
    runpy.run_path(str(ROOT / "infra" / "policy"), run_name="__main__")
    assert served["name"] == PACK_NAME
    assert served["enforcement_level"] == EnforcementLevel.MANDATORY
    names = [p.name for p in served["policies"]]
    assert len(names) == len(set(names)) == 11


@functools.cache
def platform_run() -> ProgramRun:
    """Prod with the media bucket and the front door on (what the two policies below see)."""
    door = {"enabled": True, "domains": ["app.acme.example"]}
    access = {"ingress": "internal-and-cloud-load-balancing", "public": True}
    return run_program("prod", {"media": {"enabled": True}, "frontDoor": door, "access": access})


BUCKET = "gcp:storage/bucket:Bucket"
BACKEND = "gcp:compute/backendService:BackendService"


def _violations_of(typ: str, name: str, props: dict[str, Any]) -> list[str]:
    args = resource_args("prod", typ, name, props)
    return [m for policy in POLICIES for m in violations(policy.name, args)]


def test_the_media_bucket_and_the_front_door_pass_every_policy():
    run = platform_run()
    assert run.of_type(BUCKET)
    assert run.of_type(BACKEND)
    found = [m for r in run.resources for m in _violations_of(r.type, r.name, r.inputs)]
    assert found == []


@pytest.mark.parametrize(
    ("typ", "props", "expected"),
    [
        (BUCKET, {"publicAccessPrevention": "inherited", "uniformBucketLevelAccess": True},
         "publicAccessPrevention = 'inherited'"),
        (BUCKET, {"uniformBucketLevelAccess": True}, "publicAccessPrevention = None"),
        (BUCKET, {"publicAccessPrevention": "enforced", "uniformBucketLevelAccess": False},
         "uniformBucketLevelAccess must be true"),
        ("gcp:storage/bucketIAMMember:BucketIAMMember",
         {"bucket": "b", "role": "roles/storage.objectViewer", "member": "allUsers"},
         "grants allUsers on a bucket"),
        ("gcp:storage/bucketIAMBinding:BucketIAMBinding",
         {"bucket": "b", "role": "roles/storage.objectViewer",
          "members": ["user:a@acme.example", "allAuthenticatedUsers"]},
         "grants allAuthenticatedUsers"),
        ("gcp:storage/bucketIAMPolicy:BucketIAMPolicy",
         {"bucket": "b", "policyData": '{"bindings": [{"role": "roles/storage.objectViewer",'
                                       ' "members": ["allUsers"]}]}'},
         "grants allUsers"),
        ("gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl",
         {"bucket": "b", "entity": "allUsers", "role": "READER"}, "grants allUsers"),
    ],
)  # fmt: skip
def test_a_public_bucket_is_refused(typ: str, props: dict[str, Any], expected: str):
    found = violations("no-public-buckets", resource_args("prod", typ, "media", props))
    assert any(expected in message for message in found), found


def test_a_private_grant_on_a_bucket_passes():
    props = {"bucket": "b", "role": "roles/storage.objectAdmin",
             "member": "serviceAccount:x-runtime@p.iam.gserviceaccount.com"}  # fmt: skip
    typ = "gcp:storage/bucketIAMMember:BucketIAMMember"
    assert violations("no-public-buckets", resource_args("prod", typ, "m", props)) == []


def test_a_backend_without_armor_is_refused():
    name, props = first(platform_run(), BACKEND)
    assert violations("armor-on-every-backend", resource_args("prod", BACKEND, name, props)) == []
    props.pop("securityPolicy")
    found = violations("armor-on-every-backend", resource_args("prod", BACKEND, name, props))
    assert found
    assert "Cloud Armor" in found[0]


def test_a_prod_replica_needs_protection_but_cannot_have_its_own_backups():
    # Cloud SQL read replicas take no backups of their own; the primary's are checked.
    run = run_program("prod", {"disasterRecovery": {"enabled": True, "backupLocation": "eu"}})
    replica = run.named("dr-instance")
    props = copy.deepcopy(replica.inputs)
    assert props["masterInstanceName"]
    assert (
        violations("prod-database-protected", resource_args("prod", SQL, replica.name, props)) == []
    )
    _break_sql(props, "deletionProtection", False)
    assert violations("prod-database-protected", resource_args("prod", SQL, replica.name, props))
    primary = copy.deepcopy(run.named("database-instance").inputs)
    _break_sql(primary, "settings.backupConfiguration.enabled", False)
    assert violations("prod-database-protected", resource_args("prod", SQL, "primary", primary))
