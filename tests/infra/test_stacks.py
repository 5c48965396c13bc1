"""Invariants every stack must hold, asserted on what the mocked program declares."""

from __future__ import annotations

from mock_run import SECRET_SIG, ProgramRun
from tests.infra.conftest import (
    ACCOUNT,
    JOB,
    PROJECT_IAM,
    SA_IAM,
    SECRET_IAM,
    SERVICE,
    one,
)

SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270"
PRIMITIVE = {"roles/owner", "roles/editor", "roles/viewer"}


def test_every_cloud_resource_is_a_child_of_a_component(run: ProgramRun):
    for resource in run.resources:
        if resource.type.startswith(("gcp:", "random:")):
            assert "$django-gcp:" in resource.parent, f"{resource.name} is not parented"


def test_required_apis_are_enabled_without_disabling_on_destroy(run: ProgramRun):
    apis = {r.inputs["service"]: r.inputs for r in run.of_type("gcp:projects/service:Service")}
    for api in (
        "run",
        "artifactregistry",
        "sqladmin",
        "secretmanager",
        "iam",
        "iamcredentials",
        "sts",
        "monitoring",
        "logging",
        "cloudresourcemanager",
    ):
        assert apis[f"{api}.googleapis.com"]["disableOnDestroy"] is False


def test_registry_has_immutable_tags_scanning_and_cleanup(run: ProgramRun):
    repo = one(run, "gcp:artifactregistry/repository:Repository").inputs
    assert repo["format"] == "DOCKER"
    assert repo["dockerConfig"] == {"immutableTags": True}
    assert repo["vulnerabilityScanningConfig"] == {"enablementConfig": "INHERITED"}
    policies = {p["id"]: p for p in repo["cleanupPolicies"]}
    expected_keep = {"dev": 10, "staging": 15, "prod": 30}[run.stack]
    assert policies["keep-recent"]["action"] == "KEEP"
    assert policies["keep-recent"]["mostRecentVersions"] == {"keepCount": expected_keep}
    assert policies["delete-untagged"]["condition"]["tagState"] == "UNTAGGED"
    assert repo["cleanupPolicyDryRun"] is False


def test_cloud_sql_is_tls_only_connector_only_and_explicitly_sized(run: ProgramRun):
    instance = run.named("database-instance").inputs
    settings = instance["settings"]
    assert int(instance["databaseVersion"].split("_")[1]) >= 16
    assert settings["ipConfiguration"]["sslMode"] == "ENCRYPTED_ONLY"
    assert settings["ipConfiguration"]["authorizedNetworks"] == []
    assert settings["connectorEnforcement"] == "REQUIRED"
    flags = {f["name"]: f["value"] for f in settings["databaseFlags"]}
    expected_max = {"dev": "50", "staging": "100", "prod": "400"}[run.stack]
    assert flags == {
        "max_connections": expected_max,
        "log_connections": "on",
        "log_disconnections": "on",
    }
    assert set(settings["maintenanceWindow"]) == {"day", "hour", "updateTrack"}
    assert settings["backupConfiguration"]["enabled"] is True


def test_prod_database_is_regional_protected_and_recoverable(runs: dict[str, ProgramRun]):
    instance = runs["prod"].named("database-instance").inputs
    settings = instance["settings"]
    assert settings["availabilityType"] == "REGIONAL"
    assert instance["deletionProtection"] is True
    assert settings["deletionProtectionEnabled"] is True
    backups = settings["backupConfiguration"]
    assert backups["pointInTimeRecoveryEnabled"] is True
    assert backups["transactionLogRetentionDays"] == 7
    assert backups["backupRetentionSettings"] == {"retainedBackups": 30, "retentionUnit": "COUNT"}
    assert settings["tier"] == "db-custom-2-7680"
    assert settings["edition"] == "ENTERPRISE"


def test_dev_is_small_and_disposable(runs: dict[str, ProgramRun]):
    settings = runs["dev"].named("database-instance").inputs["settings"]
    assert settings["availabilityType"] == "ZONAL"
    assert settings["tier"] == "db-g1-small"
    assert runs["dev"].named("database-instance").inputs["deletionProtection"] is False


def test_db_password_is_generated_and_only_reaches_run_as_a_secret(run: ProgramRun):
    user = one(run, "gcp:sql/user:User").inputs
    passwords = [r for r in run.resources if r.type == "random:index/randomPassword:RandomPassword"]
    assert {p.name for p in passwords} == {"database-password", "secrets-django-secret-key-value"}
    # The engine receives it wrapped as a secret (encrypted in state, masked in previews).
    assert user["password"] == {SECRET_SIG: SECRET_SIG_VALUE, "value": "x" * 32}
    versions = run.of_type("gcp:secretmanager/secretVersion:SecretVersion")
    assert len(versions) == 2
    assert all(v.inputs["secretData"].get(SECRET_SIG) == SECRET_SIG_VALUE for v in versions)
    for kind in (SERVICE, JOB):
        text = repr(one(run, kind).inputs)
        assert "x" * 32 not in text, f"{kind} carries the password in plain text"


