"""Audit and retention: Data Access audit logs for the services holding the keys to the
data (Secret Manager, Cloud SQL, IAM), the _Default log bucket's retention, and a log-based
metric counting the application's ERROR lines with an alert on it.

Admin Activity audit logs are always on and free; Data Access logs (who read which secret,
who connected to the database) are off by default in Google Cloud because they are billed
as log volume, hence opt-in per stack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_gcp import logging, projects

from components import PROJECT, child_opts
from components.alerting import Paging, policy, threshold

AUDITED_SERVICES = (
    "secretmanager.googleapis.com",
    "cloudsql.googleapis.com",
    "iam.googleapis.com",
)
DATA_ACCESS_TYPES = ("DATA_READ", "DATA_WRITE")


@dataclass(frozen=True)
class AuditArgs:
    project: str
    environment: str
    service_name: str
    job_name: str
    data_access_logs: bool
    log_retention_days: int
    error_lines_threshold: int
    channels: Sequence[pulumi.Input[str]]


def error_lines_filter(service_name: str, job_name: str) -> str:
    """ERROR and worse from the service's revisions and the migration job (the app's own)."""
    return (
        f'((resource.type="cloud_run_revision" AND resource.labels.service_name="{service_name}")'
        f' OR (resource.type="cloud_run_job" AND resource.labels.job_name="{job_name}"))'
        " AND severity>=ERROR"
    )


class AuditAndRetention(pulumi.ComponentResource):
    def __init__(self, name: str, args: AuditArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{PROJECT}:logging:AuditAndRetention", name, None, opts)
        if args.data_access_logs:
            for service in AUDITED_SERVICES:
                projects.IAMAuditConfig(
                    f"{name}-{service.split('.')[0]}",
                    project=args.project,
                    service=service,
                    audit_log_configs=[
                        projects.IAMAuditConfigAuditLogConfigArgs(log_type=log_type)
                        for log_type in DATA_ACCESS_TYPES
                    ],
                    opts=child_opts(self, opts),
                )
        # _Default exists in every project: the config adopts it and only sets its retention.
        logging.ProjectBucketConfig(
            f"{name}-default-bucket",
            project=args.project,
            location="global",
            bucket_id="_Default",
            retention_days=args.log_retention_days,
            opts=child_opts(self, opts),
        )
        metric_name = f"{args.service_name}-app-errors"
        metric = logging.Metric(
            f"{name}-app-errors",
            project=args.project,
            name=metric_name,
            description=f"ERROR log lines of {args.service_name} and its migration job",
            filter=error_lines_filter(args.service_name, args.job_name),
            metric_descriptor=logging.MetricMetricDescriptorArgs(
                metric_kind="DELTA", value_type="INT64", unit="1"
            ),
            opts=child_opts(self, opts),
        )
        paging = Paging(args.project, args.environment, args.service_name, args.channels)
        lines = args.error_lines_threshold
        policy(
            f"{name}-app-errors",
            paging,
            f"more than {lines} application ERROR log lines in 5 min",
            [
                threshold(
                    f"ERROR lines > {lines} in 5 min",
                    f'metric.type="logging.googleapis.com/user/{metric_name}"',
                    lines,
                    aligner="ALIGN_DELTA",
                    reducer="REDUCE_SUM",
                    period="300s",
                )
            ],
            doc="Read the lines in Logs Explorer with the metric's filter.",
            # The policy names the metric's type: it must exist first.
            opts=child_opts(self, opts, depends_on=[metric]),
        )
        self.metric_name = metric_name
        self.register_outputs({"errorMetric": metric_name})
