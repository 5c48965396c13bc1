"""One JSON object per line on stdout, in the shape Cloud Logging parses.

https://cloud.google.com/logging/docs/structured-logging: ``severity`` and ``message`` are
lifted into the entry, ``logging.googleapis.com/trace`` (projects/<id>/traces/<trace id>)
links the line to the request's trace. Imported by gunicorn before Django is set up, so
nothing here may touch Django settings or models.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

REDACTED = "[redacted]"
# Keys whose values never reach a log line, wherever they appear in structured fields.
_SENSITIVE_KEY = re.compile(
    r"pass(word|wd)?|secret|token|api[_-]?key|cookie|authorization|session|csrf|credential",
    re.IGNORECASE,
)
# The same things written inline in a message: "password=hunter2", "Authorization: Bearer x".
_SENSITIVE_INLINE = re.compile(
    r"(?P<key>pass(?:word|wd)?|secret|token|api[_-]?key|cookie|authorization|sessionid"
    r"|csrftoken)(?P<sep>\s*[=:]\s*)(?P<value>bearer\s+\S+|basic\s+\S+|\"[^\"]*\"|'[^']*'|[^\s,;&]+)",
    re.IGNORECASE,
)
# Patterns spelled with [0-9a-f], never \d or str.isdigit(): those accept non-ASCII digits
# (a superscript two passes isdigit() and then breaks int()), and a header arrives as
# latin-1 text, so any byte above 0x7f reaches us as such a character.
_HEX_32 = re.compile(r"[0-9a-f]{32}")
_HEX_16 = re.compile(r"[0-9a-f]{16}")
_HEX_2 = re.compile(r"[0-9a-f]{2}")
_CLOUD_TRACE_ID = re.compile(r"[0-9a-fA-F]{32}")
_DECIMAL = re.compile(r"[0-9]{1,20}")
_ZERO_TRACE = "0" * 32
_ZERO_SPAN = "0" * 16


@dataclass(frozen=True)
class TraceContext:
    trace_id: str
    span_id: str | None = None
    sampled: bool = False


_current_trace: ContextVar[TraceContext | None] = ContextVar("current_trace", default=None)


def trace_from_headers(cloud_trace: str | None, traceparent: str | None) -> TraceContext:
    """The caller's trace (W3C traceparent, else X-Cloud-Trace-Context), or a fresh id.

    Anything malformed is ignored rather than trusted: a fresh trace id costs nothing, an
    exception here would fail the request before it is even logged.
    """
    return (
        _from_traceparent(traceparent)
        or _from_cloud_trace(cloud_trace)
        or TraceContext(secrets.token_hex(16))
    )


def _from_traceparent(header: str | None) -> TraceContext | None:
    """https://www.w3.org/TR/trace-context/#traceparent-header: lowercase hex only."""
    if not header:
        return None
    fields = header.strip().split("-")
    if len(fields) < 4:
        return None
    version, trace_id, span_id, flags = fields[:4]
    # Version ff is forbidden; version 00 has exactly four fields, later ones may add more.
    if not _HEX_2.fullmatch(version) or version == "ff" or (version == "00" and len(fields) > 4):
        return None
    if not (_HEX_32.fullmatch(trace_id) and _HEX_16.fullmatch(span_id) and _HEX_2.fullmatch(flags)):
        return None
    if trace_id == _ZERO_TRACE or span_id == _ZERO_SPAN:
        return None
    return TraceContext(trace_id, span_id, sampled=bool(int(flags, 16) & 1))


def _from_cloud_trace(header: str | None) -> TraceContext | None:
    """``TRACE_ID/SPAN_ID;o=OPTIONS``: 32 hex digits, then the span id in decimal (u64)."""
    if not header:
        return None
    trace_part, _, rest = header.strip().partition("/")
    if not _CLOUD_TRACE_ID.fullmatch(trace_part) or trace_part == _ZERO_TRACE:
        return None
    span, _, options = rest.partition(";")
    span_id = None
    if _DECIMAL.fullmatch(span) and 0 < int(span) < 2**64:
        span_id = f"{int(span):016x}"
    return TraceContext(trace_part.lower(), span_id, sampled=options.strip() == "o=1")


def bind_trace(context: TraceContext) -> Token[TraceContext | None]:
    return _current_trace.set(context)


def unbind_trace(token: Token[TraceContext | None]) -> None:
    _current_trace.reset(token)


@lru_cache(maxsize=1024)
def _is_sensitive_key(key: str) -> bool:
    # Structured fields reuse a handful of key names: the regex runs once per name.
    return _SENSITIVE_KEY.search(key) is not None


def _redact_text(value: str) -> str:
    # The inline pattern needs a "=" or ":" separator; most lines (every request line)
    # have neither, and skipping the regex for them is most of this function's cost.
    if "=" not in value and ":" not in value:
        return value
    return _SENSITIVE_INLINE.sub(lambda m: f"{m['key']}{m['sep']}{REDACTED}", value)


def redact(value: Any) -> Any:
    """A copy of ``value`` with secrets removed from nested dict keys and inline text."""
    if isinstance(value, str):
        return _redact_text(value)
    if isinstance(value, dict):
        return {
            key: REDACTED if _is_sensitive_key(str(key)) else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value


class AsWarningWithoutTraceback(logging.Filter):
    """Rewrites a record as a WARNING without its traceback.

    For expected noise Django logs at ERROR: a request naming a foreign Host
    (django.security.DisallowedHost) is a scanner, not a fault, and an ERROR with a stack
    trace per scan would trip the error-rate alert. The one-line message stays.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info, record.exc_text = None, None
        return True


class JsonFormatter(logging.Formatter):
    """Formats a record as a Cloud Logging structured entry.

    Structured fields come from ``extra={"fields": {...}}`` (e.g. ``httpRequest``); they are
    redacted like the message.
    """

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info:
            # Error Reporting finds the stack trace when it is part of the message.
            message = f"{message}\n{self.formatException(record.exc_info)}"
        entry: dict[str, Any] = {
            "severity": record.levelname,
            "message": redact(message),
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(redact(fields))
        trace = _current_trace.get()
        if trace is not None:
            entry["trace_id"] = trace.trace_id
            project = os.environ.get("GOOGLE_CLOUD_PROJECT", "").strip()
            if project:
                entry["logging.googleapis.com/trace"] = (
                    f"projects/{project}/traces/{trace.trace_id}"
                )
                entry["logging.googleapis.com/trace_sampled"] = trace.sampled
                if trace.span_id:
                    entry["logging.googleapis.com/spanId"] = trace.span_id
        return json.dumps(entry, default=str, ensure_ascii=False)
