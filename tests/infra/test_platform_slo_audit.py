"""SLOs as code and audit/retention, run through the real program under mocks.

Both are off in a stack that does not turn them on; turned on, the burn-rate thresholds,
windows and filters are the SRE workbook's, derived from the stack's window.
"""

from __future__ import annotations

from typing import Any

import pytest

from mock_run import ProgramRun, run_program
from plan import main as plan_main

ALERT = "gcp:monitoring/alertPolicy:AlertPolicy"
SLO = "gcp:monitoring/slo:Slo"
AUDIT = "gcp:projects/iAMAuditConfig:IAMAuditConfig"
BUCKET_CONFIG = "gcp:logging/projectBucketConfig:ProjectBucketConfig"
LOG_METRIC = "gcp:logging/metric:Metric"
SLO_NAME = "projects/acme-django-{stack}/services/django-app-{stack}/serviceLevelObjectives/{key}"


@pytest.fixture(scope="module")
def prod_on() -> ProgramRun:
    return run_program("prod", {"slo": {"enabled": True}, "audit": {"enabled": True}})


def policies(run: ProgramRun, prefix: str) -> dict[str, dict[str, Any]]:
    return {
        p.name.removeprefix(prefix): p.inputs
        for p in run.of_type(ALERT)
        if p.name.startswith(prefix)
    }


def test_committed_stacks_declare_slos_and_audit_exactly_when_turned_on(
    runs: dict[str, ProgramRun],
):
    for run in runs.values():
        slo_on = run.outputs["capabilities"]["slo"] is not None
        audit_on = run.outputs["capabilities"]["audit"] is not None
        assert bool(run.of_type(SLO)) is slo_on, run.stack
        assert bool(policies(run, "slo-")) is slo_on, run.stack
        assert ("sloNames" in run.outputs) is slo_on
        for kind in (AUDIT, LOG_METRIC, BUCKET_CONFIG):
            assert bool(run.of_type(kind)) is audit_on, (run.stack, kind)
        assert bool(policies(run, "audit-")) is audit_on, run.stack


def test_slos_measure_the_service_requests(prod_on: ProgramRun):
    slos = {s.name: s.inputs for s in prod_on.of_type(SLO)}
    assert set(slos) == {"slo-availability", "slo-latency"}
    run_filter = 'resource.type="cloud_run_revision" AND resource.labels.service_name="django-app"'
    ratio = slos["slo-availability"]["requestBasedSli"]["goodTotalRatio"]
    requests = f'{run_filter} AND metric.type="run.googleapis.com/request_count"'
    assert ratio == {
        "totalServiceFilter": requests,
        "badServiceFilter": f'{requests} AND metric.labels.response_code_class="5xx"',
    }
    cut = slos["slo-latency"]["requestBasedSli"]["distributionCut"]
    assert cut["distributionFilter"].endswith('metric.type="run.googleapis.com/request_latencies"')
    assert cut["range"] == {"max": 1000}
    assert (slos["slo-availability"]["goal"], slos["slo-latency"]["goal"]) == (0.995, 0.95)
    assert {s["rollingPeriodDays"] for s in slos.values()} == {30}
    assert {s["service"] for s in slos.values()} == {"django-app-prod"}
    assert prod_on.outputs["sloNames"] == {
        key: SLO_NAME.format(stack="prod", key=key) for key in ("availability", "latency")
    }


def _burn(policy: dict[str, Any]) -> list[tuple[str, float]]:
    return [
        (c["conditionThreshold"]["filter"], c["conditionThreshold"]["thresholdValue"])
        for c in policy["conditions"]
    ]


def test_burn_rate_alerts_pair_a_long_and_a_short_window(prod_on: ProgramRun):
    alerts = policies(prod_on, "slo-")
    for key in ("availability", "latency"):
        name = SLO_NAME.format(stack="prod", key=key)
        for window, rate, long_s, short_s in (
            ("fast", 14.4, 3600, 300),
            ("medium", 6.0, 21600, 1800),
            ("slow", 1.0, 259200, 21600),
        ):
            assert _burn(alerts[f"{key}-{window}-burn"]) == [
                (f'select_slo_burn_rate("{name}", "{seconds}s")', rate)
                for seconds in (long_s, short_s)
            ]
        for window in ("fast", "medium", "slow"):
            assert alerts[f"{key}-{window}-burn"]["combiner"] == "AND"
        # Fast and medium burns page; the slow one is a ticket even in prod.
        assert alerts[f"{key}-fast-burn"]["severity"] == "CRITICAL"
        assert alerts[f"{key}-slow-burn"]["severity"] == "WARNING"
    channels = {tuple(p["notificationChannels"]) for p in alerts.values()}
    assert channels == {
        (
            "projects/acme-django-prod/notificationChannels/monitoring-email-0",
            "projects/acme-django-prod/notificationChannels/monitoring-email-1",
        )
    }


