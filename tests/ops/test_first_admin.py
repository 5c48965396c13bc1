"""ops.release.first_admin against local fakes: Secret Manager (tests/ops/
fake_secret_manager.py) and Cloud Run's jobs and executions (tests/release/fake_google.py),
through the real clients (AuthorizedSession with retries, google-cloud-run over REST)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from google.oauth2.credentials import Credentials

from ops.clients.endpoints import credentials
from ops.clients.retry import Backoff
from ops.clients.sessions import authorized_session
from ops.release import first_admin
from tests.ops.fake_secret_manager import TOKEN, FakeSecretManager, SecretStore
from tests.ops.fakes import outputs, write_json
from tests.release.fake_google import FakeGoogle
from tests.release.world import FakeClock, World

PROJECT = "acme-django-prod"
JOB = "django-app-admin"
SECRET = "django-superuser-password"
ADMIN_OUTPUTS = {"adminJobName": JOB, "adminPasswordSecret": SECRET}
ADD_VERSION = (
    "printf '%s' \"$PASSWORD\" | gcloud secrets versions add django-superuser-password "
    "--project acme-django-prod --data-file=-"
)


@dataclass
class Cloud:
    store: SecretStore
    world: World
    outputs_file: str
    secret_manager: str  # the fake's base URL

    def main(self, *argv: str) -> int:
        clock = self.world.clock
        return first_admin.main(list(argv), sleep=clock.sleep, clock=clock.monotonic)


@pytest.fixture
def cloud(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cloud]:
    store = SecretStore()
    store.create(PROJECT, SECRET)
    world = World(clock=FakeClock(), migration_seconds=25.0)
    world.apply_job(JOB, "c1", timeout="300s", retries=0)
    secret_manager, google = FakeSecretManager(store), FakeGoogle(world)
    monkeypatch.setenv("OPS_SECRETMANAGER_ENDPOINT", secret_manager.base)
    monkeypatch.setenv("OPS_RUN_ENDPOINT", google.base)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.setattr("ops.clients.retry.DEFAULT_BACKOFF", Backoff(0.01, 0.05, 10.0))
    # The credentials ADC would give: a bearer token the fake checks (loopback endpoints
    # otherwise get anonymous credentials, which the fake answers with 401).
    monkeypatch.setattr("ops.clients.sessions.credentials", lambda where: Credentials(TOKEN))
    try:
        out = write_json(tmp_path / "out.json", outputs(**ADMIN_OUTPUTS))
        yield Cloud(store, world, out, secret_manager.base)
    finally:
        secret_manager.close()
        google.close()


def test_runs_the_admin_job_once_the_secret_has_a_value(cloud: Cloud, capsys) -> None:
    cloud.store.add_version(PROJECT, SECRET)
    assert cloud.main("--outputs", cloud.outputs_file) == 0
    (execution,) = cloud.world.executions.values()
    assert execution.job == JOB
    out = capsys.readouterr().out
    assert f"job {JOB} execution {execution.name} succeeded" in out
    assert f"secret {SECRET} version 1 (latest) is ENABLED" in out
    # It waited for the execution to finish, on the job's clock, not just started it.
    assert cloud.world.clock.now() >= execution.started + execution.duration


def test_without_a_password_version_prints_the_command_and_runs_nothing(
    cloud: Cloud, capsys
) -> None:
    assert cloud.main("--outputs", cloud.outputs_file) == 3
    err = capsys.readouterr().err
    assert ADD_VERSION in err
    assert "read -rs PASSWORD" in err
    assert f"secret {SECRET} has no version" in err
    assert cloud.world.executions == {}


@pytest.mark.parametrize("newest", ["DISABLED", "DESTROYED"])
def test_latest_must_be_enabled_even_when_an_older_version_is(
    cloud: Cloud, capsys, newest: str
) -> None:
    """Secret Manager's `latest` is the newest version in any state: an older ENABLED one
    would not reach the job."""
    cloud.store.add_version(PROJECT, SECRET)
    cloud.store.add_version(PROJECT, SECRET, newest)
    assert cloud.main("--outputs", cloud.outputs_file) == 3
    err = capsys.readouterr().err
    assert f"newest version 2 is {newest}" in err
    assert ADD_VERSION in err
    assert cloud.world.executions == {}


def test_a_new_version_after_a_disabled_one_is_used(cloud: Cloud) -> None:
    cloud.store.add_version(PROJECT, SECRET, "DISABLED")
    cloud.store.add_version(PROJECT, SECRET)
    assert cloud.main("--outputs", cloud.outputs_file) == 0
    assert len(cloud.world.executions) == 1


def test_reads_every_page_of_versions(cloud: Cloud) -> None:
    states = ("ENABLED", "DISABLED", "ENABLED", "ENABLED", "DESTROYED")
    for state in states:
        cloud.store.add_version(PROJECT, SECRET, state)
    cloud.store.page_size = 2
    found = first_admin.secret_versions(
        authorized_session("secretmanager"),
        base=cloud.secret_manager, project=PROJECT, secret=SECRET,
    )  # fmt: skip
    assert found == dict(enumerate(states, start=1))
    assert len(cloud.store.calls) == 3  # 2 + 2 + 1: every page was read


def test_a_failed_execution_is_named_with_its_logs(cloud: Cloud, capsys) -> None:
    cloud.store.add_version(PROJECT, SECRET)
    cloud.world.failing_migrations.add("c1")  # the fake's word for "this image's job fails"
    assert cloud.main("--outputs", cloud.outputs_file) == 1
    (execution,) = cloud.world.executions.values()
    err = capsys.readouterr().err
    assert f"admin job {JOB} execution {execution.name} did not succeed" in err
    assert f"https://console.fake/logs/{execution.name}" in err
    assert f'labels."run.googleapis.com/execution_name"="{execution.name}"' in err
    assert "https://console.cloud.google.com/logs/query;query=" in err


def test_a_stack_without_first_admin_exits_2_naming_the_stack_file(cloud: Cloud, capsys):
    asked: list[str] = []

    def stack_outputs(stack: str) -> dict:
        asked.append(stack)
        return outputs()  # no adminJobName / adminPasswordSecret

    assert first_admin.main(["--stack", "staging"], stack_outputs=stack_outputs) == 2
    assert asked == ["staging"]
    err = capsys.readouterr().err
    assert "Add to Pulumi.staging.yaml" in err
    assert "django-gcp:firstAdmin:" in err
    assert cloud.store.calls == []
    assert cloud.world.executions == {}


def test_stack_outputs_are_read_through_the_stack(cloud: Cloud) -> None:
    cloud.store.add_version(PROJECT, SECRET)
    clock = cloud.world.clock
    code = first_admin.main(["--stack", "prod"], stack_outputs=lambda _: outputs(**ADMIN_OUTPUTS),
                            sleep=clock.sleep, clock=clock.monotonic)  # fmt: skip
    assert code == 0
    assert len(cloud.world.executions) == 1


def test_a_secret_the_last_deploy_did_not_create_says_deploy_first(cloud: Cloud, capsys):
    del cloud.store.secrets[PROJECT][SECRET]
    assert cloud.main("--outputs", cloud.outputs_file) == 1
    assert f"secret {SECRET} does not exist in project {PROJECT}" in capsys.readouterr().err
    assert cloud.world.executions == {}


def test_without_usable_credentials_says_how_to_log_in(
    cloud: Cloud, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real credentials(): anonymous on a loopback endpoint, so no Authorization header.
    monkeypatch.setattr("ops.clients.sessions.credentials", credentials)
    cloud.store.add_version(PROJECT, SECRET)
    assert cloud.main("--outputs", cloud.outputs_file) == 1
    err = capsys.readouterr().err
    assert "no usable Google credentials" in err
    assert "gcloud auth application-default login" in err
    assert cloud.world.executions == {}


def test_transient_secret_manager_errors_are_retried(cloud: Cloud) -> None:
    cloud.store.add_version(PROJECT, SECRET)
    cloud.store.transient_failures = 2
    assert cloud.main("--outputs", cloud.outputs_file) == 0
    assert len(cloud.store.calls) == 3
    assert len(cloud.world.executions) == 1


def test_needs_exactly_one_source_of_outputs(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        first_admin.main([])
    assert exit_info.value.code == 2
    assert "one of the arguments --stack --outputs is required" in capsys.readouterr().err
