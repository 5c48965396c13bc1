"""Golden signals (traffic, errors, latency, saturation) as a Monitoring dashboard JSON."""

from __future__ import annotations

import json


def _chart(title: str, metric_filter: str, aligner: str, reducer: str, group_by: list[str]) -> dict:
    return {
        "title": title,
        "xyChart": {
            "dataSets": [
                {
                    "plotType": "LINE",
                    "timeSeriesQuery": {
                        "timeSeriesFilter": {
                            "filter": metric_filter,
                            "aggregation": {
                                "alignmentPeriod": "60s",
                                "perSeriesAligner": aligner,
                                "crossSeriesReducer": reducer,
                                "groupByFields": group_by,
                            },
                        }
                    },
                }
            ]
        },
    }


def dashboard_json(service: str, environment: str, run_filter: str, sql_filter: str) -> str:
    def run(metric: str) -> str:
        return f'{run_filter} AND metric.type="run.googleapis.com/{metric}"'

    def sql(metric: str) -> str:
        return f'{sql_filter} AND metric.type="cloudsql.googleapis.com/database/{metric}"'

    by_revision = ["resource.label.revision_name"]
    by_class = ["metric.label.response_code_class"]
    charts = [
        _chart(
            "Requests/s by status class", run("request_count"), "ALIGN_RATE", "REDUCE_SUM", by_class
        ),
        _chart(
            "Latency p95 (ms) by revision",
            run("request_latencies"),
            "ALIGN_PERCENTILE_95",
            "REDUCE_MAX",
            by_revision,
        ),
        _chart(
            "Latency p50 (ms) by revision",
            run("request_latencies"),
            "ALIGN_PERCENTILE_50",
            "REDUCE_MAX",
            by_revision,
        ),
        _chart(
            "Instances", run("container/instance_count"), "ALIGN_MAX", "REDUCE_SUM", by_revision
        ),
        _chart(
            "Container CPU p95",
            run("container/cpu/utilizations"),
            "ALIGN_PERCENTILE_95",
            "REDUCE_MAX",
            by_revision,
        ),
        _chart(
            "Container memory p95",
            run("container/memory/utilizations"),
            "ALIGN_PERCENTILE_95",
            "REDUCE_MAX",
            by_revision,
        ),
        _chart("Cloud SQL CPU", sql("cpu/utilization"), "ALIGN_MEAN", "REDUCE_MAX", []),
        _chart(
            "Cloud SQL connections", sql("postgresql/num_backends"), "ALIGN_MAX", "REDUCE_SUM", []
        ),
        _chart("Cloud SQL disk", sql("disk/utilization"), "ALIGN_MEAN", "REDUCE_MAX", []),
    ]
    tiles = [
        {"xPos": (i % 3) * 16, "yPos": (i // 3) * 16, "width": 16, "height": 16, "widget": c}
        for i, c in enumerate(charts)
    ]
    return json.dumps(
        {
            "displayName": f"{service} {environment}: golden signals",
            "mosaicLayout": {"columns": 48, "tiles": tiles},
        },
        sort_keys=True,
    )
