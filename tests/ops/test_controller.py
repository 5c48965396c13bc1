"""controller: evidence windows end ingestionDelay before now, noData promote/hold/abort,
a failed step restores, restore failures are reported; against a scripted MetricsSource."""

from __future__ import annotations

from dataclasses import dataclass, field

from ops.clients.monitoring import WindowStats
from ops.release.controller import Clock, RolloutPlan, run_rollout, summary
from ops.release.gates import Policy

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
