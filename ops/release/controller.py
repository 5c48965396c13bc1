"""The rollout controller: shift traffic step by step, gate each step, restore on failure.

Each step's evidence accumulates from the moment the step was applied until
``ingestionDelaySeconds`` before now (Cloud Monitoring data arrives late), and is re-read
every ``poll_seconds`` until ops.release.gates decides. NO_DATA after the bake follows the
policy: promote (only when smoke passed), abort, or hold (keep waiting for evidence, up to
twice the bake in all, then abort): a rollout is bounded by
len(steps) x (2 x bakeSeconds + ingestionDelaySeconds). Any failure puts 100% back on stable.
The error budget (ops.release.gates, judge_budget) is read before the first step (below the
floor: nothing is shifted, the release ends NOT STARTED) and after each step whose evidence
passed (below the floor: the step fails); its NO_DATA follows ``noData`` like the evidence's.
The clock and sleep are injected: the release suite runs hours of rollout in milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from ops.clients.monitoring import EMPTY, MIN_ALIGNMENT, ErrorBudgetSource, MetricsSource
from ops.release.gates import BudgetDecision, Decision, NoData, Policy, Verdict, judge, judge_budget

EXIT_PROMOTED, EXIT_ABORTED, EXIT_RESTORE_FAILED = 0, 1, 4


class TrafficActions(Protocol):
    def shift(self, percent: int) -> None:
        """Give the candidate ``percent`` of traffic (100 = promote: latest takes all)."""

    def restore(self) -> None:
        """Put 100% of traffic back on the stable revision."""


@dataclass(frozen=True)
class Row:
    """One decision, one row of the job summary."""

    percent: int
    seconds: int  # evidence span judged
    decision: Decision | None
    action: str
    budget: BudgetDecision | None = None


@dataclass
class RolloutResult:
    promoted: bool = False
    reason: str = ""
    rows: list[Row] = field(default_factory=list)
    restore_error: str | None = None
    started: bool = True  # False: refused before any traffic moved (error budget)

    @property
    def exit_code(self) -> int:
        if self.promoted:
            return EXIT_PROMOTED
        return EXIT_RESTORE_FAILED if self.restore_error else EXIT_ABORTED


@dataclass(frozen=True)
class RolloutPlan:
    policy: Policy
    candidate: str
    stable: str
    smoke_passed: bool
    gated: bool = True
    poll_seconds: int = 60
    hold_seconds: int | None = None  # hold: a step waits for evidence this long; 2 x bake
    budget_slo: str | None = None  # the availability SLO whose budget gates; None: not read
    budget_note: str = ""  # why the budget is not consulted although the policy sets a floor
    ignore_budget: bool = False  # --ignore-error-budget: read and recorded, never gates

    @property
    def hold_limit(self) -> int:
        return self.hold_seconds or 2 * self.policy.bake_seconds


@dataclass(frozen=True)
class Clock:
    now: Callable[[], float]
    sleep: Callable[[float], None]


def _gate(plan: RolloutPlan, percent: int, metrics: MetricsSource, clock: Clock,
          result: RolloutResult) -> str | None:  # fmt: skip
    """None when the step passed; else why it must abort."""
    policy, start = plan.policy, clock.now()
    while True:
        end = clock.now() - policy.ingestion_delay_seconds
        span = int(end - start)
        if span >= MIN_ALIGNMENT:
            candidate = metrics.stats(revision=plan.candidate, start=start, end=end)
            stable = metrics.stats(revision=plan.stable, start=start, end=end)
        else:
            candidate, stable = EMPTY, None
        decision = judge(candidate, stable, policy, bake_over=span >= policy.bake_seconds)
        if decision.verdict is Verdict.FAIL:
            result.rows.append(Row(percent, span, decision, "abort"))
            return "; ".join(decision.reasons)
        if decision.verdict is Verdict.PASS:
            result.rows.append(Row(percent, span, decision, "next step"))
            return None
        if decision.verdict is Verdict.NO_DATA:
            no_data = policy.no_data
            if no_data is NoData.PROMOTE and plan.smoke_passed:
                result.rows.append(Row(percent, span, decision, "no data: promote (smoke passed)"))
                return None
            if no_data is NoData.HOLD and clock.now() - start < plan.hold_limit:
                pass  # keep collecting; the row is written when the hold ends
            else:
                why = "smoke did not pass" if no_data is NoData.PROMOTE else f"policy {no_data}"
                result.rows.append(Row(percent, span, decision, f"no data: abort ({why})"))
                return f"no evidence after {span}s at {percent}% ({why})"
        clock.sleep(plan.poll_seconds)


def _budget_gate(plan: RolloutPlan, percent: int, budget: ErrorBudgetSource, clock: Clock,
                 result: RolloutResult) -> str | None:  # fmt: skip
    """None when the budget allows going on (or is ignored); else why it does not."""
    slo, floor = plan.budget_slo, plan.policy.min_error_budget_remaining
    if slo is None or floor is None:
        return None
    stop = "not started" if percent == 0 else "abort"
    start = clock.now()
    while True:
        try:
            decision = judge_budget(budget.budget_remaining(slo=slo, at=clock.now()), floor,
                                    slo=slo)  # fmt: skip
        except Exception as exc:  # unreadable after the client's retries: the gate stays shut
            decision = judge_budget(None, floor, slo=slo, error=str(exc) or type(exc).__name__)
        if plan.ignore_budget:
            result.rows.append(Row(percent, 0, None, "ignored (--ignore-error-budget)", decision))
            return None
        if decision.verdict is Verdict.PASS:
            result.rows.append(Row(percent, 0, None, "budget ok", decision))
            return None
        if decision.verdict is Verdict.FAIL:
            result.rows.append(Row(percent, 0, None, stop, decision))
            return decision.reason
        no_data, waited = plan.policy.no_data, int(clock.now() - start)
        if no_data is NoData.PROMOTE and plan.smoke_passed:
            result.rows.append(Row(percent, waited, None, "no data: go on (smoke)", decision))
            return None
        if not (no_data is NoData.HOLD and clock.now() - start < plan.hold_limit):
            why = "smoke did not pass" if no_data is NoData.PROMOTE else f"policy {no_data}"
            result.rows.append(Row(percent, waited, None, f"no data: {stop} ({why})", decision))
            return f"{decision.reason} ({why})"
        clock.sleep(plan.poll_seconds)


def run_rollout(
    plan: RolloutPlan, *, actions: TrafficActions, metrics: MetricsSource, clock: Clock,
    budget: ErrorBudgetSource | None = None,
) -> RolloutResult:  # fmt: skip
    result = RolloutResult()
    budget = budget or _NoBudget()
    why = _budget_gate(plan, 0, budget, clock, result)
    if why is not None:  # nothing moved: the candidate stays at 0%, nothing to restore
        result.started = False
        result.reason = (f"not started, the candidate stays at 0%: {why}. An emergency fix "
                         "ships anyway with --ignore-error-budget (deploy input "
                         "ignore_error_budget: true)")  # fmt: skip
        return result
    steps = plan.policy.steps if plan.gated else (100,)
    for percent in steps:
        try:
            actions.shift(percent)
        except Exception as exc:  # any failure to apply a step must end in a restore
            return _abort(result, actions, percent, f"applying {percent}% failed: {exc}")
        if not plan.gated:
            result.rows.append(Row(percent, 0, None, "not gated (direct promotion)"))
            continue
        why = _gate(plan, percent, metrics, clock, result) or _budget_gate(
            plan, percent, budget, clock, result)  # fmt: skip
        if why is not None:
            return _abort(result, actions, percent, why)
    result.promoted = True
    result.reason = f"{plan.candidate} serves 100% of traffic"
    return result


def _abort(result: RolloutResult, actions: TrafficActions, percent: int, why: str):
    result.reason = f"aborted at {percent}%: {why}"
    try:
        actions.restore()
    except Exception as exc:  # reported, never swallowed: a human must act
        result.restore_error = str(exc)
    return result


class _NoBudget:
    """A plan naming an SLO needs a budget source; reaching this is a bug."""

    def budget_remaining(self, *, slo: str, at: float) -> float | None:  # pragma: no cover
        raise RuntimeError(f"no error budget source for {slo}")


def _stats(stats) -> str:
    if stats is None:
        return "-"
    p95 = "-" if stats.p95_ms is None else f"{stats.p95_ms:.0f}"
    return f"{stats.requests} / {stats.errors_5xx} / {p95}"


def summary(plan: RolloutPlan, result: RolloutResult) -> str:
    if result.promoted:
        title = "PROMOTED"
    elif not result.started:
        title = "NOT STARTED - the candidate stays at 0%"
    elif result.restore_error:
        title = "ABORTED - RESTORE FAILED, run the rollback workflow now"
    else:
        title = "ABORTED - 100% restored to the stable revision"
    p = plan.policy
    lines = [
        f"### Rollout {title}", "",
        f"Candidate `{plan.candidate}`, stable `{plan.stable}`. Policy: steps {list(p.steps)}, "
        f"bake {p.bake_seconds}s, minRequests {p.min_requests}, noData {p.no_data}, "
        f"ingestion delay {p.ingestion_delay_seconds}s, 5xx <= {p.max_error_rate:.2%}, "
        f"p95 <= {p.max_latency_p95_ms} ms.{_budget_policy(plan)}", "",
        "| step | evidence s | candidate req / 5xx / p95 | stable req / 5xx / p95 "
        "| verdict | action | reasons |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]  # fmt: skip
    for row in result.rows:
        if row.budget:
            lines.append(_budget_row(row, row.budget))
            continue
        d = row.decision
        verdict = d.verdict if d else "-"
        reasons = "; ".join(d.reasons).replace("|", "\\|") if d else ""
        lines.append(
            f"| {row.percent}% | {row.seconds} | {_stats(d and d.candidate)} "
            f"| {_stats(d and d.stable)} | {verdict} | {row.action} | {reasons} |"
        )
    lines += ["", f"Result: {result.reason}"]
    if result.restore_error:
        lines.append(f"Restore error: {result.restore_error}")
    return "\n".join(lines)


def _budget_row(row: Row, b: BudgetDecision) -> str:
    left = "-" if b.remaining is None else f"{b.remaining:.1%}"
    return (f"| {row.percent}% | {row.seconds} | error budget | {left} left | {b.verdict} "
            f"| {row.action} | {b.reason.replace('|', '/')} |")  # fmt: skip


def _budget_policy(plan: RolloutPlan) -> str:
    floor = plan.policy.min_error_budget_remaining
    if floor is None:
        return ""
    if plan.budget_slo is None:
        return f" Error budget >= {floor:.1%}: not consulted ({plan.budget_note or 'no SLO'})."
    if plan.ignore_budget:
        return (f" Error budget >= {floor:.1%} of `{plan.budget_slo}`: OVERRIDDEN by "
                "--ignore-error-budget (read and recorded, never gated this release).")  # fmt: skip
    return f" Error budget >= {floor:.1%} of `{plan.budget_slo}`."
