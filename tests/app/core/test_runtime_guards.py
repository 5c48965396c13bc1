"""In-process checks of the runtime guards; the end-to-end proofs are in tests/drills and
tests/app/test_login_throttle.py, test_security_headers.py."""

from __future__ import annotations

import io
import json
import logging
from types import SimpleNamespace

import pytest
from django.db import OperationalError
from django.http import HttpResponse
from django.test import Client, RequestFactory

from config.shutdown import InFlight, report_cut, schedule_cut_report
from core.db_unavailable import DatabaseUnavailableMiddleware
from core.logging import JsonFormatter
from core.login_throttle import client_ip


def _ok(request) -> HttpResponse:
    return HttpResponse("ok")


def test_operational_error_becomes_503_with_retry_after(caplog: pytest.LogCaptureFixture) -> None:
    middleware = DatabaseUnavailableMiddleware(_ok)
    request = RequestFactory().get("/")
    error = OperationalError("couldn't get a connection after 1.00 sec\nmore context")

    with caplog.at_level(logging.WARNING, logger="core.db_unavailable"):
        response = middleware.process_exception(request, error)

    assert response is not None
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert b"Temporarily unavailable" in response.content
    [record] = caplog.records
    assert record.levelname == "WARNING"
    assert record.getMessage().endswith("couldn't get a connection after 1.00 sec")
    assert record.exc_info is None


def test_other_exceptions_are_left_to_django() -> None:
    middleware = DatabaseUnavailableMiddleware(_ok)
    assert middleware.process_exception(RequestFactory().get("/"), ValueError("bug")) is None
    assert middleware(RequestFactory().get("/")).content == b"ok"


@pytest.mark.django_db
def test_every_response_gets_the_policy_headers(client: Client) -> None:
    for path in ("/", "/no-such-page/"):
        response = client.get(path)
        assert "default-src 'self'" in response["Content-Security-Policy"]
        assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.parametrize(
    ("forwarded", "proxy", "expected"),
    [
        ("203.0.113.1, 198.51.100.2", True, "198.51.100.2"),
        ("203.0.113.1", False, "127.0.0.9"),
        ("", True, "127.0.0.9"),
    ],
)
def test_client_ip_trusts_only_the_proxys_entry(
    settings, forwarded: str, proxy: bool, expected: str
) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if proxy else None
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="127.0.0.9")
    assert client_ip(request) == expected


def test_cut_requests_are_named_in_one_error_line_each() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("core.shutdown")
    logger.addHandler(handler)
    in_flight = InFlight()
    slow = SimpleNamespace(method="POST", path="/admin/login/", headers=[("USER-AGENT", "x")])
    done = SimpleNamespace(method="GET", path="/", headers=[])
    try:
        in_flight.started(slow)
        in_flight.started(done)
        in_flight.finished(done)
        assert report_cut(in_flight, graceful_timeout=8) == 1
        schedule_cut_report(InFlight(), graceful_timeout=0).join(timeout=5)
    finally:
        logger.removeHandler(handler)
    [line] = [json.loads(x) for x in stream.getvalue().splitlines()]
    assert line["severity"] == "ERROR"
    assert line["message"].startswith("POST /admin/login/ still running")
    assert "8s graceful timeout" in line["message"]
    assert line["httpRequest"] == {"requestMethod": "POST", "requestUrl": "/admin/login/"}