def test_secret_access_is_per_secret_and_never_project_wide(run: ProgramRun):
    project_roles = {r.inputs["role"] for r in run.of_type(PROJECT_IAM)}
    assert not any(role.startswith("roles/secretmanager.secretAccessor") for role in project_roles)
    access = {
        (r.inputs["secretId"], r.inputs["member"].split("@")[0]) for r in run.of_type(SECRET_IAM)
    }
    expected = {
        ("django-secret-key", "serviceAccount:django-app-runtime"),
        ("django-secret-key", "serviceAccount:django-app-migrator"),
        ("db-password", "serviceAccount:django-app-runtime"),
        ("db-password", "serviceAccount:django-app-migrator"),
    }
    assert access == expected
    assert {r.inputs["role"] for r in run.of_type(SECRET_IAM)} == {
        "roles/secretmanager.secretAccessor"
    }


def test_no_primitive_roles_and_no_service_account_keys(run: ProgramRun):
    for resource in run.resources:
        role = resource.inputs.get("role")
        assert role not in PRIMITIVE, f"{resource.name} grants {role}"
    # No key resource of any kind (service-account keys, HMAC keys, API keys).
    assert not [r.type for r in run.resources if r.type.lower().endswith("key:key")]
    accounts = {r.inputs["accountId"] for r in run.of_type(ACCOUNT)}
    assert accounts == {
        "django-app-runtime",
        "django-app-migrator",
        "django-app-deployer",
        "django-app-previewer",
    }


def test_no_identity_holds_a_project_role_that_grants_more(run: ProgramRun):
    # IAM, identities and the pool are the admin-run bootstrap's (SECURITY.md): CI identities
    # get no role at project level that could grant them more.
    escalating = {
        "roles/resourcemanager.projectIamAdmin", "roles/iam.serviceAccountAdmin",
        "roles/iam.workloadIdentityPoolAdmin", "roles/secretmanager.admin",
        "roles/iam.serviceAccountKeyAdmin", "roles/iam.serviceAccountTokenCreator",
    }  # fmt: skip
    unconditioned = [r.inputs for r in run.of_type(PROJECT_IAM) if not r.inputs.get("condition")]
    grants = {(g["role"], g["member"]) for g in unconditioned}
    assert grants, "the program declares project-level grants"
    assert not {(role, m) for role, m in grants if role in escalating | PRIMITIVE}
    # Secret administration only on this stack's own secrets (an IAM condition on names).
    for r in run.of_type(PROJECT_IAM):
        if r.inputs["role"] == "roles/secretmanager.admin":
            assert "secrets/django-secret-key" in r.inputs["condition"]["expression"]
    unconditional_admin = [
        (role, m) for role, m in grants if "Admin" in role and "deployer" not in m
    ]
    assert unconditional_admin == []


def test_runtime_identity_is_dedicated_and_minimal(run: ProgramRun):
    runtime_roles = {
        r.inputs["role"] for r in run.of_type(PROJECT_IAM) if "-runtime@" in r.inputs["member"]
    }
    # Tracing adds the one role it needs (stack file: tracing.enabled).
    tracing = run.outputs["capabilities"]["tracing"] is not None
    assert runtime_roles == {"roles/cloudsql.client", *(["roles/cloudtrace.agent"] * tracing)}
    service = one(run, SERVICE).inputs
    assert service["template"]["serviceAccount"].startswith("django-app-runtime@")
    assert (
        one(run, JOB)
        .inputs["template"]["template"]["serviceAccount"]
        .startswith("django-app-migrator@")
    )
    act_as = {
        (r.inputs["serviceAccountId"].split("/")[-1].split("@")[0], r.inputs["role"])
        for r in run.of_type(SA_IAM)
        if r.inputs["role"] == "roles/iam.serviceAccountUser"
    }
    assert act_as == {
        ("django-app-runtime", "roles/iam.serviceAccountUser"),
        ("django-app-migrator", "roles/iam.serviceAccountUser"),
    }


def test_previewer_is_read_only(run: ProgramRun):
    roles = {
        r.inputs["role"] for r in run.of_type(PROJECT_IAM) if "previewer" in r.inputs["member"]
    }
    assert roles
    for role in roles:
        assert role.endswith(("viewer", "Viewer", "reader", "securityReviewer")), role
