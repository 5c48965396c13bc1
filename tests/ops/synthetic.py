"""Synthetic Cloud Monitoring series and a MetricsSource that replays them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ops.clients.monitoring import WindowStats, count_requests, worst_p95


def count_series(by_class: dict[str, int]) -> list[dict[str, Any]]:
    """request_count grouped by response_code_class, as timeSeries.list returns it."""
    return [
        {
            "metric": {"labels": {"response_code_class": code_class}},
            "points": [{"value": {"int64Value": str(count)}}],
        }
        for code_class, count in by_class.items()
    ]


def latency_series(p95_ms: float | None) -> list[dict[str, Any]]:
    if p95_ms is None:
        return []
    return [{"points": [{"value": {"doubleValue": p95_ms}}]}]


def window(by_class: dict[str, int], p95_ms: float | None) -> WindowStats:
    total, errors = count_requests(count_series(by_class))
    return WindowStats(total, errors, worst_p95(latency_series(p95_ms)))


HEALTHY = window({"2xx": 990, "4xx": 5, "5xx": 5}, 180.0)  # 0.5% errors, 180 ms
ERRORS_2PCT = window({"2xx": 980, "5xx": 20}, 200.0)
SLOW = window({"2xx": 1000}, 1500.0)
NO_DATA = window({}, None)


@dataclass
class ReplayMetrics:
    """Returns the next window per call (the last one repeats)."""

    windows: list[WindowStats]
    asked: list[tuple[str, int]] = field(default_factory=list)

    def window(self, *, revision: str, seconds: int) -> WindowStats:
        self.asked.append((revision, seconds))
        return self.windows.pop(0) if len(self.windows) > 1 else self.windows[0]
