"""Turning a platform section on reaches the service: env names the app reads, the cache's
AUTH string as a secret env, Direct VPC egress, backups in another region, the trace role.
Under mocks; the app side of each name is tested against real servers in tests/app/platform.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pytest

from app_env import platform_environment
from mock_run import PROJECT, ROOT, ProgramRun, run_program, stack_config
from stack_config import StackConfig
from stack_config.loader import parse_stack_config
from stack_config.rules import PROGRAM_ENV
from tests.infra.conftest import JOB, PROJECT_IAM, SERVICE, env_of, one

ALL_ON = {
    "media": {"enabled": True, "signedUrlSeconds": 600},
    "cache": {"enabled": True, "network": "shared-vpc", "subnetwork": "run-egress"},
    "tracing": {"enabled": True, "sampleRate": 0.25},
    "disasterRecovery": {"enabled": True, "backupLocation": "eu"},
}
PLATFORM_ENV = {"DJANGO_MEDIA_BUCKET", "DJANGO_MEDIA_URL_SECONDS", "DJANGO_CACHE_URL",
                "DJANGO_CACHE_PASSWORD", "DJANGO_TRACE_SAMPLE_RATE"}  # fmt: skip
APP_CONFIG = ROOT / "app" / "config"


@pytest.fixture(scope="module")
def all_on() -> ProgramRun:
    return run_program("dev", ALL_ON)


def _env(run: ProgramRun, type_token: str) -> dict[str, object]:
    template = one(run, type_token).inputs["template"]
    containers = template.get("containers") or template["template"]["containers"]
    return env_of(containers[0])


def _runtime_roles(run: ProgramRun) -> set[str]:
    return {g.inputs["role"] for g in run.of_type(PROJECT_IAM) if "-runtime@" in g.inputs["member"]}


def test_the_service_gets_each_sections_variables(all_on: ProgramRun):
    env = _env(all_on, SERVICE)
    assert env["DJANGO_MEDIA_BUCKET"] == "acme-django-dev-media"
    assert env["DJANGO_MEDIA_URL_SECONDS"] == "600"
    assert "DJANGO_CACHE_URL" in env  # the instance's address: known once it exists
    assert env["DJANGO_CACHE_PASSWORD"] == {"secret": "django-app-cache-auth", "version": "1"}
    assert env["DJANGO_TRACE_SAMPLE_RATE"] == "0.25"


def test_the_migration_job_gets_none_of_them(all_on: ProgramRun):
    # The migrator holds none of the grants (bucket, AUTH secret, Cloud Trace).
    assert PLATFORM_ENV & set(_env(all_on, JOB)) == set()


SECTION_ENV = {
    "media": {"DJANGO_MEDIA_BUCKET", "DJANGO_MEDIA_URL_SECONDS"},
    "cache": {"DJANGO_CACHE_URL", "DJANGO_CACHE_PASSWORD"},
    "tracing": {"DJANGO_TRACE_SAMPLE_RATE"},
}


def test_committed_stacks_set_exactly_what_they_turn_on(run: ProgramRun):
    on = {key for key, summary in run.outputs["capabilities"].items() if summary}
    expected = set().union(*(names for key, names in SECTION_ENV.items() if key in on))
    assert PLATFORM_ENV & set(_env(run, SERVICE)) == expected
    assert ("vpcAccess" in one(run, SERVICE).inputs["template"]) is ("cache" in on)
    assert ("roles/cloudtrace.agent" in _runtime_roles(run)) is ("tracing" in on)


def test_reserved_names_cover_what_the_sections_set(all_on: ProgramRun):
    assert set(_env(all_on, SERVICE)) <= PROGRAM_ENV
    assert PLATFORM_ENV <= PROGRAM_ENV


def test_the_names_are_the_ones_the_app_reads():
    sources = "".join(
        (APP_CONFIG / name).read_text() for name in ("media.py", "cache.py", "tracing.py")
    )
    read = set(re.findall(r"env_\w+\(\s*\"(DJANGO_\w+)\"", sources))
    assert read >= PLATFORM_ENV, PLATFORM_ENV - read


def test_platform_environment_values():
    config = load_stack_config_for("dev", ALL_ON)
    env = platform_environment(config, "redis://10.8.0.3:6379/0")
    assert env == {
        "DJANGO_MEDIA_BUCKET": "acme-django-dev-media",
        "DJANGO_MEDIA_URL_SECONDS": "600",
        "DJANGO_CACHE_URL": "redis://10.8.0.3:6379/0",
        "DJANGO_TRACE_SAMPLE_RATE": "0.25",
    }
    all_off = {section: {"enabled": False} for section in ALL_ON}
    assert platform_environment(load_stack_config_for("dev", all_off), None) == {}


def test_cache_on_gives_the_service_private_egress_to_the_cache_network(all_on: ProgramRun):
    assert one(all_on, SERVICE).inputs["template"]["vpcAccess"] == {
        "networkInterfaces": [{"network": "shared-vpc", "subnetwork": "run-egress"}],
        "egress": "PRIVATE_RANGES_ONLY",
    }


def test_turning_a_section_on_rolls_a_new_revision(runs: dict[str, ProgramRun]):
    # Cloud Run refuses a changed template under an existing revision name.
    before = runs["dev"].outputs["latestRevision"]
    for section, value in ALL_ON.items():
        after = run_program("dev", {section: value}).outputs["latestRevision"]
        if section != "disasterRecovery":  # changes the database, not the template
            assert after != before, section


def test_tracing_grants_the_trace_role_to_the_runtime_only(all_on: ProgramRun):
    assert "roles/cloudtrace.agent" in _runtime_roles(all_on)
    traced = [
        g for g in all_on.of_type(PROJECT_IAM) if g.inputs["role"] == "roles/cloudtrace.agent"
    ]
    assert [g.inputs["member"] for g in traced] == [
        "serviceAccount:django-app-runtime@acme-django-dev.iam.gserviceaccount.com"
    ]
    apis = {s.inputs["service"] for s in all_on.of_type("gcp:projects/service:Service")}
    assert {"telemetry.googleapis.com", "cloudtrace.googleapis.com"} <= apis


def test_disaster_recovery_puts_backups_in_another_location(
    all_on: ProgramRun, runs: dict[str, ProgramRun]
):
    primary = all_on.named("database-instance").inputs
    assert primary["settings"]["backupConfiguration"]["location"] == "eu"
    default = run_program("prod", {"disasterRecovery": {"enabled": True}})
    backups = default.named("database-instance").inputs["settings"]["backupConfiguration"]
    assert backups["location"] == "europe-west4"  # the replica's region
    for stack, run in runs.items():
        dr = load_stack_config_for(stack, {}).disaster_recovery
        backups = run.named("database-instance").inputs["settings"]["backupConfiguration"]
        assert backups.get("location") == (dr.backups_in if dr.enabled else None), stack


def test_front_door_domains_are_allowed_hosts():
    run = run_program(
        "prod",
        {"frontDoor": {"enabled": True, "domains": ["app.acme.example", "www.acme.example"]},
         "access": {"ingress": "internal-and-cloud-load-balancing", "public": True}},
    )  # fmt: skip
    env = _env(run, SERVICE)
    hosts = str(env["DJANGO_ALLOWED_HOSTS"]).split(",")
    assert hosts.count("app.acme.example") == 1  # also the customDomain: listed once
    assert "www.acme.example" in hosts
    assert "https://www.acme.example" in str(env["DJANGO_CSRF_TRUSTED_ORIGINS"]).split(",")
    assert one(run, SERVICE).inputs["ingress"] == "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"


def load_stack_config_for(stack: str, overrides: Mapping[str, object]) -> StackConfig:
    """The validated config of a committed stack with sections overridden."""
    config = {**stack_config(stack), **{f"{PROJECT}:{k}": v for k, v in overrides.items()}}
    return parse_stack_config(config, stack=stack, namespace=PROJECT)
