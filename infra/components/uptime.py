"""The external uptime check on /health/live/ and the alert condition that watches it.

Only for a publicly reachable service that exists (components/monitoring.py decides).
"""

from __future__ import annotations

import pulumi
from pulumi_gcp import monitoring

M = monitoring  # the Args class names are long enough already

TITLE = "uptime check on /health/live/ failing"


def uptime_condition(
    name: str,
    project: str,
    service_name: str,
    environment: str,
    host: str,
    opts: pulumi.ResourceOptions,
) -> M.AlertPolicyConditionArgs:
    """Declare the check; return the condition that fires when it fails from 2+ regions."""
    check = M.UptimeCheckConfig(
        name,
        project=project,
        display_name=f"{service_name} {environment} /health/live/",
        timeout="10s",
        period="60s",
        http_check=M.UptimeCheckConfigHttpCheckArgs(
            path="/health/live/",
            port=443,
            use_ssl=True,
            validate_ssl=True,
            accepted_response_status_codes=[
                M.UptimeCheckConfigHttpCheckAcceptedResponseStatusCodeArgs(status_value=200)
            ],
        ),
        monitored_resource=M.UptimeCheckConfigMonitoredResourceArgs(
            type="uptime_url", labels={"host": host, "project_id": project}
        ),
        opts=opts,
    )
    failing = check.uptime_check_id.apply(
        lambda check_id: (
            'resource.type="uptime_url" AND '
            'metric.type="monitoring.googleapis.com/uptime_check/check_passed" AND '
            f'metric.labels.check_id="{check_id}"'
        )
    )
    threshold = M.AlertPolicyConditionConditionThresholdArgs(
        filter=failing,
        comparison="COMPARISON_GT",
        threshold_value=1,
        duration="120s",
        aggregations=[
            M.AlertPolicyConditionConditionThresholdAggregationArgs(
                alignment_period="120s",
                per_series_aligner="ALIGN_NEXT_OLDER",
                cross_series_reducer="REDUCE_COUNT_FALSE",
                group_by_fields=["resource.label.*"],
            )
        ],
        trigger=M.AlertPolicyConditionConditionThresholdTriggerArgs(count=1),
    )
    return M.AlertPolicyConditionArgs(display_name=TITLE, condition_threshold=threshold)
