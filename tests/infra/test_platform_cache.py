"""Memorystore under mocks: private, AUTH on, its AUTH string readable by the runtime only."""

from __future__ import annotations

from components.cache import cache_env
from mock_run import ProgramRun, run_program

REDIS = "gcp:redis/instance:Instance"
SECRET = "gcp:secretmanager/secret:Secret"
SECRET_IAM = "gcp:secretmanager/secretIamMember:SecretIamMember"
RUNTIME = "serviceAccount:django-app-runtime@acme-django-{stack}.iam.gserviceaccount.com"


def test_committed_stacks_have_no_cache(runs: dict[str, ProgramRun]):
    for run in runs.values():
        assert run.of_type(REDIS) == [], run.stack
        assert "cacheUrl" not in run.outputs


def test_cache_instance_is_private_with_auth_and_sized_by_the_stack():
    run = run_program("prod", {"cache": {"enabled": True, "tier": "STANDARD_HA",
                                         "memorySizeGb": 5, "network": "shared-vpc"}})  # fmt: skip
    (instance,) = run.of_type(REDIS)
    inputs = instance.inputs
    assert inputs["name"] == "django-app-cache"
    assert (inputs["tier"], inputs["memorySizeGb"], inputs["redisVersion"]) == (
        "STANDARD_HA", 5, "REDIS_7_2",
    )  # fmt: skip
    assert inputs["authorizedNetwork"] == "projects/acme-django-prod/global/networks/shared-vpc"
    assert inputs["connectMode"] == "DIRECT_PEERING"
    assert inputs["authEnabled"] is True
    assert inputs["region"] == "europe-west1"
    assert inputs["deletionProtection"] is True
    assert inputs["persistenceConfig"] == {"persistenceMode": "DISABLED"}
    secrets = [s.inputs["secretId"] for s in run.of_type(SECRET)]
    assert "django-app-cache-auth" in secrets
    readers = [g.inputs for g in run.of_type(SECRET_IAM)
               if g.inputs["secretId"] == "django-app-cache-auth"]  # fmt: skip
    assert readers == [
        {
            "project": "acme-django-prod",
            "secretId": "django-app-cache-auth",
            "role": "roles/secretmanager.secretAccessor",
            "member": RUNTIME.format(stack="prod"),
        }
    ]
    assert run.outputs["cacheAuthSecret"] == "django-app-cache-auth"


def test_dev_cache_defaults_to_one_basic_gigabyte():
    run = run_program("dev", {"cache": {"enabled": True}})
    (instance,) = run.of_type(REDIS)
    assert (instance.inputs["tier"], instance.inputs["memorySizeGb"]) == ("BASIC", 1)
    assert instance.inputs["authorizedNetwork"].endswith("/networks/default")


def test_app_environment_for_the_cache():
    assert cache_env("redis://10.1.2.3:6379/0") == {"DJANGO_CACHE_URL": "redis://10.1.2.3:6379/0"}
