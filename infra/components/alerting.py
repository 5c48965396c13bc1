"""Alert policies of the optional platform components (SLOs, audit), one way for all.

components/monitoring.py owns the notification channels; these policies page the same
people (its `channels`), with the same naming, severity and RUNBOOK pointer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_gcp import monitoring

M = monitoring


@dataclass(frozen=True)
class Paging:
    """Who is paged and how the policy is labelled."""

    project: str
    environment: str
    service_name: str
    channels: Sequence[pulumi.Input[str]]


def threshold(
    title: str,
    metric_filter: str,
    value: float,
    *,
    comparison: str = "COMPARISON_GT",
    duration: str = "0s",
    aligner: str | None = None,
    reducer: str | None = None,
    period: str = "60s",
) -> M.AlertPolicyConditionArgs:
    """A threshold condition; without an aligner the filter is used as it is (SLO filters)."""
    aggregations = (
        [
            M.AlertPolicyConditionConditionThresholdAggregationArgs(
                alignment_period=period, per_series_aligner=aligner, cross_series_reducer=reducer
            )
        ]
        if aligner
        else None
    )
    return M.AlertPolicyConditionArgs(
        display_name=title,
        condition_threshold=M.AlertPolicyConditionConditionThresholdArgs(
            filter=metric_filter,
            comparison=comparison,
            threshold_value=value,
            duration=duration,
            aggregations=aggregations,
            trigger=M.AlertPolicyConditionConditionThresholdTriggerArgs(count=1),
        ),
    )


def absent(title: str, metric_filter: str, duration: str) -> M.AlertPolicyConditionArgs:
    """Fires when the metric stops arriving (a dead database reports nothing at all)."""
    return M.AlertPolicyConditionArgs(
        display_name=title,
        condition_absent=M.AlertPolicyConditionConditionAbsentArgs(
            filter=metric_filter,
            duration=duration,
            aggregations=[
                M.AlertPolicyConditionConditionAbsentAggregationArgs(
                    alignment_period="60s", per_series_aligner="ALIGN_MAX"
                )
            ],
            trigger=M.AlertPolicyConditionConditionAbsentTriggerArgs(count=1),
        ),
    )


def policy(
    name: str,
    paging: Paging,
    title: str,
    conditions: list[M.AlertPolicyConditionArgs],
    *,
    combiner: str = "OR",
    page: bool = True,
    doc: str = "",
    opts: pulumi.ResourceOptions,
) -> M.AlertPolicy:
    """page=False: a ticket (WARNING) even in prod, e.g. a slow budget burn."""
    severity = "CRITICAL" if page and paging.environment == "prod" else "WARNING"
    runbook = f"See RUNBOOK.md for {paging.service_name} ({paging.environment})."
    return M.AlertPolicy(
        name,
        project=paging.project,
        display_name=f"{paging.service_name} {paging.environment}: {title}",
        combiner=combiner,
        conditions=conditions,
        notification_channels=list(paging.channels),
        severity=severity,
        documentation=M.AlertPolicyDocumentationArgs(
            mime_type="text/markdown", content=f"{doc} {runbook}".strip()
        ),
        user_labels={"environment": paging.environment},
        opts=opts,
    )
