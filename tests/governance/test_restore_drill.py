"""The restore drill against a fake sqladmin API: success, failure still deletes, timeouts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from ops.recovery.drill_healthcheck import ProxyDockerHealthcheck
from ops.recovery.restore_drill import CloneDatabase, DrillPlan, main, run_drill

API = "https://sqladmin.googleapis.com/v1/projects/acme-django-prod"
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
CLONE = "django-app-pg-drill-202611220900"


class Response:
    def __init__(self, status: int, body: dict[str, Any] | None = None) -> None:
        self.status_code, self._body = status, body or {}
        self.text = json.dumps(self._body) if body is not None else ""

    def json(self) -> Any:
        return self._body


class FakeSqlAdmin:
    """Instances and operations in memory; `pending` polls before an operation is DONE."""

    def __init__(self, *, pending: int = 0, clone_error: bool = False, stuck: str = "") -> None:
        self.calls: list[tuple[str, str, dict | None]] = []
        self.instances: set[str] = {"django-app-pg"}
        self.pending, self.clone_error, self.stuck = pending, clone_error, stuck
        self.polls: dict[str, int] = {}

    def _op(self, name: str) -> Response:
        self.polls[name] = 0
        return Response(200, {"name": name, "status": "PENDING"})

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        path = url.removeprefix(API)
        self.calls.append((method, path, kwargs.get("json")))
        if method == "POST" and path == "/instances/django-app-pg/clone":
            self.instances.add(kwargs["json"]["cloneContext"]["destinationInstanceName"])
            return self._op("op-clone")
        if method == "GET" and path.startswith("/operations/"):
            name = path.rsplit("/", 1)[-1]
            self.polls[name] += 1
            if name == self.stuck or self.polls[name] <= self.pending:
                return Response(200, {"name": name, "status": "RUNNING"})
            if name == "op-clone" and self.clone_error:
                self.instances.discard(CLONE)
                error = {"errors": [{"code": "ERROR_RDBMS", "message": "no binlog"}]}
                return Response(200, {"name": name, "status": "DONE", "error": error})
            return Response(200, {"name": name, "status": "DONE"})
        instance = path.removeprefix("/instances/").split("/")[0]
        if instance not in self.instances:
            return Response(404, {"error": {"message": f"{instance} not found"}})
        if method == "PUT" and path.endswith("/users"):
            return self._op("op-password")
        if method == "GET":
            return Response(200, {"connectionName": f"acme-django-prod:europe-west1:{instance}"})
        if method == "PATCH":
            return self._op("op-unprotect")
        if method == "DELETE":
            self.instances.discard(instance)
            return self._op("op-delete")
        raise AssertionError(f"unexpected {method} {url}")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def plan(**overrides: Any) -> DrillPlan:
    fields = {
        "project": "acme-django-prod",
        "instance": "django-app-pg",
        "clone": CLONE,
        "point_in_time": datetime(2026, 11, 22, 8, 50, tzinfo=UTC),
        "timeout": 600.0,
        "interval": 15.0,
    }
    return DrillPlan(**{**fields, **overrides})


def drill(api: FakeSqlAdmin, healthy: bool = True, seen: list | None = None, **kwargs: Any):
    clock = Clock()

    def healthcheck(db: CloneDatabase) -> tuple[bool, str]:
        (seen if seen is not None else []).append(db)
        clock.now += 30
        return healthy, "ok   database: connected" if healthy else "FAIL migrations: 2 unapplied"

    return run_drill(api, plan(**kwargs), healthcheck, clock=clock, sleep=clock.sleep,
                     new_password=lambda: "drill-password")  # fmt: skip


def test_success_clones_at_the_point_in_time_checks_and_deletes():
    api, seen = FakeSqlAdmin(pending=2), []
    report = drill(api, seen=seen)
    assert report.passed
    assert report.clone_deleted
    assert api.instances == {"django-app-pg"}
    clone_body = api.calls[0][2]
    assert clone_body == {"cloneContext": {"destinationInstanceName": CLONE,
                                           "pointInTime": "2026-11-22T08:50:00Z"}}  # fmt: skip
    assert seen == [
        CloneDatabase(f"acme-django-prod:europe-west1:{CLONE}", "app", "app", "drill-password")
    ]
    # RTO = clone (2 pending polls x 15 s) + password (2 x 15 s) + healthcheck (30 s).
    assert report.rto_seconds == 90
    methods = [m for m, path, _ in api.calls if not path.startswith("/operations/")]
    assert methods[-2:] == ["PATCH", "DELETE"]
    patch = next(body for m, _, body in api.calls if m == "PATCH")
    assert patch == {"settings": {"deletionProtectionEnabled": False}}


def test_a_failed_healthcheck_fails_the_drill_and_still_deletes_the_clone():
    api = FakeSqlAdmin()
    report = drill(api, healthy=False)
    assert not report.passed
    assert report.error is not None
    assert "2 unapplied" in report.error
    assert report.clone_deleted
    assert CLONE not in api.instances


def test_a_failed_clone_is_reported_and_nothing_is_left_behind():
    api = FakeSqlAdmin(clone_error=True)
    report = drill(api)
    assert report.error is not None
    assert "no binlog" in report.error
    assert report.clone_deleted
    assert not any(m == "DELETE" for m, _, _ in api.calls)  # there was nothing to delete


def test_a_clone_that_never_finishes_times_out_and_is_deleted():
    api = FakeSqlAdmin(stuck="op-clone")
    report = drill(api, timeout=120.0)
    assert report.error is not None
    assert "not finished after 120s" in report.error
    assert report.clone_deleted
    assert CLONE not in api.instances


def test_a_clone_that_cannot_be_deleted_exits_3_with_the_manual_command(tmp_path, monkeypatch):
    api = FakeSqlAdmin(stuck="op-delete")
    outputs = tmp_path / "prod.json"
    outputs.write_text(
        json.dumps({"projectId": "acme-django-prod", "dbInstanceName": "django-app-pg"})
    )
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    argv = ["--outputs", str(outputs), "--timeout", "0"]
    code = main(
        argv, session=api, healthcheck=lambda db: (True, "ok"), now=NOW, sleep=lambda _s: None
    )
    assert code == 3
    text = summary.read_text()
    assert f"gcloud sql instances delete {CLONE} --project acme-django-prod" in text


def test_cli_passes_and_writes_the_rto_to_the_job_summary(tmp_path, monkeypatch):
    outputs = tmp_path / "prod.json"
    outputs.write_text(
        json.dumps({"projectId": "acme-django-prod", "dbInstanceName": "django-app-pg"})
    )
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code = main(["--outputs", str(outputs)], session=FakeSqlAdmin(),
                healthcheck=lambda db: (True, "ok"), now=NOW, sleep=lambda _s: None)  # fmt: skip
    assert code == 0
    text = summary.read_text()
    assert f"-> `{CLONE}`" in text
    assert "**RTO:" in text
    assert "within the target of 3600 s" in text


def test_cli_without_the_instance_output_is_a_usage_error(tmp_path):
    outputs = tmp_path / "prod.json"
    outputs.write_text("{}")
    assert main(["--outputs", str(outputs)], session=FakeSqlAdmin(), now=NOW) == 2


class FakeProcess:
    def __init__(self, exits: bool = False) -> None:
        self.exits, self.terminated = exits, False

    def poll(self) -> int | None:
        return 1 if self.exits else None

    def terminate(self) -> None:
        self.terminated = True

    def wait(self, timeout: float | None = None) -> int:
        return 0


class Done:
    returncode, stdout, stderr = 0, "ok   database: connected\n", ""


DB = CloneDatabase("p:r:clone", "app", "app", "s3cret-drill")


def test_healthcheck_runs_the_image_through_the_proxy_without_secrets_in_argv():
    process, runs, attempts = FakeProcess(), [], []

    def connect(address: tuple[str, int], timeout: float):
        attempts.append(address)
        if len(attempts) < 3:
            raise ConnectionRefusedError
        return type("Socket", (), {"close": lambda self: None})()

    check = ProxyDockerHealthcheck(
        "europe-west1-docker.pkg.dev/p/django/app@sha256:" + "a" * 64,
        launch=lambda argv: process, connect=connect, sleep=lambda _s: None,
        run=lambda argv, **kw: runs.append((argv, kw)) or Done(),
    )  # fmt: skip
    assert check(DB) == (True, "ok   database: connected")
    argv, kwargs = runs[0]
    assert "s3cret-drill" not in " ".join(argv)
    assert kwargs["env"]["DB_PASSWORD"] == "s3cret-drill"
    assert len(kwargs["env"]["DJANGO_SECRET_KEY"]) >= 50
    assert argv[-3:] == ["python", "manage.py", "healthcheck"]
    assert "DB_PORT=15432" in argv
    assert process.terminated


def test_healthcheck_reports_a_proxy_that_dies_or_never_listens():
    def refuse(address: tuple[str, int], timeout: float):
        raise ConnectionRefusedError

    dead = FakeProcess(exits=True)
    with pytest.raises(OSError, match="exited early"):
        ProxyDockerHealthcheck("img", launch=lambda a: dead, connect=refuse)(DB)
    assert dead.terminated
    clock = [0.0]
    slow = ProxyDockerHealthcheck(
        "img", launch=lambda a: FakeProcess(), connect=refuse, startup_timeout=5,
        clock=lambda: clock[0], sleep=lambda s: clock.__setitem__(0, clock[0] + s),
    )  # fmt: skip
    with pytest.raises(TimeoutError, match=r"did not listen on 127\.0\.0\.1:15432 within 5s"):
        slow(DB)
