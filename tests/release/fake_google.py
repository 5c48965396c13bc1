"""Local fakes of the Google APIs the release calls, served on 127.0.0.1 to the official
clients: Cloud Run Admin v2 over REST (JSON, as google-cloud-run's rest transport speaks
it), Cloud Monitoring over gRPC (google-cloud-monitoring has no REST transport), and the
deployed app's health/admin pages per revision for the smoke test."""

from __future__ import annotations

import json
import re
import threading
from concurrent import futures
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import grpc
from google.cloud import monitoring_v3

from tests.release.world import World

RUN = re.compile(r"^/v2/projects/([^/]+)/locations/([^/]+)/(.*)$")


def _time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class _Handler(BaseHTTPRequestHandler):
    world: World

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, code: int, body: dict | str, content_type: str = "application/json"):
        data = (json.dumps(body) if isinstance(body, dict) else body).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, code: int, status: str, message: str) -> None:
        self._send(code, {"error": {"code": code, "status": status, "message": message}})

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith("/app/"):
            return self._app(path)
        self._run("GET", path)

    def do_POST(self) -> None:
        self.body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._run("POST", urlsplit(self.path).path)

    def do_DELETE(self) -> None:
        self._run("DELETE", urlsplit(self.path).path)

    def _run(self, method: str, path: str) -> None:
        world = self.world
        world.api_calls.append(f"{method} {path}")
        if world.take_transient(path):
            return self._error(503, "UNAVAILABLE", "The service is currently unavailable.")
        if path.startswith("/v1/projects/"):
            return self._sqladmin(method, path)
        if path.startswith(("/storage/v1/b/", "/upload/storage/v1/b/")):
            return self._storage(method, path)
        match = RUN.match(path)
        if not match:
            return self._error(404, "NOT_FOUND", f"no such API path {path}")
        project, region, rest = match.groups()
        parent = f"projects/{project}/locations/{region}"
        parts = rest.split("/")
        if method == "GET" and parts[0] == "services" and len(parts) == 2:
            service = world.services.get(parts[1])
            if service is None:
                return self._error(404, "NOT_FOUND", f"Service {parts[1]} not found")
            statuses = [{
                "type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "revision": t["revision"],
                "percent": t["percent"], "tag": t["tag"],
            } for t in service.traffic]  # fmt: skip
            return self._send(200, {
                "name": f"{parent}/services/{service.name}",
                "uri": f"https://{service.name}-fake.run.app",
                "latestReadyRevision": f"{parent}/services/{service.name}/revisions/"
                f"{service.latest}",
                "trafficStatuses": statuses,
            })  # fmt: skip
        if method == "GET" and parts[0] == "services" and parts[2:3] == ["revisions"]:
            service = world.services.get(parts[1])
            revisions = service.revisions.values() if service else []
            return self._send(200, {"revisions": [{
                "name": f"{parent}/services/{parts[1]}/revisions/{r.name}",
                "createTime": _time(r.created),
                "conditions": [{"type": "Ready", "state": "CONDITION_SUCCEEDED"}],
            } for r in revisions]})  # fmt: skip
        if method == "GET" and parts[0] == "jobs" and len(parts) == 2:
            if parts[1] not in world.jobs:
                return self._error(404, "NOT_FOUND", f"Job {parts[1]} not found")
            spec = {"template": world.job_specs[parts[1]]}
            return self._send(200, {"name": f"{parent}/jobs/{parts[1]}", "template": spec})
        if method == "POST" and parts[0] == "jobs" and parts[1].endswith(":run"):
            job = parts[1].removesuffix(":run")
            if job not in world.jobs:
                return self._error(404, "NOT_FOUND", f"Job {job} not found")
            execution = world.start_execution(job)
            full = f"{parent}/jobs/{job}/executions/{execution.name}"
            kind = "type.googleapis.com/google.cloud.run.v2.Execution"
            return self._send(200, {"name": f"{parent}/operations/{execution.name}",
                                    "metadata": {"@type": kind, "name": full}})  # fmt: skip
        if method == "GET" and parts[0] == "jobs" and parts[2:3] == ["executions"]:
            execution = world.executions.get(parts[3])
            if execution is None:
                return self._error(404, "NOT_FOUND", f"Execution {parts[3]} not found")
            body: dict = {"name": f"{parent}/jobs/{parts[1]}/executions/{execution.name}",
                          "logUri": f"https://console.fake/logs/{execution.name}"}  # fmt: skip
            if world.clock.now() >= execution.started + execution.duration:
                body["completionTime"] = _time(execution.started + execution.duration)
                body["failedCount" if execution.fails else "succeededCount"] = 1
            return self._send(200, body)
        return self._error(404, "NOT_FOUND", f"{method} {path} is not faked")

    def _storage(self, method: str, path: str) -> None:
        """Cloud Storage JSON API: list by prefix, read (alt=media), upload, delete."""
        objects = self.world.objects
        query = parse_qs(urlsplit(self.path).query)
        if method == "POST" and path.startswith("/upload/"):
            objects[query["name"][0]] = self.body
            return self._send(200, {"name": query["name"][0]})
        if method == "GET" and re.fullmatch(r"/storage/v1/b/[^/]+/o", path):
            prefix = query.get("prefix", [""])[0]
            names = [n for n in objects if n.startswith(prefix)]
            return self._send(200, {"items": [{"name": n} for n in names]})
        name = unquote(path.split("/o/", 1)[1])
        if name not in objects:
            return self._error(404, "NOT_FOUND", f"No such object: {name}")
        if method == "DELETE":
            del objects[name]
            return self._send(204, "", "text/plain")
        return self._send(200, objects[name].decode(), "application/json")

    def _sqladmin(self, method: str, path: str) -> None:
        """backupRuns.insert and operations.get: an operation that is DONE after a while."""
        world = self.world
        if method == "POST" and (m := re.fullmatch(r"/v1/projects/[^/]+/instances/([^/]+)/"
                                                   r"backupRuns", path)):  # fmt: skip
            name = f"backup-{len(world.backups) + 1}"
            world.backups[name] = (m.group(1), world.clock.now())
            return self._send(200, {"kind": "sql#operation", "name": name, "status": "PENDING",
                                    "operationType": "BACKUP_VOLUME"})  # fmt: skip
        if method == "GET" and (m := re.fullmatch(r"/v1/projects/[^/]+/operations/([^/]+)", path)):
            if m.group(1) not in world.backups:
                return self._error(404, "NOT_FOUND", f"operation {m.group(1)} not found")
            started = world.backups[m.group(1)][1]
            done = world.clock.now() >= started + world.backup_seconds
            return self._send(200, {"name": m.group(1), "status": "DONE" if done else "RUNNING"})
        return self._error(404, "NOT_FOUND", f"{method} {path} is not faked")

    def _app(self, path: str) -> None:
        """/app/<service>/<tag|main>/<page>: the revision behind that URL answers."""
        _, _, name, route, *page = path.split("/")
        service = self.world.services.get(name)
        if service is None:
            return self._send(404, "no such service", "text/plain")
        audience = self.world.private_services.get(name)
        if audience and self.headers.get("Authorization") != f"Bearer fake-id-token:{audience}":
            return self._send(403, "Forbidden: missing or wrong ID token", "text/plain")
        if route == "main":
            shares = self.world.shares_now(name)
            revision = max(shares, key=lambda r: shares[r])
        else:
            tagged = [t["revision"] for t in service.traffic if t["tag"] == route]
            if not tagged:
                return self._send(404, f"no revision tagged {route}", "text/plain")
            revision = tagged[0]
        commit = service.revisions[revision].commit
        page_path = "/" + "/".join(page)
        if page_path.startswith("/health/"):
            if commit in self.world.broken_smoke and page_path == "/health/ready/":
                return self._send(503, {"status": "error", "checks": {"database": "failed"}})
            return self._send(200, {"status": "ok", "version": commit})
        if page_path == "/admin/login/":
            return self._send(200, '<form><input name="csrfmiddlewaretoken"></form>', "text/html")
        return self._send(404, "not found", "text/plain")


