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
_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
_SPAN_ID = re.compile(r"^[0-9a-f]{16}$")


@dataclass(frozen=True)
class TraceContext:
    trace_id: str
    span_id: str | None = None
    sampled: bool = False


_current_trace: ContextVar[TraceContext | None] = ContextVar("current_trace", default=None)


def trace_from_headers(cloud_trace: str | None, traceparent: str | None) -> TraceContext:
    """The caller's trace (W3C traceparent, else X-Cloud-Trace-Context), or a fresh id."""
    if traceparent:
        parts = traceparent.strip().lower().split("-")
        if len(parts) == 4 and _TRACE_ID.match(parts[1]) and _SPAN_ID.match(parts[2]):
            sampled = bool(int(parts[3], 16) & 1) if re.match(r"^[0-9a-f]{2}$", parts[3]) else False
            return TraceContext(parts[1], parts[2], sampled)
    if cloud_trace:
        # TRACE_ID/SPAN_ID;o=OPTIONS, span id in decimal.
        trace_part, _, rest = cloud_trace.strip().partition("/")
        trace_id = trace_part.lower()
        if _TRACE_ID.match(trace_id):
            span, _, options = rest.partition(";")
            span_id = f"{int(span):016x}" if span.isdigit() and int(span) < 2**64 else None
            return TraceContext(trace_id, span_id, options.strip() == "o=1")
    return TraceContext(secrets.token_hex(16))


def bind_trace(context: TraceContext) -> Token[TraceContext | None]:
    return _current_trace.set(context)


def unbind_trace(token: Token[TraceContext | None]) -> None:
    _current_trace.reset(token)


def redact(value: Any) -> Any:
    """A copy of ``value`` with secrets removed from nested dict keys and inline text."""
    if isinstance(value, dict):
        return {
            key: REDACTED if _SENSITIVE_KEY.search(str(key)) else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return _SENSITIVE_INLINE.sub(lambda m: f"{m['key']}{m['sep']}{REDACTED}", value)
    return value


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
