"""ops.release.backup: the pre-migration on-demand Cloud SQL backup, against a scripted sqladmin."""

from pathlib import Path

import pytest

from ops.clients.google_api import GoogleApiError
from ops.release import backup
from tests.ops.fakes import FakeResponse, FakeSession, candidate_outputs, write_json

INSERT = "/projects/acme-django-prod/instances/django-app-pg/backupRuns"
OPERATION = "/projects/acme-django-prod/operations/op-1"


def test_takes_a_backup_and_waits_for_its_operation(tmp_path: Path, capsys) -> None:
    session = FakeSession([
        ("POST", INSERT, FakeResponse(200, {"name": "op-1", "status": "PENDING"})),
        ("GET", OPERATION, FakeResponse(200, {"name": "op-1", "status": "DONE"})),
    ])  # fmt: skip
    outputs = write_json(tmp_path / "out.json", candidate_outputs())
    assert backup.main(["--outputs", outputs, "--description", "before r42"], session=session) == 0
    assert session.calls[0][2]["json"] == {"description": "before r42"}
    assert (
        "backup of acme-django-prod/django-app-pg done (operation op-1)" in capsys.readouterr().out
    )


def test_polls_until_done_then_reports_the_operation_errors() -> None:
    naps: list[float] = []
    failed = {"status": "DONE", "error": {"errors": [{"code": "X", "message": "disk full"}]}}
    session = FakeSession([
        ("POST", INSERT, FakeResponse(200, {"name": "op-1"})),
        ("GET", OPERATION, FakeResponse(200, {"status": "RUNNING"})),
        ("GET", OPERATION, FakeResponse(200, failed)),
    ])  # fmt: skip
    with pytest.raises(GoogleApiError, match=r"backup of django-app-pg failed .*X: disk full"):
        backup.take_backup(
            session, project="acme-django-prod", instance="django-app-pg",
            description="d", interval=7, sleep=naps.append,
        )  # fmt: skip
    assert naps == [7]


def test_times_out_naming_the_instance() -> None:
    running = ("GET", OPERATION, FakeResponse(200, {"status": "RUNNING"}))
    session = FakeSession([("POST", INSERT, FakeResponse(200, {"name": "op-1"})), running, running])
    with pytest.raises(TimeoutError, match="backup of django-app-pg"):
        backup.take_backup(
            session, project="acme-django-prod", instance="django-app-pg",
            description="d", timeout=0.0, sleep=lambda _s: None,
        )  # fmt: skip


def test_http_errors_and_missing_outputs_fail_with_exit_1(tmp_path: Path, capsys) -> None:
    denied = FakeResponse(403, {"error": {"message": "caller lacks cloudsql.backupRuns.create"}})
    outputs = write_json(tmp_path / "out.json", candidate_outputs())
    assert backup.main(["--outputs", outputs], session=FakeSession([("POST", INSERT, denied)])) == 1
    assert "HTTP 403: caller lacks cloudsql.backupRuns.create" in capsys.readouterr().err

    empty = write_json(tmp_path / "empty.json", {})
    assert backup.main(["--outputs", empty], session=FakeSession([])) == 1
    assert "projectId" in capsys.readouterr().err


def test_an_insert_without_an_operation_is_an_error() -> None:
    session = FakeSession([("POST", INSERT, FakeResponse(200, {}))])
    with pytest.raises(GoogleApiError, match="returned no operation"):
        backup.take_backup(session, project="acme-django-prod", instance="django-app-pg",
                           description="d")  # fmt: skip
