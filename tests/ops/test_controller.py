"""The rollout controller on synthetic series: promote, abort-and-restore, no-data policy."""

from dataclasses import dataclass, field

import pytest

from ops.release.controller import RolloutPlan, run_rollout, summary
from ops.release.gates import NoDataPolicy, Thresholds, Verdict
from tests.ops.fakes import CANDIDATE, STABLE
from tests.ops.synthetic import ERRORS_2PCT, HEALTHY, NO_DATA, SLOW, ReplayMetrics

LIMITS = Thresholds(error_ratio=0.01, p95_ms=1000, min_requests=50)


@dataclass
class Actions:
    fail_shift_at: int | None = None
    fail_restore: bool = False
    events: list[str] = field(default_factory=list)

    def shift(self, percent: int) -> None:
        self.events.append(f"shift {percent}")
        if percent == self.fail_shift_at:
            raise RuntimeError("pulumi up exited 255")

    def restore(self) -> None:
        self.events.append("restore")
        if self.fail_restore:
            raise RuntimeError("permission denied")


def _plan(**overrides) -> RolloutPlan:
    values = {"steps": (10, 50, 100), "candidate_revision": CANDIDATE, "thresholds": LIMITS,
              "bake_seconds": 300, "max_extensions": 2}  # fmt: skip
    values.update(overrides)
    return RolloutPlan(**values)


def _run(plan: RolloutPlan, windows, actions: Actions | None = None):
    actions = actions or Actions()
    metrics = ReplayMetrics(list(windows))
    sleeps: list[float] = []
    result = run_rollout(plan, actions=actions, metrics=metrics, sleep=sleeps.append)
    return result, actions, metrics, sleeps


def test_healthy_candidate_is_promoted_step_by_step() -> None:
    result, actions, metrics, sleeps = _run(_plan(), [HEALTHY])
    assert result.promoted
    assert result.exit_code == 0
    assert actions.events == ["shift 10", "shift 50", "shift 100"]
    assert [s.gate.verdict for s in result.steps if s.gate] == [Verdict.PASS] * 3
    assert metrics.asked == [(CANDIDATE, 300)] * 3
    assert sleeps == [300] * 3
    assert "Rollout PROMOTED" in summary(_plan(), STABLE, result)


@pytest.mark.parametrize(("bad", "reason"), [(ERRORS_2PCT, "5xx ratio 2.00%"),
                                              (SLOW, "p95 latency 1500 ms")])  # fmt: skip
@pytest.mark.parametrize("failing_step", [0, 1, 2])
def test_a_bad_window_at_any_step_aborts_and_restores(bad, reason, failing_step: int) -> None:
    windows = [HEALTHY] * failing_step + [bad]
    result, actions, _, _ = _run(_plan(), windows)
    percent = (10, 50, 100)[failing_step]
    assert not result.promoted
    assert result.exit_code == 1
    assert actions.events == [f"shift {p}" for p in (10, 50, 100)[: failing_step + 1]] + ["restore"]
    assert result.reason.startswith(f"aborted at {percent}%: ")
    assert reason in result.reason
    text = summary(_plan(), STABLE, result)
    assert "ABORTED - 100% restored to the stable revision" in text
    assert reason in text


@pytest.mark.parametrize("failing_step", [10, 50, 100])
def test_failing_to_apply_a_step_restores(failing_step: int) -> None:
    result, actions, _, _ = _run(_plan(), [HEALTHY], Actions(fail_shift_at=failing_step))
    assert actions.events[-2:] == [f"shift {failing_step}", "restore"]
    assert result.exit_code == 1
    assert "pulumi up exited 255" in result.reason


def test_restore_failure_is_loud() -> None:
    result, _, _, _ = _run(_plan(), [ERRORS_2PCT], Actions(fail_restore=True))
    assert result.exit_code == 4
    assert result.restore_error == "permission denied"
    text = summary(_plan(), STABLE, result)
    assert "RESTORE FAILED, run the rollback workflow now" in text


def test_no_data_waits_extra_windows_then_aborts_by_default() -> None:
    result, actions, metrics, sleeps = _run(_plan(), [NO_DATA])
    assert actions.events == ["shift 10", "restore"]
    assert len(metrics.asked) == 3
    assert sleeps == [300] * 3
    assert "no data after 3 windows (policy: abort)" in result.reason


def test_no_data_then_data_within_the_extensions_is_judged_normally() -> None:
    result, _, metrics, _ = _run(_plan(), [NO_DATA, HEALTHY])
    assert result.promoted
    assert len(metrics.asked) == 4


def test_no_data_policy_promote() -> None:
    result, actions, _, _ = _run(_plan(no_data=NoDataPolicy.PROMOTE, max_extensions=0), [NO_DATA])
    assert result.promoted
    assert actions.events == ["shift 10", "shift 50", "shift 100"]
    assert all(s.note == "no data; policy: promote" for s in result.steps)
    assert "| 10% | 0 | 0.00% | - | no data |" in summary(_plan(), STABLE, result)


def test_direct_promotion_is_not_gated() -> None:
    result, actions, metrics, sleeps = _run(_plan(steps=(100,), gated=False), [ERRORS_2PCT])
    assert result.promoted
    assert actions.events == ["shift 100"]
    assert metrics.asked == []
    assert sleeps == []
    assert "not gated" in summary(_plan(), STABLE, result)
