"""config/wsgi_fastpath.py: /health/live/ before Django, same answer, same log line."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import Client

from config.wsgi_fastpath import LiveProbeFastPath, live_body

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


class Recorder:
    def __init__(self) -> None:
        self.status = ""
        self.headers: dict[str, str] = {}

    def __call__(self, status: str, headers: list[tuple[str, str]]) -> None:
        self.status, self.headers = status, dict(headers)


def _downstream(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("405 Method Not Allowed", [("Content-Type", "text/plain")])
    return [b"django"]


def _call(method: str, path: str, **extra: str) -> tuple[Recorder, bytes]:
    app = LiveProbeFastPath(_downstream, live_body(version="v1", revision="rev-1"))
    recorder = Recorder()
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "SERVER_PROTOCOL": "HTTP/1.1", **extra}
    return recorder, b"".join(app(environ, recorder))


def test_get_is_answered_with_the_views_body_and_a_trace_id(request_log: io.StringIO) -> None:
    recorder, body = _call(
        "GET", "/health/live/", HTTP_TRACEPARENT=f"00-{TRACE}-00f067aa0ba902b7-01"
    )

    assert recorder.status == "200 OK"
    assert json.loads(body) == {"status": "ok", "version": "v1", "revision": "rev-1"}
    assert recorder.headers["x-trace-id"] == TRACE
    assert recorder.headers["Content-Length"] == str(len(body))
    assert "no-store" in recorder.headers["Cache-Control"]
    [line] = [json.loads(x) for x in request_log.getvalue().splitlines()]
    assert line["trace_id"] == TRACE
    assert line["severity"] == "INFO"
    assert line["message"].startswith("GET /health/live/ 200 ")
    assert line["httpRequest"]["requestUrl"] == "/health/live/"


def test_head_has_the_headers_and_no_body() -> None:
    recorder, body = _call("HEAD", "/health/live/", HTTP_X_CLOUD_TRACE_CONTEXT=f"{TRACE}/\xb2")
    assert recorder.status == "200 OK"
    assert body == b""
    assert recorder.headers["x-trace-id"] == TRACE


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/health/live/"), ("GET", "/health/live"), ("GET", "/health/ready/")],
)
def test_anything_else_goes_to_django(method: str, path: str, request_log: io.StringIO) -> None:
    recorder, body = _call(method, path)
    assert (recorder.status, body) == ("405 Method Not Allowed", b"django")
    assert request_log.getvalue() == ""


@pytest.mark.django_db
def test_the_fast_answer_matches_the_django_view(client: Client, settings) -> None:
    settings.APP_VERSION, settings.K_REVISION = "v1", "rev-1"
    view = client.get("/health/live/")
    recorder, body = _call("GET", "/health/live/")
    assert body == view.content
    assert recorder.headers["Content-Type"] == view["Content-Type"]
    assert recorder.headers["Cache-Control"] == view["Cache-Control"]
