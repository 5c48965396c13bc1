"""Stack outputs and a scripted HTTP session for the ops unit tests (tests/release has the
fakes of the Google APIs served over HTTP)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

SERVICE = "django-app"
STABLE = "django-app-aaaaaaaaaaaa-111111"
CANDIDATE = "django-app-bbbbbbbbbbbb-222222"
OLDER = "django-app-cccccccccccc-333333"
IMAGE = "europe-west1-docker.pkg.dev/acme-django-prod/django/app@sha256:" + "b" * 64
OLD_IMAGE = "europe-west1-docker.pkg.dev/acme-django-prod/django/app@sha256:" + "a" * 64


def outputs(**overrides: Any) -> dict[str, Any]:
    """Stack outputs as `pulumi stack output --json` prints them, STABLE serving 100%."""
    base: dict[str, Any] = {
        "projectId": "acme-django-prod",
        "region": "europe-west1",
        "serviceName": SERVICE,
        "serviceUrl": "https://django-app-161803398874.europe-west1.run.app",
        "candidateUrl": "https://candidate---django-app-161803398874.europe-west1.run.app",
        "registryPath": "europe-west1-docker.pkg.dev/acme-django-prod/django",
        "image": OLD_IMAGE,
        "latestRevision": STABLE,
        "traffic": [
            {"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100},
            {
                "type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION",
                "percent": 0,
                "revision": STABLE,
                "tag": "candidate",
            },
        ],
        "migrationJobName": "django-app-migrate",
        "workloadIdentityProvider": "projects/161803398874/locations/global/"
        "workloadIdentityPools/github-actions/providers/github",
        "deployerServiceAccount": "deployer@acme-django-prod.iam.gserviceaccount.com",
        "previewerServiceAccount": "previewer@acme-django-prod.iam.gserviceaccount.com",
        "dbInstanceName": "django-app-pg",
        "dbConnectionName": "acme-django-prod:europe-west1:django-app-pg",
        "rolloutSteps": [10, 50, 100],
        "errorRateThreshold": 0.01,
        "latencyP95ThresholdMs": 1000,
    }
    base.update(overrides)
    return base


def candidate_outputs() -> dict[str, Any]:
    """After the candidate phase: CANDIDATE exists at 0%, STABLE keeps 100%."""
    return outputs(
        image=IMAGE,
        latestRevision=CANDIDATE,
        traffic=[
            {"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "percent": 100, "revision": STABLE},
            {
                "type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION",
                "percent": 0,
                "revision": CANDIDATE,
                "tag": "candidate",
            },
        ],
    )


def write_json(path: Path, data: dict[str, Any]) -> str:
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


@dataclass
class FakeResponse:
    status_code: int = 200
    payload: Any = None

    @property
    def text(self) -> str:
        return "" if self.payload is None else json.dumps(self.payload)

    def json(self) -> Any:
        if self.payload is None:
            raise ValueError("no body")
        return self.payload


@dataclass
class FakeSession:
    """Answers requests from a script of (method, url substring, response) in order."""

    script: list[tuple[str, str, FakeResponse]]
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def request(self, method: str, url: str, **kwargs: Any) -> FakeResponse:
        self.calls.append((method, url, kwargs))
        if not self.script:
            raise AssertionError(f"unexpected request {method} {url}")
        want_method, want_url, response = self.script.pop(0)
        assert (method, want_url in url) == (want_method, True), (method, url, want_url)
        return response


class Clock:
    """Monotonic seconds that only move when the code under test sleeps (or a test says)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


SQLADMIN = "https://sqladmin.googleapis.com/v1/projects/"
MONITORING = "https://monitoring.googleapis.com/v3/projects/"


