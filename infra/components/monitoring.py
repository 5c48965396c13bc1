"""Notification channels, uptime check, alert policies and the golden-signals dashboard."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_gcp import monitoring

from components import PROJECT, child_opts
from components.dashboard import dashboard_json
from components.uptime import TITLE, uptime_condition

M = monitoring  # the Args class names are long enough already
RUN = 'resource.type="cloud_run_revision" AND resource.labels.service_name="{service}"'
SQL = 'resource.type="cloudsql_database" AND resource.labels.database_id="{database}"'


@dataclass(frozen=True)
class MonitoringArgs:
    """What to watch and the per-stack thresholds."""

    project: str
    environment: str
    service_name: str
    service_host: str
    uptime_check: bool  # only a publicly reachable service can be probed from outside
    job_name: str
    database_id: str  # "<project>:<instance>"
    emails: tuple[str, ...]
    error_rate: float
    latency_p95_ms: int
    cpu_utilization: float
    memory_utilization: float
    sql_cpu_utilization: float
    sql_disk_utilization: float
    max_connections: int
    connections_fraction: float
    # False on the bootstrap run / jobOnly deploys (no service yet) and without an image (no
    # job yet): an alert on something missing would page until the first deploy.
    service_declared: bool = True
    job_declared: bool = True


def _aggregation(aligner: str, reducer: str | None = None, period: str = "60s"):
    return M.AlertPolicyConditionConditionThresholdAggregationArgs(
        alignment_period=period, per_series_aligner=aligner, cross_series_reducer=reducer
    )


class Monitoring(pulumi.ComponentResource):
    """Alert policies notify every configured e-mail address."""

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{PROJECT}:monitoring:Monitoring", name, None, opts)
        self._name, self._args, self._opts = name, args, opts
        self.channels = [
            M.NotificationChannel(
                f"{name}-email-{index}",
                project=args.project,
                type="email",
                display_name=f"{args.service_name} {args.environment}: {email}",
                labels={"email_address": email},
                opts=child_opts(self, opts),
            )
            for index, email in enumerate(args.emails)
        ]
        run = RUN.format(service=args.service_name)
        sql = SQL.format(database=args.database_id)
        requests = f'{run} AND metric.type="run.googleapis.com/request_count"'
        if args.service_declared:
            self._threshold(
                "error-ratio",
                f"5xx ratio > {args.error_rate:.2%}",
                f'{requests} AND metric.labels.response_code_class="5xx"',
                args.error_rate,
                _aggregation("ALIGN_RATE", "REDUCE_SUM", "300s"),
                duration="300s",
                denominator=requests,
            )
            self._threshold(
                "latency-p95",
                f"p95 latency > {args.latency_p95_ms} ms",
                f'{run} AND metric.type="run.googleapis.com/request_latencies"',
                args.latency_p95_ms,
                _aggregation("ALIGN_PERCENTILE_95", "REDUCE_MAX", "300s"),
                duration="300s",
            )
            self._threshold(
                "container-cpu",
                f"container CPU > {args.cpu_utilization:.0%}",
                f'{run} AND metric.type="run.googleapis.com/container/cpu/utilizations"',
                args.cpu_utilization,
                _aggregation("ALIGN_PERCENTILE_95", "REDUCE_MAX", "300s"),
                duration="600s",
            )
            self._threshold(
                "container-memory",
                f"container memory > {args.memory_utilization:.0%}",
                f'{run} AND metric.type="run.googleapis.com/container/memory/utilizations"',
                args.memory_utilization,
                _aggregation("ALIGN_PERCENTILE_95", "REDUCE_MAX", "300s"),
                duration="600s",
            )
        if args.job_declared:
            self._threshold(
                "migration-failed",
                f"migration job {args.job_name} failed",
                'resource.type="cloud_run_job" AND '
                f'resource.labels.job_name="{args.job_name}" AND '
                'metric.type="run.googleapis.com/job/completed_execution_count" AND '
                'metric.labels.result="failed"',
                0,
                _aggregation("ALIGN_DELTA", "REDUCE_SUM", "300s"),
                duration="0s",
            )
        self._threshold(
            "sql-cpu",
            f"Cloud SQL CPU > {args.sql_cpu_utilization:.0%}",
            f'{sql} AND metric.type="cloudsql.googleapis.com/database/cpu/utilization"',
            args.sql_cpu_utilization,
            _aggregation("ALIGN_MEAN"),
            duration="600s",
        )
        self._threshold(
            "sql-disk",
            f"Cloud SQL disk > {args.sql_disk_utilization:.0%}",
            f'{sql} AND metric.type="cloudsql.googleapis.com/database/disk/utilization"',
            args.sql_disk_utilization,
            _aggregation("ALIGN_MEAN"),
            duration="600s",
        )
        self.connections_threshold = int(args.max_connections * args.connections_fraction)
        self._threshold(
            "sql-connections",
            f"Cloud SQL connections > {self.connections_threshold} "
            f"({args.connections_fraction:.0%} of max_connections {args.max_connections})",
            f'{sql} AND metric.type="cloudsql.googleapis.com/database/postgresql/num_backends"',
            self.connections_threshold,
            _aggregation("ALIGN_MAX", "REDUCE_SUM"),
            duration="300s",
        )
        if args.uptime_check and args.service_declared:
            condition = uptime_condition(
                f"{name}-uptime", args.project, args.service_name, args.environment,
                args.service_host, child_opts(self, opts),
            )  # fmt: skip
            self._policy("uptime-failed", TITLE, condition)
        M.Dashboard(
            f"{name}-dashboard",
            project=args.project,
            dashboard_json=dashboard_json(args.service_name, args.environment, run, sql),
            opts=child_opts(self, opts),
        )
        self.register_outputs({"channels": [c.name for c in self.channels]})

    def _threshold(
        self,
        key: str,
        title: str,
        metric_filter: str,
        threshold: float,
        aggregation: M.AlertPolicyConditionConditionThresholdAggregationArgs,
        *,
        duration: str,
        denominator: str | None = None,
    ) -> M.AlertPolicy:
        condition = M.AlertPolicyConditionConditionThresholdArgs(
            filter=metric_filter,
            comparison="COMPARISON_GT",
            threshold_value=threshold,
            duration=duration,
            aggregations=[aggregation],
            denominator_filter=denominator,
            denominator_aggregations=[
                M.AlertPolicyConditionConditionThresholdDenominatorAggregationArgs(
                    alignment_period=aggregation.alignment_period,
                    per_series_aligner=aggregation.per_series_aligner,
                    cross_series_reducer=aggregation.cross_series_reducer,
                )
            ]
            if denominator
            else None,
            trigger=M.AlertPolicyConditionConditionThresholdTriggerArgs(count=1),
        )
        return self._policy(
            key,
            title,
            M.AlertPolicyConditionArgs(display_name=title, condition_threshold=condition),
        )

    def _policy(self, key: str, title: str, condition: M.AlertPolicyConditionArgs) -> M.AlertPolicy:
        args = self._args
        return M.AlertPolicy(
            f"{self._name}-{key}",
            project=args.project,
            display_name=f"{args.service_name} {args.environment}: {title}",
            combiner="OR",
            conditions=[condition],
            notification_channels=[channel.name for channel in self.channels],
            severity="CRITICAL" if args.environment == "prod" else "WARNING",
            documentation=M.AlertPolicyDocumentationArgs(
                mime_type="text/markdown",
                content=f"See RUNBOOK.md for {args.service_name} ({args.environment}).",
            ),
            user_labels={"environment": args.environment},
            opts=child_opts(self, self._opts, depends_on=self.channels),
        )
