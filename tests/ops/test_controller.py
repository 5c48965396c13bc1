"""controller: evidence windows end ingestionDelay before now, noData promote/hold/abort,
the error budget before the first step and after each (override, unreadable, no point),
a failed step restores, restore failures are reported; against a scripted MetricsSource."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from ops.clients.monitoring import WindowStats
from ops.release.controller import Clock, RolloutPlan, run_rollout, summary
from ops.release.gates import Policy
from ops.release.outputs import OutputError, StackOutputs
from ops.release.rollout import budget_slo

RAW = {"steps": [10, 100], "bakeSeconds": 600, "minRequests": 50, "noData": "abort",
       "ingestionDelaySeconds": 180, "maxErrorRate": 0.01, "maxLatencyP95Ms": 1000,
       "minErrorBudgetRemaining": None}  # fmt: skip


@dataclass
class Time:
    t: float = 0.0

    def sleep(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class Metrics:
    """requests/s per revision; records every range asked for."""

    rates: dict[str, float]
    errors: dict[str, float] = field(default_factory=dict)
    asked: list[tuple[str, float, float]] = field(default_factory=list)

    def stats(self, *, revision: str, start: float, end: float) -> WindowStats:
        self.asked.append((revision, start, end))
        n = int(self.rates.get(revision, 0) * (end - start))
        return WindowStats(n, int(n * self.errors.get(revision, 0)), 100.0)


@dataclass
class Actions:
    log: list[str] = field(default_factory=list)
    fail_restore: bool = False

    def shift(self, percent: int) -> None:
        self.log.append(f"shift {percent}")

    def restore(self) -> None:
        self.log.append("restore")
        if self.fail_restore:
            raise RuntimeError("state locked")


def plan(smoke: bool = True, **policy: object) -> RolloutPlan:
    return RolloutPlan(Policy.from_output({**RAW, **policy}), "cand", "stable", smoke,
                       hold_seconds=3000)  # fmt: skip


def run(p: RolloutPlan, metrics: Metrics, actions: Actions | None = None):
    time = Time()
    actions = actions or Actions()
    result = run_rollout(p, actions=actions, metrics=metrics, clock=Clock(lambda: time.t,
                                                                          time.sleep))  # fmt: skip
    return result, actions, time


def test_windows_start_at_the_step_and_end_before_the_ingestion_delay() -> None:
    metrics = Metrics({"cand": 1.0, "stable": 9.0})
    result, actions, _ = run(plan(), metrics)
    assert result.promoted
    assert actions.log == ["shift 10", "shift 100"]
    for _revision, start, end in metrics.asked:
        assert end - start >= 60
    first_step = [a for a in metrics.asked if a[1] == 0.0]
    assert max(end for _, _, end in first_step) >= 600  # the whole bake was judged
    assert "| 10% |" in summary(plan(), result)


def test_no_data_abort_hold_and_promote_without_smoke() -> None:
    quiet = Metrics({"cand": 0.01, "stable": 0.01})
    aborted, actions, _ = run(plan(), quiet)
    assert not aborted.promoted
    assert actions.log == ["shift 10", "restore"]
    assert "policy abort" in aborted.reason
    held, _, time = run(plan(noData="hold"), quiet)
    assert not held.promoted
    assert time.t >= 3000  # waited for evidence until the hold ran out
    unsmoked, _, _ = run(plan(smoke=False, noData="promote"), quiet)
    assert "smoke did not pass" in unsmoked.reason


def test_hold_promotes_once_evidence_arrives() -> None:
    slow = Metrics({"cand": 0.05, "stable": 1.0})  # 50 requests after 1000 s
    result, _, time = run(plan(noData="hold"), slow)
    assert result.promoted
    assert time.t > 1000


def test_a_failed_restore_is_reported_with_exit_4() -> None:
    bad = Metrics({"cand": 1.0, "stable": 1.0}, errors={"cand": 0.5})
    result, _, _ = run(plan(), bad, Actions(fail_restore=True))
    assert result.exit_code == 4
    assert "RESTORE FAILED" in summary(plan(), result)


SLO = "projects/p/services/s/serviceLevelObjectives/availability"


@dataclass
class Budget:
    """Budget left by time: the last (since, value) at or before the read; raise on 'error'."""

    timeline: list[tuple[float, float | str]]
    reads: list[float] = field(default_factory=list)

    def budget_remaining(self, *, slo: str, at: float) -> float | None:
        assert slo == SLO
        self.reads.append(at)
        known = [value for since, value in self.timeline if since <= at]
        if known and known[-1] == "error":
            raise RuntimeError("503 Service Unavailable after retries")
        return float(known[-1]) if known else None


def budget_plan(*, ignore: bool = False, smoke: bool = True, **policy: object) -> RolloutPlan:
    raw = {**RAW, "minErrorBudgetRemaining": 0.25, **policy}
    return RolloutPlan(Policy.from_output(raw), "cand", "stable", smoke, hold_seconds=3000,
                       budget_slo=SLO, ignore_budget=ignore)  # fmt: skip


def run_budget(p: RolloutPlan, budget: Budget):
    time, actions = Time(), Actions()
    result = run_rollout(p, actions=actions, metrics=Metrics({"cand": 1.0, "stable": 9.0}),
                         clock=Clock(lambda: time.t, time.sleep), budget=budget)  # fmt: skip
    return result, actions, time


def test_budget_below_the_floor_before_the_first_step_moves_nothing() -> None:
    result, actions, _ = run_budget(budget_plan(), Budget([(0, 0.1)]))
    assert actions.log == []  # no shift, and no restore: nothing moved
    assert not result.started
    assert not result.promoted
    assert result.exit_code == 1
    assert SLO in result.reason
    assert "10.0% left" in result.reason
    assert "minErrorBudgetRemaining 25.0%" in result.reason
    assert "--ignore-error-budget" in result.reason
    text = summary(budget_plan(), result)
    assert "NOT STARTED - the candidate stays at 0%" in text
    assert f"Error budget >= 25.0% of `{SLO}`." in text


def test_budget_falling_after_a_step_aborts_through_the_restore() -> None:
    budget = Budget([(0, 0.9), (300, 0.2)])  # spent while 10% bakes
    result, actions, _ = run_budget(budget_plan(), budget)
    assert actions.log == ["shift 10", "restore"]
    assert result.reason.startswith("aborted at 10%: error budget of")
    assert budget.reads[0] == 0  # read before anything moved


def test_override_reads_and_records_but_never_gates() -> None:
    result, actions, _ = run_budget(budget_plan(ignore=True), Budget([(0, -0.3)]))
    assert result.promoted
    assert actions.log == ["shift 10", "shift 100"]
    text = summary(budget_plan(ignore=True), result)
    assert "OVERRIDDEN by --ignore-error-budget" in text
    assert text.count("ignored (--ignore-error-budget)") == 3  # before, after 10, after 100


def test_unreadable_budget_keeps_the_gate_shut() -> None:
    result, actions, _ = run_budget(budget_plan(), Budget([(0, "error")]))
    assert actions.log == []
    assert "unreadable: 503 Service Unavailable after retries" in result.reason


def test_no_budget_point_follows_no_data() -> None:
    promoted, _, _ = run_budget(budget_plan(noData="promote"), Budget([]))
    assert promoted.promoted
    unsmoked, actions, _ = run_budget(budget_plan(noData="promote", smoke=False), Budget([]))
    assert actions.log == []
    assert "smoke did not pass" in unsmoked.reason
    aborted, _, _ = run_budget(budget_plan(), Budget([]))  # RAW's noData: abort
    assert "(policy abort)" in aborted.reason
    assert not aborted.started
    # hold: keep reading until a point arrives (within the hold), then judge it
    held, actions, time = run_budget(budget_plan(noData="hold"), Budget([(500, 0.8)]))
    assert held.promoted
    assert actions.log == ["shift 10", "shift 100"]
    never, _, time = run_budget(budget_plan(noData="hold"), Budget([]))
    assert not never.started
    assert time.t >= 3000


def test_direct_promotion_checks_the_budget_only_before_it() -> None:
    p = budget_plan()
    direct = RolloutPlan(p.policy, "cand", "stable", True, gated=False, budget_slo=SLO)
    budget = Budget([(0, 0.9)])
    result, actions, _ = run_budget(direct, budget)
    assert result.promoted
    assert actions.log == ["shift 100"]
    assert len(budget.reads) == 1
    refused, actions, _ = run_budget(direct, Budget([(0, 0.1)]))
    assert not refused.started
    assert actions.log == []


def test_a_floor_without_an_slo_is_not_consulted_and_says_why() -> None:
    p = RolloutPlan(budget_plan().policy, "cand", "stable", True, hold_seconds=3000,
                    budget_note="the stack exports no sloNames yet")  # fmt: skip
    result, _, _ = run_budget(p, Budget([(0, "error")]))
    assert result.promoted
    assert "Error budget >= 25.0%: not consulted (the stack exports no sloNames yet)" in summary(
        p, result
    )


def test_which_slo_the_rollout_consults() -> None:
    floor = budget_plan().policy
    outputs = StackOutputs(raw={"sloNames": {"availability": SLO, "latency": "l"}})
    assert budget_slo(outputs, floor, shifting=True) == (SLO, "")
    assert budget_slo(outputs, plan().policy, shifting=True) == (None, "")  # no floor
    assert budget_slo(outputs, floor, shifting=False)[1].startswith("no stable revision")
    assert budget_slo(StackOutputs(raw={}), floor, shifting=True) == (
        None, "the stack exports no sloNames yet")  # fmt: skip
    with pytest.raises(OutputError, match=r"sloNames .* needs the availability SLO's name"):
        budget_slo(StackOutputs(raw={"sloNames": {"latency": "l"}}), floor, shifting=True)
