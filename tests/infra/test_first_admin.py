"""firstAdmin under mocks: an empty password secret only the migrator reads, and the admin
job (`ensure_superuser`) with exactly the migration job's settings plus the admin's."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from mock_run import PROJECT, ProgramRun, Resource, run_program, stack_config
from policy.guardrails import POLICIES
from tests.governance.test_policy_pack import resource_args, violations
from tests.infra.conftest import ACCOUNT, JOB, PROJECT_IAM, SECRET_IAM, SERVICE, STACKS, env_of

SECRET = "gcp:secretmanager/secret:Secret"
VERSION = "gcp:secretmanager/secretVersion:SecretVersion"
ADMIN_SECRET = "django-superuser-password"
FIRST_ADMIN = {"firstAdmin": {"username": "site.admin", "email": "ops@acme.example"}}
MIGRATOR = "serviceAccount:django-app-migrator@acme-django-{stack}.iam.gserviceaccount.com"


@functools.cache
def with_admin(stack: str, *, image: bool = True) -> ProgramRun:
    return run_program(stack, FIRST_ADMIN, with_image=image)


def job_named(run: ProgramRun, name: str) -> Resource:
    (found,) = [j for j in run.of_type(JOB) if j.inputs["name"] == name]
    return found


def container(job: Resource) -> dict[str, Any]:
    (only,) = job.inputs["template"]["template"]["containers"]
    return only


def deployer_secret_condition(run: ProgramRun) -> str:
    (grant,) = [
        g for g in run.of_type(PROJECT_IAM) if g.inputs["role"] == "roles/secretmanager.admin"
    ]
    return grant.inputs["condition"]["expression"]


def test_committed_stacks_declare_no_admin_job_or_secret(runs: dict[str, ProgramRun]):
    for run in runs.values():
        assert [j.inputs["name"] for j in run.of_type(JOB)] == ["django-app-migrate"], run.stack
        assert ADMIN_SECRET not in {s.inputs["secretId"] for s in run.of_type(SECRET)}
        assert ADMIN_SECRET not in {g.inputs["secretId"] for g in run.of_type(SECRET_IAM)}
        assert ADMIN_SECRET not in deployer_secret_condition(run)
        assert {"adminJobName", "adminPasswordSecret"} & set(run.outputs) == set()


@pytest.mark.parametrize("stack", STACKS)
def test_admin_job_runs_ensure_superuser_as_the_migrator_with_the_migration_settings(stack: str):
    run = with_admin(stack)
    job = job_named(run, "django-app-admin")
    migration = job_named(run, "django-app-migrate")
    task, migration_task = (
        job.inputs["template"]["template"],
        migration.inputs["template"]["template"],
    )
    assert [*container(job)["commands"], *container(job)["args"]] == [
        "python", "manage.py", "ensure_superuser",
    ]  # fmt: skip
    assert (job.inputs["template"]["taskCount"], job.inputs["template"]["parallelism"]) == (1, 1)
    assert task["maxRetries"] == 0
    assert task["serviceAccount"] == migration_task["serviceAccount"]
    assert task["serviceAccount"] == MIGRATOR.format(stack=stack).removeprefix("serviceAccount:")
    assert container(job)["image"] == container(migration)["image"]
    assert task["volumes"] == migration_task["volumes"]
    assert container(job)["volumeMounts"] == container(migration)["volumeMounts"]
    assert job.inputs["location"] == migration.inputs["location"]
    assert job.inputs["deletionProtection"] == migration.inputs["deletionProtection"]
    # Same env as the migration job (its DB timeouts included), plus exactly the admin's.
    env, migration_env = env_of(container(job)), env_of(container(migration))
    assert env == {
        **migration_env,
        "DJANGO_SUPERUSER_USERNAME": "site.admin",
        "DJANGO_SUPERUSER_EMAIL": "ops@acme.example",
        "DJANGO_SUPERUSER_PASSWORD": {"secret": ADMIN_SECRET, "version": "latest"},
    }
    assert migration_env["DB_PASSWORD"] == {"secret": "db-password", "version": "1"}
    assert "DB_STATEMENT_TIMEOUT_MS" in env
    assert run.outputs["adminJobName"] == "django-app-admin"
    assert run.outputs["adminPasswordSecret"] == ADMIN_SECRET


@pytest.mark.parametrize("stack", STACKS)
def test_password_secret_is_empty_and_only_the_migrator_reads_it(stack: str):
    run = with_admin(stack)
    (secret,) = [s for s in run.of_type(SECRET) if s.inputs["secretId"] == ADMIN_SECRET]
    (key,) = [s for s in run.of_type(SECRET) if s.inputs["secretId"] == "django-secret-key"]
    assert secret.inputs["deletionProtection"] == key.inputs["deletionProtection"]
    # No version owned by the program: the value never passes through Pulumi or its state.
    versions = [v for v in run.of_type(VERSION) if ADMIN_SECRET in str(v.inputs["secret"])]
    assert versions == []
    readers = [g.inputs for g in run.of_type(SECRET_IAM) if g.inputs["secretId"] == ADMIN_SECRET]
    assert readers == [
        {
            "project": f"acme-django-{stack}",
            "secretId": ADMIN_SECRET,
            "role": "roles/secretmanager.secretAccessor",
            "member": MIGRATOR.format(stack=stack),
        }
    ]
    # The service never gets the password, nor a grant that could read it.
    (service,) = run.of_type(SERVICE)
    assert "DJANGO_SUPERUSER_PASSWORD" not in env_of(service.inputs["template"]["containers"][0])


@pytest.mark.parametrize("stack", STACKS)
def test_deployer_may_administer_the_new_secret_and_nothing_more(stack: str):
    plain, admin = run_program(stack), with_admin(stack)
    number = stack_config(stack)[f"{PROJECT}:projectNumber"]
    added = (
        f" || resource.name == 'projects/{number}/secrets/{ADMIN_SECRET}' || "
        f"resource.name.startsWith('projects/{number}/secrets/{ADMIN_SECRET}/')"
    )
    condition = deployer_secret_condition(admin)
    assert added in condition
    assert condition.replace(added, "") == deployer_secret_condition(plain)
    # Nothing else about identities changes: no new account, no new project-level role.
    roles = {(g.inputs["role"], g.inputs["member"]) for g in admin.of_type(PROJECT_IAM)}
    assert roles == {(g.inputs["role"], g.inputs["member"]) for g in plain.of_type(PROJECT_IAM)}
    assert len(admin.of_type(ACCOUNT)) == len(plain.of_type(ACCOUNT))


def test_before_the_first_image_only_the_secret_exists():
    """Bootstrap (no image): the secret can receive its value; the job comes with the image."""
    run = with_admin("dev", image=False)
    assert [j.inputs["name"] for j in run.of_type(JOB)] == []
    assert ADMIN_SECRET in {s.inputs["secretId"] for s in run.of_type(SECRET)}
    assert run.outputs["adminPasswordSecret"] == ADMIN_SECRET
    assert "adminJobName" not in run.outputs


@pytest.mark.parametrize("stack", STACKS)
def test_the_policy_pack_admits_the_admin_job_and_secret(stack: str):
    run = with_admin(stack)
    found = [
        (policy.name, resource.name, message)
        for resource in run.resources
        for policy in POLICIES
        for message in violations(
            policy.name, resource_args(stack, resource.type, resource.name, resource.inputs)
        )
    ]
    assert found == []
    checked = {r.name for r in run.resources}
    assert {"admin-job", "secrets-django-superuser-password-migrator-accessor"} <= checked
