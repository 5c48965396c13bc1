"""ops.release.migrate: run the Cloud Run migration job and wait, against a scripted Run API."""

from pathlib import Path

import pytest

from ops.clients.google_api import GoogleApiError
from ops.release import migrate
from tests.ops.fakes import FakeResponse, FakeSession, candidate_outputs, write_json

RUN = "/projects/acme-django-prod/locations/europe-west1/jobs/django-app-migrate:run"
OPERATION = "/projects/acme-django-prod/locations/europe-west1/operations/op-7"
STARTED = {
    "name": "projects/acme-django-prod/locations/europe-west1/operations/op-7",
    "metadata": {"name": "django-app-migrate-x1y2z", "logUri": "https://logs/x1y2z"},
}


def _finished(**response: object) -> FakeResponse:
    return FakeResponse(
        200, {"done": True, "response": {"logUri": "https://logs/x1y2z", **response}}
    )


def test_runs_the_job_and_waits_for_success(tmp_path: Path, capsys) -> None:
    session = FakeSession([
        ("POST", RUN, FakeResponse(200, STARTED)),
        ("GET", OPERATION, _finished(succeededCount=1)),
    ])  # fmt: skip
    outputs = write_json(tmp_path / "out.json", candidate_outputs())
    assert migrate.main(["--outputs", outputs], session=session) == 0
    out = capsys.readouterr().out
    assert "started execution django-app-migrate-x1y2z" in out
    assert "migration job django-app-migrate: succeeded" in out


def test_a_failed_task_names_the_execution_and_its_logs(tmp_path: Path, capsys) -> None:
    session = FakeSession([
        ("POST", RUN, FakeResponse(200, STARTED)),
        ("GET", OPERATION, FakeResponse(200, {"done": False})),
        ("GET", OPERATION, _finished(succeededCount=0, failedCount=1)),
    ])  # fmt: skip
    naps: list[float] = []
    with pytest.raises(migrate.MigrationError) as failure:
        migrate.run_job(session, project="acme-django-prod", region="europe-west1",
                        job="django-app-migrate", interval=5, sleep=naps.append)  # fmt: skip
    assert "execution django-app-migrate-x1y2z did not succeed" in str(failure.value)
    assert "failed=1" in str(failure.value)
    assert "logs: https://logs/x1y2z" in str(failure.value)
    assert naps == [5]


def test_an_operation_error_fails_the_cli_with_exit_1(tmp_path: Path, capsys) -> None:
    errored = FakeResponse(200, {"done": True, "error": {"message": "Task failed: exit 1"}})
    session = FakeSession([("POST", RUN, FakeResponse(200, STARTED)), ("GET", OPERATION, errored)])
    outputs = write_json(tmp_path / "out.json", candidate_outputs())
    assert migrate.main(["--outputs", outputs], session=session) == 1
    assert "migration FAILED" in capsys.readouterr().err


def test_timeout_and_missing_operation() -> None:
    pending = ("GET", OPERATION, FakeResponse(200, {"done": False}))
    session = FakeSession([("POST", RUN, FakeResponse(200, STARTED)), pending])
    with pytest.raises(TimeoutError, match="migration job django-app-migrate"):
        migrate.run_job(session, project="acme-django-prod", region="europe-west1",
                        job="django-app-migrate", timeout=0.0)  # fmt: skip
    session = FakeSession([("POST", RUN, FakeResponse(200, {}))])
    with pytest.raises(GoogleApiError, match="returned no operation"):
        migrate.run_job(session, project="acme-django-prod", region="europe-west1",
                        job="django-app-migrate")  # fmt: skip