class FakeCloudSql:
    """Cloud SQL Admin (+ the replica_lag time series) in memory, with the API's semantics:
    operations finish `seconds[kind]` after they start on the shared clock, a taken or
    recently deleted name is 409, unknown instances/operations/backups are 404/400, a
    protected instance refuses DELETE, restoreBackup needs a RUNNABLE target of the same
    version and a SUCCESSFUL backup of the named source. `stuck` kinds never finish."""

    def __init__(self, clock: Clock, start: datetime, project: str = "acme-django-prod") -> None:
        self.clock, self.start, self.project = clock, start, project
        self.regions = {"europe-west1", "europe-west3", "europe-west4"}
        self.instances: dict[str, dict[str, Any]] = {}
        self.reserved: set[str] = set()  # deleted names stay taken for a while
        self.backups: dict[str, list[dict[str, Any]]] = {}
        self.lag: dict[str, list[tuple[float, float]]] = {}  # replica -> (seconds ago, lag)
        self.operations: dict[str, dict[str, Any]] = {}
        self.seconds = {"create": 300.0, "restore": 600.0, "delete": 60.0, "other": 15.0}
        self.stuck: set[str] = set()
        self.fail: dict[str, str] = {}  # kind -> the error its operation finishes with
        self.calls: list[tuple[str, str, Any]] = []

    def wall(self, ago: float = 0.0) -> datetime:
        return self.start + timedelta(seconds=self.clock.now - ago)

    def stamp(self, ago: float = 0.0) -> str:
        return self.wall(ago).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def add_instance(self, name: str, region: str, **fields: Any) -> dict[str, Any]:
        instance = {
            "name": name, "region": region, "state": "RUNNABLE", "databaseVersion": "POSTGRES_16",
            "connectionName": f"{self.project}:{region}:{name}", "createTime": self.stamp(),
            "settings": {"tier": "db-custom-2-7680", "edition": "ENTERPRISE",
                         "dataDiskSizeGb": "20", "deletionProtectionEnabled": True},
            "users": {"app"},
            **fields,
        }  # fmt: skip
        self.instances[name] = instance
        return instance

    def add_backup(self, instance: str, *, ended_ago: float, location: str, **fields: Any) -> None:
        runs = self.backups.setdefault(instance, [])
        runs.append({"id": str(1000 + len(runs)), "status": "SUCCESSFUL", "type": "AUTOMATED",
                     "endTime": self.stamp(ended_ago), "location": location, **fields})  # fmt: skip

    def _operation(self, kind: str, then: Any = None) -> FakeResponse:
        name = f"op-{kind}-{len(self.operations)}"
        done_at = self.clock.now + self.seconds.get(kind, self.seconds["other"])
        self.operations[name] = {"kind": kind, "done_at": done_at, "then": then}
        return FakeResponse(200, {"name": name, "status": "PENDING", "operationType": kind})

    @staticmethod
    def _error(status: int, message: str) -> FakeResponse:
        return FakeResponse(status, {"error": {"code": status, "message": message}})

    def request(self, method: str, url: str, **kwargs: Any) -> FakeResponse:
        body, params = kwargs.get("json"), kwargs.get("params") or {}
        self.calls.append((method, url, body))
        if url.startswith(MONITORING):
            return self._time_series(params)
        path = url.removeprefix(f"{SQLADMIN}{self.project}")
        if method == "GET" and path.startswith("/operations/"):
            return self._poll(path.rsplit("/", 1)[-1])
        if path == "/instances":
            if method == "GET":
                listed = [
                    {k: v for k, v in i.items() if k != "users"} for i in self.instances.values()
                ]
                return FakeResponse(200, {"items": listed})
            return self._insert(body or {})
        name, _, rest = path.removeprefix("/instances/").partition("/")
        instance = self.instances.get(name)
        if instance is None:
            return self._error(404, f"The Cloud SQL instance {name} does not exist.")
        return self._on_instance(method, instance, rest, body or {})

    def _poll(self, name: str) -> FakeResponse:
        op = self.operations.get(name)
        if op is None:
            return self._error(404, f"operation {name} not found")
        if op["kind"] in self.stuck or self.clock.now < op["done_at"]:
            return FakeResponse(200, {"name": name, "status": "RUNNING"})
        then, op["then"] = op["then"], None  # an operation's effect happens once
        if then is not None:
            then()
        if message := self.fail.get(op["kind"]):
            code, _, text = message.partition(": ")
            error = {"errors": [{"code": code, "message": text}]}
            return FakeResponse(200, {"name": name, "status": "DONE", "error": error})
        return FakeResponse(200, {"name": name, "status": "DONE"})

    def _insert(self, body: dict[str, Any]) -> FakeResponse:
        name, region = body.get("name", ""), body.get("region", "")
        if name in self.instances or name in self.reserved:
            return self._error(409, f"The Cloud SQL instance already exists: {name}")
        if region not in self.regions:
            return self._error(400, f"Invalid request: region {region!r} is not available")
        instance = self.add_instance(name, region, state="PENDING_CREATE", users=set(),
                                     databaseVersion=body["databaseVersion"],
                                     settings=dict(body.get("settings") or {}))  # fmt: skip
        return self._operation("create", lambda: instance.update(state="RUNNABLE"))

    def _on_instance(self, method: str, instance: dict[str, Any], rest: str, body: dict[str, Any]):
        name = instance["name"]
        if method == "GET" and rest == "":
            return FakeResponse(200, {k: v for k, v in instance.items() if k != "users"})
        if method == "GET" and rest == "backupRuns":
            return FakeResponse(200, {"items": list(reversed(self.backups.get(name, [])))})
        if method == "PATCH" and rest == "":
            instance["settings"].update(body.get("settings") or {})
            return self._operation("update")
        if method == "DELETE" and rest == "":
            if instance["settings"].get("deletionProtectionEnabled"):
                return self._error(400, f"The instance {name} is protected from deletion.")
            instance["state"] = "PENDING_DELETE"
            self.reserved.add(name)
            return self._operation("delete", lambda: self.instances.pop(name, None))
        if instance["state"] != "RUNNABLE":
            return self._error(409, f"Operation failed because {name} is {instance['state']}")
        if method == "PUT" and rest == "users":
            if body.get("name") not in instance["users"]:
                return self._error(404, f"user {body.get('name')} does not exist on {name}")
            return self._operation("update")
        if method == "POST" and rest == "restoreBackup":
            return self._restore(instance, body.get("restoreBackupContext") or {})
        raise AssertionError(f"unexpected {method} {name}/{rest}")

    def _restore(self, target: dict[str, Any], context: dict[str, Any]) -> FakeResponse:
        source = self.instances.get(context.get("instanceId", ""))
        runs = {r["id"]: r for r in self.backups.get(context.get("instanceId", ""), [])}
        run = runs.get(context.get("backupRunId", ""))
        if source is None or run is None or run["status"] != "SUCCESSFUL":
            return self._error(400, f"Invalid request: backup run {context!r} not found")
        if source["databaseVersion"] != target["databaseVersion"]:
            return self._error(400, "Invalid request: the database versions differ")
        target["state"] = "MAINTENANCE"  # restoring: not connectable until done
        if "restore" in self.fail:  # a failed restore leaves an empty, running instance
            return self._operation("restore", lambda: target.update(state="RUNNABLE"))

        def done() -> None:
            target.update(state="RUNNABLE", users=set(source["users"]))

        return self._operation("restore", done)

    def _time_series(self, params: dict[str, str]) -> FakeResponse:
        wanted = params["filter"].split('database_id="')[1].rstrip('"').split(":")[1]
        assert "cloudsql.googleapis.com/database/replication/replica_lag" in params["filter"]
        start = datetime.fromisoformat(params["interval.startTime"].replace("Z", "+00:00"))
        points = [
            {"interval": {"endTime": self.stamp(ago)}, "value": {"doubleValue": lag}}
            for ago, lag in self.lag.get(wanted, [])
            if self.wall(ago) >= start
        ]
        return FakeResponse(200, {"timeSeries": [{"points": points}]} if points else {})
