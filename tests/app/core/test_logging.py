"""core.logging and the request log: Cloud Logging's JSON shape, traces, redaction."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.test import Client

from core.logging import JsonFormatter, TraceContext, bind_trace, redact, trace_from_headers

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_traceparent_wins_over_cloud_trace_context() -> None:
    context = trace_from_headers(f"{'a' * 32}/1;o=1", f"00-{TRACE}-00f067aa0ba902b7-01")
    assert context == TraceContext(TRACE, "00f067aa0ba902b7", sampled=True)


def test_cloud_trace_context_span_is_converted_to_hex() -> None:
    context = trace_from_headers(f"{TRACE.upper()}/255;o=0", None)
    assert context == TraceContext(TRACE, f"{255:016x}", sampled=False)


@pytest.mark.parametrize(
    ("cloud", "traceparent"),
    [(None, None), ("not-a-trace", "00-zz-yy-01"), ("", f"00-{TRACE}-short-01")],
)
def test_malformed_or_missing_headers_get_a_fresh_trace_id(
    cloud: str | None, traceparent: str | None
) -> None:
    context = trace_from_headers(cloud, traceparent)
    assert len(context.trace_id) == 32
    assert context.trace_id != TRACE
    assert context.span_id is None


def test_request_line_shape_and_trace_correlation(
    client: Client, request_log: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "demo-project")
    response = client.get("/health/live/?token=abc", HTTP_X_CLOUD_TRACE_CONTEXT=f"{TRACE}/1234;o=1")
    assert response["x-trace-id"] == TRACE
    [line] = _lines(request_log)
    assert line["severity"] == "INFO"
    assert line["message"].startswith("GET /health/live/ 200 ")
    assert line["logging.googleapis.com/trace"] == f"projects/demo-project/traces/{TRACE}"
    assert line["logging.googleapis.com/spanId"] == f"{1234:016x}"
    assert line["logging.googleapis.com/trace_sampled"] is True
    http = line["httpRequest"]
    assert (http["requestMethod"], http["requestUrl"], http["status"]) == (
        "GET",
        "/health/live/",
        200,
    )
    assert http["latency"].endswith("s")
    assert "token=abc" not in json.dumps(line)


@pytest.mark.django_db
def test_client_errors_log_as_warnings_without_a_project(
    client: Client, request_log: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    [line] = _lines(request_log)
    assert line["severity"] == "WARNING"
    # Without a project id Cloud Logging cannot link the trace; the id is still there.
    assert line["trace_id"] == response["x-trace-id"]
    assert "logging.googleapis.com/trace" not in line


def test_secrets_in_messages_and_fields_are_redacted() -> None:
    record = logging.LogRecord(
        "x",
        logging.ERROR,
        __file__,
        1,
        "login password=hunter2 Authorization: Bearer abc.def",
        (),
        None,
    )
    record.fields = {
        "headers": {"Cookie": "sessionid=s3cr3t", "Accept": "text/html"},
        "items": ["api_key=k3y", 1],
    }
    token = bind_trace(TraceContext(TRACE))
    try:
        output = JsonFormatter().format(record)
    finally:
        from core.logging import unbind_trace

        unbind_trace(token)
    for secret in ("hunter2", "abc.def", "s3cr3t", "k3y"):
        assert secret not in output
    line = json.loads(output)
    assert line["headers"] == {"Cookie": "[redacted]", "Accept": "text/html"}
    assert line["severity"] == "ERROR"
    assert line["trace_id"] == TRACE


def test_exceptions_are_part_of_the_message() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert line["message"].startswith("failed\nTraceback")
    assert "ValueError: boom" in line["message"]


def test_redact_leaves_harmless_values_alone() -> None:
    assert redact({"status": 200, "path": "/x"}) == {"status": 200, "path": "/x"}
    assert redact(("a", None)) == ["a", None]
