"""The floor: a bare WSGI app served by the same gunicorn command line and config.

It answers every path with a tiny JSON 200, so the cold start probe (/health/ready/) and
the throughput probe (/health/live/) measure gunicorn + Python alone.
"""

from collections.abc import Callable, Iterable
from typing import Any

_BODY = b'{"status": "ok"}'
_HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(_BODY)))]


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", _HEADERS)
    return [_BODY]
