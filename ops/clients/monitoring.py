"""Request count, 5xx count and p95 latency of one Cloud Run revision over a time range, and
the error budget left in an SLO.

``CloudMonitoring`` reads Cloud Monitoring through the official client
(google-cloud-monitoring; that library only speaks gRPC, so the local fake in the release
suite is a gRPC server on 127.0.0.1). The gates only see the ``MetricsSource`` and
``ErrorBudgetSource`` Protocols.

The budget comes from the SLO time-series selector ``select_slo_budget_fraction("<SLO
name>")`` in timeSeries.list's filter (Cloud Monitoring, "Retrieving SLO data"): SLO data is
not stored under a metric type, only a selector reads it. Its value is the fraction of the
SLO's error budget still unspent over the compliance window: 1 untouched, 0 exhausted,
below 0 overspent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, cast

from google.cloud import monitoring_v3

from ops.clients.endpoints import Endpoint, credentials, endpoint
from ops.clients.retry import Backoff, api_retry

REQUEST_COUNT = "run.googleapis.com/request_count"
REQUEST_LATENCIES = "run.googleapis.com/request_latencies"
MIN_ALIGNMENT = 60  # Cloud Monitoring refuses alignment periods under 60 s
BUDGET_LOOKBACK = 3600  # the newest budget point of the last hour counts; older is no data


@dataclass(frozen=True)
class WindowStats:
    """What a revision served over a range. ``p95_ms`` is None when nothing was measured."""

    requests: int
    errors_5xx: int
    p95_ms: float | None

    @property
    def error_ratio(self) -> float:
        return self.errors_5xx / self.requests if self.requests else 0.0


EMPTY = WindowStats(0, 0, None)


class MetricsSource(Protocol):
    def stats(self, *, revision: str, start: float, end: float) -> WindowStats:
        """Everything ``revision`` served between the two epoch seconds."""
        ...


class ErrorBudgetSource(Protocol):
    def budget_remaining(self, *, slo: str, at: float) -> float | None:
        """Fraction of ``slo``'s error budget left at ``at`` (epoch seconds); None: no point."""
        ...


def budget_filter(slo: str) -> str:
    return f'select_slo_budget_fraction("{slo}")'


def _channel_transport(where: Endpoint):  # the fake speaks plaintext gRPC on loopback
    import grpc
    from google.cloud.monitoring_v3.services.metric_service.transports import (
        MetricServiceGrpcTransport,
    )

    target = (where.url or "").removeprefix("http://")
    return MetricServiceGrpcTransport(channel=grpc.insecure_channel(target))


class CloudMonitoring:
    """MetricsSource over timeSeries.list, one aligned point per series for the range."""

    def __init__(
        self, *, project: str, service: str, where: Endpoint | None = None,
        backoff: Backoff | None = None,
    ) -> None:  # fmt: skip
        where = where or endpoint("monitoring")
        if where.local:
            self._client = monitoring_v3.MetricServiceClient(transport=_channel_transport(where))
        else:  # pragma: no cover - real credentials
            self._client = monitoring_v3.MetricServiceClient(credentials=credentials(where))
        self._project, self._service = project, service
        self._retry = api_retry(backoff)

    def _series(
        self, metric: str, revision: str, start: float, end: float,
        reducer: monitoring_v3.Aggregation.Reducer, group_by: list[str],
    ) -> list[monitoring_v3.TimeSeries]:  # fmt: skip
        period = max(MIN_ALIGNMENT, round(end - start))
        request = monitoring_v3.ListTimeSeriesRequest(
            name=f"projects/{self._project}",
            filter=(
                f'metric.type = "{metric}" AND resource.type = "cloud_run_revision" AND '
                f'resource.labels.service_name = "{self._service}" AND '
                f'resource.labels.revision_name = "{revision}"'
            ),
            interval=monitoring_v3.TimeInterval(
                start_time=datetime.fromtimestamp(start, UTC),
                end_time=datetime.fromtimestamp(end, UTC),
            ),
            aggregation=monitoring_v3.Aggregation(
                alignment_period={"seconds": period},
                per_series_aligner=monitoring_v3.Aggregation.Aligner.ALIGN_DELTA,
                cross_series_reducer=reducer,
                group_by_fields=group_by,
            ),
        )
        return list(self._client.list_time_series(request=request, retry=self._retry))

    def stats(self, *, revision: str, start: float, end: float) -> WindowStats:
        reducer = monitoring_v3.Aggregation.Reducer
        counts = self._series(REQUEST_COUNT, revision, start, end, reducer.REDUCE_SUM,
                              ["metric.labels.response_code_class"])  # fmt: skip
        latencies = self._series(REQUEST_LATENCIES, revision, start, end,
                                 reducer.REDUCE_PERCENTILE_95, [])  # fmt: skip
        total = errors = 0
        for series in counts:
            count = sum(int(p.value.int64_value) for p in series.points)
            total += count
            if series.metric.labels.get("response_code_class") == "5xx":
                errors += count
        values = [p.value.double_value for s in latencies for p in s.points]
        # The worst aligned point: conservative when the range spans more than one.
        return WindowStats(total, errors, max(values) if values else None)

    def budget_remaining(self, *, slo: str, at: float) -> float | None:
        """The newest point of the last hour; errors after the retries propagate."""
        request = monitoring_v3.ListTimeSeriesRequest(
            name=f"projects/{self._project}",
            filter=budget_filter(slo),
            interval=monitoring_v3.TimeInterval(
                start_time=datetime.fromtimestamp(at - BUDGET_LOOKBACK, UTC),
                end_time=datetime.fromtimestamp(at, UTC),
            ),
            view=monitoring_v3.ListTimeSeriesRequest.TimeSeriesView.FULL,
        )
        series = self._client.list_time_series(request=request, retry=self._retry)
        points = [point for s in series for point in s.points]
        if not points:
            return None
        # proto-plus hands Timestamps out as datetimes; the API lists newest first, but
        # picking the newest does not depend on that.
        newest = max(points, key=lambda p: cast(datetime, p.interval.end_time))
        return newest.value.double_value
