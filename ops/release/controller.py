"""The rollout controller: shift traffic step by step, gate each step, restore on failure.

After every step, including 100%, the candidate bakes for ``bake_seconds`` and its 5xx
ratio and p95 latency must stay within the thresholds (no-data policy: ops.release.gates). Any
failure - a gate, or applying a step - puts 100% back on the stable revision. The traffic
action and the metrics are Protocols; ops.release.rollout wires the real ones (Pulumi, Monitoring).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ops.clients.monitoring import MetricsSource
from ops.release.gates import GateResult, NoDataPolicy, Thresholds, Verdict, evaluate

EXIT_PROMOTED, EXIT_ABORTED, EXIT_RESTORE_FAILED = 0, 1, 4


class TrafficActions(Protocol):
    def shift(self, percent: int) -> None:
        """Give the candidate ``percent`` of traffic (100 = promote: latest takes all)."""

    def restore(self) -> None:
        """Put 100% of traffic back on the stable revision."""


@dataclass(frozen=True)
class StepRecord:
    percent: int
    gate: GateResult | None
    note: str = ""


@dataclass
class RolloutResult:
    promoted: bool
    reason: str
    steps: list[StepRecord] = field(default_factory=list)
    restore_error: str | None = None

    @property
    def exit_code(self) -> int:
        if self.promoted:
            return EXIT_PROMOTED
        return EXIT_RESTORE_FAILED if self.restore_error else EXIT_ABORTED


@dataclass(frozen=True)
class RolloutPlan:
    steps: Sequence[int]
    candidate_revision: str
    thresholds: Thresholds
    bake_seconds: int = 300
    no_data: NoDataPolicy = NoDataPolicy.ABORT
    max_extensions: int = 2  # extra windows to wait for data before applying the policy
    gated: bool = True


def _judge(plan: RolloutPlan, metrics: MetricsSource, sleep: Callable[[float], None]) -> GateResult:
    result: GateResult | None = None
    for _window in range(1 + plan.max_extensions):
        sleep(plan.bake_seconds)
        stats = metrics.window(revision=plan.candidate_revision, seconds=plan.bake_seconds)
        result = evaluate(stats, plan.thresholds)
        if result.verdict is not Verdict.NO_DATA:
            return result
    assert result is not None  # noqa: S101  # nosec B101: the loop runs at least once
    return result


def run_rollout(
    plan: RolloutPlan,
    *,
    actions: TrafficActions,
    metrics: MetricsSource,
    sleep: Callable[[float], None] | None = None,
) -> RolloutResult:
    # Resolved at call time, not definition time, so tests can patch time.sleep.
    sleep = sleep if sleep is not None else time.sleep
    result = RolloutResult(promoted=False, reason="")
    for percent in plan.steps:
        try:
            actions.shift(percent)
        except Exception as exc:  # any failure to apply a step must end in a restore
            return _abort(result, actions, percent, f"applying {percent}% failed: {exc}", None)
        if not plan.gated:
            result.steps.append(StepRecord(percent, None, "not gated (direct promotion)"))
            continue
        gate = _judge(plan, metrics, sleep)
        if gate.verdict is Verdict.FAIL:
            return _abort(result, actions, percent, "; ".join(gate.reasons), gate)
        if gate.verdict is Verdict.NO_DATA:
            if plan.no_data is NoDataPolicy.ABORT:
                reason = f"no data after {1 + plan.max_extensions} windows (policy: abort): "
                return _abort(result, actions, percent, reason + "; ".join(gate.reasons), gate)
            result.steps.append(StepRecord(percent, gate, "no data; policy: promote"))
            continue
        result.steps.append(StepRecord(percent, gate))
    result.promoted = True
    result.reason = f"{plan.candidate_revision} serves 100% of traffic"
    return result


def _abort(
    result: RolloutResult, actions: TrafficActions, percent: int, why: str, gate: GateResult | None
) -> RolloutResult:
    result.steps.append(StepRecord(percent, gate, f"ABORT: {why}"))
    result.reason = f"aborted at {percent}%: {why}"
    try:
        actions.restore()
    except Exception as exc:  # reported, never swallowed: a human must act
        result.restore_error = str(exc)
    return result


def summary(plan: RolloutPlan, stable: str, result: RolloutResult) -> str:
    if result.promoted:
        title = "PROMOTED"
    elif result.restore_error:
        title = "ABORTED - RESTORE FAILED, run the rollback workflow now"
    else:
        title = "ABORTED - 100% restored to the stable revision"
    lines = [
        f"### Rollout {title}",
        "",
        f"Candidate `{plan.candidate_revision}`, stable `{stable}`. "
        f"Thresholds: 5xx ratio <= {plan.thresholds.error_ratio:.2%}, "
        f"p95 <= {plan.thresholds.p95_ms:.0f} ms, at least {plan.thresholds.min_requests} "
        f"requests per {plan.bake_seconds}s window (no data: {plan.no_data}).",
        "",
        "| step | requests | 5xx ratio | p95 ms | verdict | note |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for step in result.steps:
        if step.gate is None:
            lines.append(f"| {step.percent}% | - | - | - | - | {step.note} |")
            continue
        s = step.gate.stats
        p95 = "-" if s.p95_ms is None else f"{s.p95_ms:.0f}"
        note = step.note or "; ".join(step.gate.reasons)
        lines.append(
            f"| {step.percent}% | {s.requests} | {s.error_ratio:.2%} | {p95} "
            f"| {step.gate.verdict} | {note} |"
        )
    lines += ["", f"Result: {result.reason}"]
    if result.restore_error:
        lines.append(f"Restore error: {result.restore_error}")
    return "\n".join(lines)
