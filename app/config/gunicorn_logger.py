"""gunicorn's logger without its access log.

The Django side writes one JSON line per request (core.request_log), so gunicorn's access
line is not wanted; but with ``logconfig_dict`` set, gunicorn still builds every access
field (a dozen atoms, a strftime, header scans) before the handler level drops the line:
9-12% of the CPU of a /health/live/ request (issue 13). This class never builds them.
"""

from __future__ import annotations

from gunicorn.glogging import Logger


class NoAccessLogger(Logger):
    def _compute_access_log_enabled(self) -> bool:
        return False

    def access(self, resp, req, environ, request_time) -> None:
        return None
