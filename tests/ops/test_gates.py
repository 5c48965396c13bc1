"""gates: the Wilson bound rule, stable judged, WAIT/PASS/NO_DATA, the error budget, policy
validation."""

import pytest

from ops.clients.monitoring import WindowStats
from ops.release.gates import NoData, Policy, PolicyError, Verdict, judge, judge_budget, lower_bound

RAW = {"steps": [10, 50, 100], "bakeSeconds": 600, "minRequests": 50, "noData": "hold",
       "ingestionDelaySeconds": 180, "maxErrorRate": 0.01, "maxLatencyP95Ms": 1000,
       "minErrorBudgetRemaining": None}  # fmt: skip
POLICY = Policy.from_output(RAW)


def test_policy_reads_the_output() -> None:
    assert POLICY.steps == (10, 50, 100)
    assert POLICY.no_data is NoData.HOLD


@pytest.mark.parametrize("bad", [{**RAW, "steps": [50, 10]}, {**RAW, "noData": "maybe"},
                                 {k: v for k, v in RAW.items() if k != "minRequests"}])  # fmt: skip
def test_bad_policy_is_named(bad: dict) -> None:
    with pytest.raises(PolicyError, match="rolloutPolicy"):
        Policy.from_output(bad)


def test_lower_bound_is_below_the_observed_rate() -> None:
    assert lower_bound(0, 100) == 0.0
    assert 0 < lower_bound(1, 50) < 0.01 < lower_bound(3, 50) < 3 / 50


def test_one_5xx_among_few_never_fails_but_three_of_three_do() -> None:
    few = judge(WindowStats(4, 1, 100), None, POLICY, bake_over=True)
    assert few.verdict is Verdict.NO_DATA
    assert judge(WindowStats(3, 3, 100), None, POLICY, bake_over=False).verdict is Verdict.FAIL


def test_pass_needs_the_bake_and_enough_requests() -> None:
    healthy = WindowStats(400, 1, 200)
    assert judge(healthy, None, POLICY, bake_over=False).verdict is Verdict.WAIT
    assert judge(healthy, WindowStats(4000, 2, 200), POLICY, bake_over=True).verdict is Verdict.PASS


def test_latency_and_the_stable_revision_fail_the_step() -> None:
    slow = judge(WindowStats(400, 0, 2500), None, POLICY, bake_over=True)
    assert slow.verdict is Verdict.FAIL
    assert "p95 2500 ms" in slow.reasons[0]
    broken = judge(WindowStats(400, 0, 200), WindowStats(4000, 400, 200), POLICY, bake_over=True)
    assert broken.verdict is Verdict.FAIL
    assert "stable (migrated schema)" in broken.reasons[0]


SLO = "projects/p/services/s/serviceLevelObjectives/availability"


def test_budget_below_the_floor_fails_naming_slo_budget_and_floor() -> None:
    low = judge_budget(0.1, 0.25, slo=SLO)
    assert low.verdict is Verdict.FAIL
    assert low.reason == (f"error budget of {SLO}: 10.0% left < minErrorBudgetRemaining 25.0%")
    overspent = judge_budget(-0.5, 0.0, slo=SLO)  # the fraction goes negative when overspent
    assert overspent.verdict is Verdict.FAIL
    assert "-50.0% left" in overspent.reason
    assert judge_budget(0.25, 0.25, slo=SLO).verdict is Verdict.PASS  # the floor itself is ok


def test_budget_unreadable_fails_and_missing_is_no_data() -> None:
    broken = judge_budget(None, 0.25, slo=SLO, error="503 try again")
    assert broken.verdict is Verdict.FAIL
    assert broken.reason == f"error budget of {SLO} unreadable: 503 try again"
    assert judge_budget(None, 0.25, slo=SLO).verdict is Verdict.NO_DATA


@pytest.mark.parametrize("floor", [1.0, -0.1, "high"])
def test_bad_budget_floor_is_named(floor: object) -> None:
    with pytest.raises(PolicyError, match="minErrorBudgetRemaining"):
        Policy.from_output({**RAW, "minErrorBudgetRemaining": floor})


def test_budget_floor_is_read() -> None:
    assert (
        Policy.from_output({**RAW, "minErrorBudgetRemaining": 0.2}).min_error_budget_remaining
        == 0.2
    )
    assert POLICY.min_error_budget_remaining is None