class _Monitoring:
    def __init__(self, world: World) -> None:
        self.world = world

    def list_time_series(self, request: monitoring_v3.ListTimeSeriesRequest, context):
        world = self.world
        world.api_calls.append(f"ListTimeSeries {request.filter}")
        if world.take_transient("timeSeries"):
            context.abort(grpc.StatusCode.UNAVAILABLE, "try again")
        if request.filter.startswith("select_slo_"):
            return self._slo(request, context)
        labels = dict(re.findall(r'([\w.]+) = "([^"]*)"', request.filter))
        service = labels["resource.labels.service_name"]
        revision = labels["resource.labels.revision_name"]
        start = request.interval.start_time.timestamp()  # pyright: ignore[reportAttributeAccessIssue]
        end = request.interval.end_time.timestamp()  # pyright: ignore[reportAttributeAccessIssue]
        requests, errors = world.served(service, revision, start, end)
        series = []
        if labels["metric.type"].endswith("request_count") and requests:
            for code, count in (("2xx", requests - errors), ("5xx", errors)):
                if count:
                    series.append(monitoring_v3.TimeSeries(
                        metric={"labels": {"response_code_class": code}},
                        points=[{"value": {"int64_value": count}}],
                    ))  # fmt: skip
        elif requests:
            series.append(monitoring_v3.TimeSeries(points=[{"value": {"double_value": 120.0}}]))
        return monitoring_v3.ListTimeSeriesResponse(time_series=series)

    def _slo(self, request: monitoring_v3.ListTimeSeriesRequest, context):
        """select_slo_budget_fraction("<SLO name>"): a DOUBLE gauge, one point a minute."""
        world = self.world
        if world.take_transient("sloBudget"):
            context.abort(grpc.StatusCode.UNAVAILABLE, "try again")
        match = re.fullmatch(r'select_slo_budget_fraction\("([^"]+)"\)', request.filter)
        if match is None:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                          f"Could not parse filter: {request.filter}")  # fmt: skip
        slo = match.group(1)  # pyright: ignore[reportOptionalMemberAccess] - abort raised
        if slo not in world.slo_budgets:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                          f"Invalid service level objective name: {slo}")  # fmt: skip
        start = request.interval.start_time.timestamp()  # pyright: ignore[reportAttributeAccessIssue]
        end = request.interval.end_time.timestamp()  # pyright: ignore[reportAttributeAccessIssue]
        points = [{"interval": {"end_time": datetime.fromtimestamp(t, UTC)},
                   "value": {"double_value": value}}
                  for t, value in world.budget_points(slo, start, end)]  # fmt: skip
        series = [monitoring_v3.TimeSeries(value_type="DOUBLE", points=points)] if points else []
        return monitoring_v3.ListTimeSeriesResponse(time_series=series)


class FakeGoogle:
    """Both servers, started on free loopback ports; ``endpoints`` for OPS_*_ENDPOINT."""

    def __init__(self, world: World) -> None:
        handler = type("Handler", (_Handler,), {"world": world})
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.grpc = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        servicer = _Monitoring(world)
        method = grpc.unary_unary_rpc_method_handler(
            servicer.list_time_series,
            request_deserializer=monitoring_v3.ListTimeSeriesRequest.deserialize,
            response_serializer=monitoring_v3.ListTimeSeriesResponse.serialize,
        )
        self.grpc.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
            "google.monitoring.v3.MetricService", {"ListTimeSeries": method}),))  # fmt: skip
        self.grpc_port = self.grpc.add_insecure_port("127.0.0.1:0")
        self.grpc.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http.server_port}"

    def endpoints(self) -> dict[str, str]:
        return {"OPS_RUN_ENDPOINT": self.base, "OPS_SQLADMIN_ENDPOINT": self.base,
                "OPS_STORAGE_ENDPOINT": self.base,
                "OPS_MONITORING_ENDPOINT": f"127.0.0.1:{self.grpc_port}"}  # fmt: skip

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()
        self.grpc.stop(0)
