"""Trace-context parsing: W3C traceparent and X-Cloud-Trace-Context, ASCII only.

Headers reach WSGI as latin-1 text, so a byte such as 0xB2 arrives as "²": str.isdigit()
says yes, int() raises. Every malformed value must fall back to a fresh trace id.
"""

from __future__ import annotations

import logging

import pytest

from core.logging import AsWarningWithoutTraceback, TraceContext, trace_from_headers

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"
LATIN1 = "latin-1"


def _fresh(context: TraceContext) -> bool:
    return context.trace_id != TRACE and len(context.trace_id) == 32 and context.span_id is None


@pytest.mark.parametrize("raw", [b"\xb2", b"\xb3", b"\xb9", b"1\xb2", b"\xb9\xb9\xb9"])
def test_superscript_digits_in_the_cloud_span_id_are_ignored_not_raised(raw: bytes) -> None:
    header = f"{TRACE}/".encode() + raw + b";o=1"

    context = trace_from_headers(header.decode(LATIN1), None)

    # The trace id is valid and kept; the span id is not decimal ASCII, so it is dropped.
    assert context == TraceContext(TRACE, None, sampled=True)


@pytest.mark.parametrize(
    "span", ["0", str(2**64), "-1", "+5", " 5", "1_000", "\u0663", "\uff11\uff12"]
)
def test_cloud_span_id_must_be_a_nonzero_u64_in_ascii_decimal(span: str) -> None:
    assert trace_from_headers(f"{TRACE}/{span};o=0", None).span_id is None


def test_cloud_span_id_at_the_u64_limit_is_kept() -> None:
    assert trace_from_headers(f"{TRACE}/{2**64 - 1}", None).span_id == "f" * 16


@pytest.mark.parametrize(
    "cloud",
    ["0" * 32 + "/1;o=1", "g" * 32 + "/1", TRACE[:31] + "²/1", TRACE + "0/1", "/1;o=1"],
)
def test_invalid_cloud_trace_ids_get_a_fresh_trace(cloud: str) -> None:
    assert _fresh(trace_from_headers(cloud, None))


@pytest.mark.parametrize(
    "traceparent",
    [
        f"00-{'0' * 32}-{SPAN}-01",  # all-zero trace id
        f"00-{TRACE}-{'0' * 16}-01",  # all-zero span id
        f"ff-{TRACE}-{SPAN}-01",  # version ff is forbidden
        f"00-{TRACE.upper()}-{SPAN}-01",  # uppercase hex is invalid
        f"00-{TRACE}-{SPAN}-01-extra",  # version 00 has exactly four fields
        f"00-{TRACE}-{SPAN}-0²",
        f"0²-{TRACE}-{SPAN}-01",
        f"00-{TRACE}-{SPAN}-1",
    ],
)
def test_invalid_traceparent_is_ignored(traceparent: str) -> None:
    assert _fresh(trace_from_headers(None, traceparent))


def test_future_traceparent_versions_may_carry_more_fields() -> None:
    context = trace_from_headers(None, f"01-{TRACE}-{SPAN}-03-whatever")
    assert context == TraceContext(TRACE, SPAN, sampled=True)


def test_invalid_traceparent_falls_back_to_a_valid_cloud_header() -> None:
    context = trace_from_headers(f"{TRACE}/10;o=1", f"00-{'0' * 32}-{SPAN}-01")
    assert context == TraceContext(TRACE, f"{10:016x}", sampled=True)


def test_every_latin1_byte_anywhere_in_either_header_never_raises() -> None:
    for byte in range(256):
        char = bytes([byte]).decode(LATIN1)
        for cloud in (f"{TRACE}/{char}", f"{char}{TRACE[1:]}/1", f"{TRACE}/1;o={char}"):
            trace_from_headers(cloud, None)
        trace_from_headers(None, f"00-{TRACE}-{SPAN[:-1]}{char}-01")


def test_as_warning_filter_drops_the_traceback_and_the_error_level() -> None:
    try:
        raise ValueError("Invalid HTTP_HOST header: 'evil.example'")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "bad host", (), sys.exc_info())
    assert AsWarningWithoutTraceback().filter(record)
    assert (record.levelno, record.levelname, record.exc_info) == (logging.WARNING, "WARNING", None)
