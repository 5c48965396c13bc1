"""SLOs as code: a custom Cloud Monitoring service, availability and latency SLOs on the
Cloud Run request metrics, and multi-window, multi-burn-rate alerts (the SRE workbook,
chapter "Alerting on SLOs"); plus alerts for no ready instance and an unreachable database.

A burn rate of 1 spends the whole error budget in exactly the SLO window. Each alert pairs
a long window (is enough budget gone?) with a short one (is it still burning?), so it fires
fast and stops soon after the burn stops. Thresholds follow from the window: spending
`budget` of the budget within `long` means a burn rate of budget x window / long (for 30
days: 2% in 1 h = 14.4x, 5% in 6 h = 6x, 10% in 3 days = 1x).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_gcp import monitoring

from components import PROJECT, child_opts
from components.alerting import Paging, absent, policy, threshold

M = monitoring
RUN = 'resource.type="cloud_run_revision" AND resource.labels.service_name="{service}"'
SQL = 'resource.type="cloudsql_database" AND resource.labels.database_id="{database}"'
HOUR = 3600


@dataclass(frozen=True)
class BurnWindow:
    """Alert when `budget` (a fraction of the error budget) is spent within `long_s`."""

    key: str
    budget: float
    long_s: int
    short_s: int
    page: bool  # False: a ticket, not a page

    def burn_rate(self, window_days: int) -> float:
        return round(self.budget * window_days * 24 * HOUR / self.long_s, 2)


BURN_WINDOWS = (
    BurnWindow("fast-burn", 0.02, 1 * HOUR, 5 * 60, page=True),
    BurnWindow("medium-burn", 0.05, 6 * HOUR, 30 * 60, page=True),
    BurnWindow("slow-burn", 0.10, 72 * HOUR, 6 * HOUR, page=False),
)


@dataclass(frozen=True)
class SloArgs:
    project: str
    environment: str
    service_name: str
    database_id: str  # "<project>:<instance>"
    availability_goal: float
    latency_goal: float
    latency_threshold_ms: int
    window_days: int
    min_instances: int  # with 0, no instance is the normal idle state: no alert for it
    channels: Sequence[pulumi.Input[str]]


def burn_rate_filter(slo_name: str, seconds: int) -> str:
    return f'select_slo_burn_rate("{slo_name}", "{seconds}s")'


class ServiceLevels(pulumi.ComponentResource):
    """The service's SLOs and the alerts that protect their error budgets."""

    def __init__(self, name: str, args: SloArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{PROJECT}:monitoring:ServiceLevels", name, None, opts)
        self._name, self._opts = name, opts
        paging = Paging(args.project, args.environment, args.service_name, args.channels)
        run = RUN.format(service=args.service_name)
        service_id = f"{args.service_name}-{args.environment}"
        service = M.GenericService(
            f"{name}-service",
            project=args.project,
            service_id=service_id,
            display_name=f"{args.service_name} ({args.environment})",
            user_labels={"environment": args.environment},
            opts=child_opts(self, opts),
        )
        requests = f'{run} AND metric.type="run.googleapis.com/request_count"'
        availability = M.SloRequestBasedSliArgs(
            good_total_ratio=M.SloRequestBasedSliGoodTotalRatioArgs(
                total_service_filter=requests,
                bad_service_filter=f'{requests} AND metric.labels.response_code_class="5xx"',
            )
        )
        latency = M.SloRequestBasedSliArgs(
            distribution_cut=M.SloRequestBasedSliDistributionCutArgs(
                distribution_filter=f'{run} AND metric.type="run.googleapis.com/request_latencies"',
                range=M.SloRequestBasedSliDistributionCutRangeArgs(max=args.latency_threshold_ms),
            )
        )
        # The SLO's full name is known before it exists: alerts can name it without waiting.
        self.slo_names: dict[str, str] = {}
        fast_enough = f"requests within {args.latency_threshold_ms} ms"
        for key, goal, sli, what in (
            ("availability", args.availability_goal, availability, "requests not 5xx"),
            ("latency", args.latency_goal, latency, fast_enough),
        ):
            slo = M.Slo(
                f"{name}-{key}",
                project=args.project,
                service=service.service_id,
                slo_id=key,
                display_name=f"{goal:.2%} of {what} over {args.window_days} days",
                goal=goal,
                rolling_period_days=args.window_days,
                request_based_sli=sli,
                user_labels={"environment": args.environment},
                opts=child_opts(self, opts),
            )
            slo_name = f"projects/{args.project}/services/{service_id}/serviceLevelObjectives/{key}"
            self.slo_names[key] = slo_name
            for window in BURN_WINDOWS:
                self._burn_alert(paging, key, slo_name, window, args.window_days, slo)
        if args.min_instances >= 1:
            instances = f'{run} AND metric.type="run.googleapis.com/container/instance_count"'
            self._alert(paging, "no-ready-instance", "no ready instance", [
                threshold("no instance for 5 min", instances, 1, comparison="COMPARISON_LT",
                          duration="300s", aligner="ALIGN_MAX", reducer="REDUCE_SUM"),
                absent("instance count not reported for 5 min", instances, "300s"),
            ], "The service runs no instance although minInstances >= 1.")  # fmt: skip
        up = f'{SQL.format(database=args.database_id)} AND metric.type="cloudsql.googleapis.com/database/up"'  # noqa: E501
        self._alert(paging, "database-unreachable", "database unreachable", [
            threshold("database down for 2 min", up, 1, comparison="COMPARISON_LT",
                      duration="120s", aligner="ALIGN_MIN", reducer="REDUCE_MIN"),
            absent("database up not reported for 5 min", up, "300s"),
        ], "Cloud SQL reports the instance down, or reports nothing.")  # fmt: skip
        self.register_outputs({"sloNames": self.slo_names})

    def _burn_alert(
        self,
        paging: Paging,
        key: str,
        slo_name: str,
        window: BurnWindow,
        window_days: int,
        slo: M.Slo,
    ) -> None:
        rate = window.burn_rate(window_days)
        conditions = [
            threshold(f"burn rate > {rate}x over {seconds // 60} min",
                      burn_rate_filter(slo_name, seconds), rate)
            for seconds in (window.long_s, window.short_s)
        ]  # fmt: skip
        policy(
            f"{self._name}-{key}-{window.key}",
            paging,
            f"{key} SLO: {window.budget:.0%} of the error budget burning within "
            f"{window.long_s // HOUR} h",
            conditions,
            combiner="AND",
            page=window.page,
            doc=f"Burn rate {rate}x over both windows: at this pace the {key} budget of "
            f"{window_days} days is gone in {window_days / rate:.1f} days.",
            opts=child_opts(self, self._opts, depends_on=[slo]),
        )

    def _alert(
        self, paging: Paging, key: str, title: str, conditions: list, doc: str
    ) -> M.AlertPolicy:
        return policy(
            f"{self._name}-{key}", paging, title, conditions, doc=doc,
            opts=child_opts(self, self._opts),
        )  # fmt: skip
