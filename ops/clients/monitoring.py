"""Request count, 5xx count and p95 latency of one Cloud Run revision, from Cloud Monitoring.

The rollout controller only sees the ``MetricsSource`` Protocol; ``CloudMonitoring`` is the
real one (timeSeries.list over REST), tests use synthetic series.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from ops.clients.google_api import HttpSession, call

MONITORING = "https://monitoring.googleapis.com/v3"
REQUEST_COUNT = "run.googleapis.com/request_count"
REQUEST_LATENCIES = "run.googleapis.com/request_latencies"


@dataclass(frozen=True)
class WindowStats:
    """What a revision served over one window. ``p95_ms`` is None when nothing was measured."""

    requests: int
    errors_5xx: int
    p95_ms: float | None

    @property
    def error_ratio(self) -> float:
        return self.errors_5xx / self.requests if self.requests else 0.0


class MetricsSource(Protocol):
    def window(self, *, revision: str, seconds: int) -> WindowStats: ...


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _point_number(point: dict[str, Any]) -> float:
    value = point.get("value") or {}
    # int64Value arrives as a JSON string; doubleValue as a number.
    raw = value.get("int64Value", value.get("doubleValue", 0))
    return float(raw)


def count_requests(series: list[dict[str, Any]]) -> tuple[int, int]:
    """(all requests, 5xx requests) from request_count series grouped by code class."""
    total = errors = 0
    for one in series:
        code_class = ((one.get("metric") or {}).get("labels") or {}).get("response_code_class")
        count = int(sum(_point_number(p) for p in one.get("points") or []))
        total += count
        if code_class == "5xx":
            errors += count
    return total, errors


def worst_p95(series: list[dict[str, Any]]) -> float | None:
    """The highest p95 among the aligned points (conservative if the window spans two)."""
    values = [_point_number(p) for one in series for p in one.get("points") or []]
    return max(values) if values else None


class CloudMonitoring:
    """MetricsSource over the Monitoring REST API (project-level timeSeries.list)."""

    def __init__(
        self,
        session: HttpSession,
        *,
        project: str,
        service: str,
        now: Callable[[], float] = time.time,
    ):
        self._session = session
        self._project = project
        self._service = service
        self._now = now

    def _series(self, metric: str, revision: str, seconds: int, **aggregation: str) -> list:
        end = datetime.fromtimestamp(self._now(), UTC)
        params = {
            "filter": (
                f'metric.type = "{metric}" AND resource.type = "cloud_run_revision" AND '
                f'resource.labels.service_name = "{self._service}" AND '
                f'resource.labels.revision_name = "{revision}"'
            ),
            "interval.startTime": _rfc3339(end - timedelta(seconds=seconds)),
            "interval.endTime": _rfc3339(end),
            # One aligned point per series for the whole window.
            "aggregation.alignmentPeriod": f"{seconds}s",
            "aggregation.perSeriesAligner": "ALIGN_DELTA",
            **{f"aggregation.{key}": value for key, value in aggregation.items()},
        }
        url = f"{MONITORING}/projects/{self._project}/timeSeries"
        series: list = []
        while True:
            page = call(self._session, "GET", url, params=params)
            series.extend(page.get("timeSeries") or [])
            token = page.get("nextPageToken")
            if not token:
                return series
            params["pageToken"] = token

    def window(self, *, revision: str, seconds: int) -> WindowStats:
        counts = self._series(
            REQUEST_COUNT, revision, seconds, crossSeriesReducer="REDUCE_SUM",
            groupByFields="metric.labels.response_code_class",
        )  # fmt: skip
        latencies = self._series(
            REQUEST_LATENCIES, revision, seconds, crossSeriesReducer="REDUCE_PERCENTILE_95"
        )
        total, errors = count_requests(counts)
        return WindowStats(requests=total, errors_5xx=errors, p95_ms=worst_p95(latencies))
