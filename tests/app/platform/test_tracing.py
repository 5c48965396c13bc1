"""Tracing under gunicorn with production settings: spans for the request and its SQL reach an
OTLP/HTTP collector on loopback (a stand-in for Cloud Trace's endpoint, decoding the real
protobuf payload), and the request log's trace id is the spans' trace id."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from config.tracing import sample_rate
from tests.conftest import production_settings_env
from tests.support.gunicorn import GunicornServer, serve

Span = tuple[str, str, str, str]  # trace id, span id, parent span id, name


class Collector(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.spans: list[Span] = []
        self.resources: list[dict[str, str]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1/traces"

    def wait_for(self, trace_id: str, timeout: float = 15) -> list[Span]:
        """The trace's spans once its request span (named after the method) has arrived;
        the request span ends, and is exported, after its SQL spans."""
        deadline = time.monotonic() + timeout
        found: list[Span] = []
        while time.monotonic() < deadline:
            with self.lock:
                found = [s for s in self.spans if s[0] == trace_id]
            if any(s[3].startswith("GET ") for s in found):
                return found
            time.sleep(0.1)
        return found


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        collector = self.server
        assert isinstance(collector, Collector)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = ExportTraceServiceRequest.FromString(body)
        with collector.lock:
            for resource_spans in request.resource_spans:
                collector.resources.append(
                    {a.key: a.value.string_value for a in resource_spans.resource.attributes}
                )
                for scope in resource_spans.scope_spans:
                    collector.spans += [
                        (s.trace_id.hex(), s.span_id.hex(), s.parent_span_id.hex(), s.name)
                        for s in scope.spans
                    ]
        payload = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def traced(production_env: dict[str, str], collector: Collector) -> Iterator[GunicornServer]:
    env = {
        **production_env,
        "DJANGO_TRACE_SAMPLE_RATE": "1",
        "DJANGO_TRACE_ENDPOINT": collector.url,
        "GOOGLE_CLOUD_PROJECT": "acme-django-test",
        "OTEL_BSP_SCHEDULE_DELAY": "100",  # export within 0.1 s, not 5 s
        "GUNICORN_WORKERS": "2",
    }
    with serve(env) as running:
        yield running


HTTPS = {"X-Forwarded-Proto": "https"}


def test_callers_trace_is_continued_and_logged_with_the_same_id(
    traced: GunicornServer, collector: Collector
):
    trace_id, parent = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    headers = {**HTTPS, "traceparent": f"00-{trace_id}-{parent}-01"}
    response = requests.get(f"{traced.url}/health/ready/", headers=headers, timeout=10)
    assert response.status_code == 200
    assert response.headers["x-trace-id"] == trace_id  # what the request log line carries
    spans = collector.wait_for(trace_id)
    server = [s for s in spans if s[2] == parent]
    assert [s[3] for s in server] == ["GET health/ready/"], spans  # child of the caller's
    children = [s for s in spans if s[2] == server[0][1]]
    assert children, f"no SQL span under the request span: {spans}"
    resource = collector.resources[0]
    assert resource["gcp.project_id"] == "acme-django-test"


def test_a_fresh_trace_is_the_same_in_the_log_and_in_the_spans(
    traced: GunicornServer, collector: Collector
):
    response = requests.get(f"{traced.url}/health/ready/", headers=HTTPS, timeout=10)
    trace_id = response.headers["x-trace-id"]
    spans = collector.wait_for(trace_id)
    assert spans, f"no span with the logged trace id {trace_id}: {collector.spans}"
    assert [s for s in spans if s[2] == ""], "the request span is the root of a fresh trace"


@pytest.mark.parametrize(("value", "rate"), [("", 0.0), ("0", 0.0), ("0.25", 0.25), ("1", 1.0)])
def test_sample_rate(monkeypatch: pytest.MonkeyPatch, value: str, rate: float):
    monkeypatch.setenv("DJANGO_TRACE_SAMPLE_RATE", value)
    assert sample_rate() == rate


@pytest.mark.parametrize("value", ["25", "-0.1", "half"])
def test_bad_sample_rate_is_refused(monkeypatch: pytest.MonkeyPatch, value: str):
    monkeypatch.setenv("DJANGO_TRACE_SAMPLE_RATE", value)
    with pytest.raises(ImproperlyConfigured, match=f"DJANGO_TRACE_SAMPLE_RATE='{value}' must be"):
        sample_rate()


def test_off_without_a_rate(monkeypatch: pytest.MonkeyPatch):
    for name in list(os.environ):
        if name.startswith(("DJANGO_", "DB_", "GUNICORN_")):
            monkeypatch.delenv(name)
    for name, value in production_settings_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delitem(sys.modules, "config.settings.base", raising=False)
    settings = runpy.run_module("config.settings.production")
    assert "config.tracing.TracingConfig" not in settings["INSTALLED_APPS"]
    assert "config.tracing.LogTraceBridge" not in settings["MIDDLEWARE"]
    monkeypatch.setenv("DJANGO_TRACE_SAMPLE_RATE", "0.1")
    monkeypatch.delitem(sys.modules, "config.settings.base", raising=False)
    settings = runpy.run_module("config.settings.production")
    assert settings["MIDDLEWARE"][:2] == ["config.tracing.LogTraceBridge",
                                          "core.middleware.RequestLogMiddleware"]  # fmt: skip


def test_without_google_credentials_the_app_starts_untraced_and_says_so(tmp_path):
    # Production settings off Cloud Run (no metadata server, no ADC): tracing is
    # observability, so the process starts and logs one WARNING instead of refusing.
    env = production_settings_env(DJANGO_TRACE_SAMPLE_RATE="1")
    env.pop("DJANGO_TRACE_ENDPOINT", None)
    env |= {
        "GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "absent.json"),
        "NO_GCE_CHECK": "True",  # google-auth: do not probe a metadata server
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    code = (
        "import django; django.setup();"
        "from opentelemetry import trace;"
        "print('provider', type(trace.get_tracer_provider()).__name__)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd="app", env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "tracing off: no Google credentials" in done.stdout + done.stderr
    assert "provider ProxyTracerProvider" in done.stdout  # nothing installed


def test_tracing_off_imports_no_opentelemetry_at_start():
    # Production settings import config.tracing on every start; untraced stacks must not
    # pay for OpenTelemetry's import (make bench: cold start).
    env = production_settings_env() | {"PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("DJANGO_TRACE_SAMPLE_RATE", None)
    code = (
        "import django, sys; django.setup();"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd="app", env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