def test_thresholds_follow_the_window_and_goals_follow_the_stack():
    run = run_program(
        "staging",
        {"slo": {"enabled": True, "windowDays": 28, "availabilityGoal": 0.999,
                 "latencyThresholdMs": 300}},
    )  # fmt: skip
    alerts = policies(run, "slo-")
    assert [rate for _, rate in _burn(alerts["availability-fast-burn"])] == [13.44, 13.44]
    assert [rate for _, rate in _burn(alerts["latency-medium-burn"])] == [5.6, 5.6]
    assert alerts["availability-fast-burn"]["severity"] == "WARNING"  # not prod: no page
    slos = {s.name: s.inputs for s in run.of_type(SLO)}
    assert slos["slo-availability"]["goal"] == 0.999
    assert slos["slo-latency"]["requestBasedSli"]["distributionCut"]["range"] == {"max": 300}


def test_no_ready_instance_and_database_unreachable(prod_on: ProgramRun):
    alerts = policies(prod_on, "slo-")
    none_ready = alerts["no-ready-instance"]["conditions"]
    low = none_ready[0]["conditionThreshold"]
    assert low["filter"].endswith('metric.type="run.googleapis.com/container/instance_count"')
    assert (low["comparison"], low["thresholdValue"], low["duration"]) == (
        "COMPARISON_LT",
        1,
        "300s",
    )
    assert low["aggregations"][0]["crossSeriesReducer"] == "REDUCE_SUM"
    assert none_ready[1]["conditionAbsent"]["duration"] == "300s"
    down = alerts["database-unreachable"]["conditions"]
    assert down[0]["conditionThreshold"]["filter"] == (
        'resource.type="cloudsql_database" AND '
        'resource.labels.database_id="acme-django-prod:django-app-pg" AND '
        'metric.type="cloudsql.googleapis.com/database/up"'
    )
    assert down[0]["conditionThreshold"]["comparison"] == "COMPARISON_LT"
    assert "conditionAbsent" in down[1]
    assert alerts["database-unreachable"]["combiner"] == "OR"


def test_scale_to_zero_has_no_instance_alert_and_bootstrap_has_no_slo():
    dev = run_program("dev", {"slo": {"enabled": True}})
    assert "no-ready-instance" not in policies(dev, "slo-")  # dev idles at zero instances
    assert "database-unreachable" in policies(dev, "slo-")
    bootstrap = run_program("prod", {"slo": {"enabled": True}}, with_image=False)
    assert bootstrap.of_type(SLO) == []  # no service yet: nothing to measure


def test_audit_logs_retention_and_error_metric(prod_on: ProgramRun):
    configs = {a.inputs["service"]: a.inputs["auditLogConfigs"] for a in prod_on.of_type(AUDIT)}
    assert set(configs) == {
        "secretmanager.googleapis.com",
        "cloudsql.googleapis.com",
        "iam.googleapis.com",
    }
    for logs in configs.values():
        assert logs == [{"logType": "DATA_READ"}, {"logType": "DATA_WRITE"}]
    (bucket,) = prod_on.of_type(BUCKET_CONFIG)
    assert (bucket.inputs["bucketId"], bucket.inputs["retentionDays"]) == ("_Default", 30)
    (metric,) = prod_on.of_type(LOG_METRIC)
    assert metric.inputs["name"] == "django-app-app-errors"
    assert metric.inputs["filter"].endswith("AND severity>=ERROR")
    assert 'resource.labels.job_name="django-app-migrate"' in metric.inputs["filter"]
    alert = policies(prod_on, "audit-")["app-errors"]
    condition = alert["conditions"][0]["conditionThreshold"]
    assert condition["filter"] == 'metric.type="logging.googleapis.com/user/django-app-app-errors"'
    assert condition["thresholdValue"] == 0
    assert prod_on.outputs["errorLogMetric"] == "django-app-app-errors"


def test_audit_without_data_access_keeps_retention_per_stack():
    run = run_program(
        "dev",
        {"audit": {"enabled": True, "dataAccessLogs": False, "logRetentionDays": 7,
                   "errorLinesThreshold": 20}},
    )  # fmt: skip
    assert run.of_type(AUDIT) == []
    assert run.of_type(BUCKET_CONFIG)[0].inputs["retentionDays"] == 7
    condition = policies(run, "audit-")["app-errors"]["conditions"][0]["conditionThreshold"]
    assert condition["thresholdValue"] == 20


def test_plan_shows_what_the_stack_turns_on(capsys: pytest.CaptureFixture[str]):
    assert (
        plan_main(["prod", "--set", 'slo={"enabled": true}', "--set", 'audit={"enabled": true}'])
        == 0
    )
    out = capsys.readouterr().out
    assert "[slo] django-gcp:monitoring:ServiceLevels" in out
    assert "[audit] django-gcp:logging:AuditAndRetention" in out
    assert "thresholdValue=14.4" in out
