"""Gate decisions for one rollout step, from the evidence accumulated since the step began.

Rules (README: delivery), all from the stack's ``rolloutPolicy`` output:
- a revision FAILS when the 95% lower confidence bound (Wilson) of its 5xx rate is above
  ``maxErrorRate`` and there is real evidence: ``minRequests`` requests, or at least
  ``MIN_ERRORS`` 5xx. One 5xx among a handful of requests never fails a step; three
  failures out of three do, without waiting for the bake to end.
- the candidate also FAILS when its p95 latency is above ``maxLatencyP95Ms`` over at least
  ``minRequests`` requests.
- the stable revision is judged with the same 5xx rule: it runs on the migrated schema now,
  so its errors rising means the migration broke it.
- nothing failed: WAIT until the bake is over, then PASS with ``minRequests`` candidate
  requests, else NO_DATA (the caller applies ``noData``).

Error budget (``minErrorBudgetRemaining``, needs ``slo.enabled``), judged by ``judge_budget``
on the availability SLO's ``select_slo_budget_fraction`` (1 untouched, below 0 overspent):
- before the first traffic step: below the floor the release does not start; the candidate
  stays at 0% and the deploy fails naming the SLO, the budget left, the floor and the
  override. After every step whose evidence passed: below the floor the step FAILS and
  traffic returns to the stable revision (the abort path). Rollbacks never consult it.
- unreadable (an API error after the client's retries, e.g. a wrong SLO name): FAIL. A gate
  whose sensor is broken must not open by itself (Argo Rollouts and Flagger also count a
  failed query as a failed check); retries already absorbed the transient errors, and the
  override exists for the release that must ship anyway.
- no point in the last hour: NO_DATA, which the caller treats with ``noData`` exactly like
  missing request evidence: most often nothing was served, so nothing was spent, but
  "unknown" is the stack's call (promote only after a passed smoke test, hold, or abort).
- ``--ignore-error-budget`` (deploy input ``ignore_error_budget``): read and recorded in the
  summary, never gates. Absent key, or no SLO exported yet (first deploy): not consulted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from ops.clients.monitoring import WindowStats

Z_95 = 1.645  # one-sided 95%
MIN_ERRORS = 3


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    WAIT = "wait"
    NO_DATA = "no data"


class NoData(StrEnum):
    PROMOTE = "promote"
    HOLD = "hold"
    ABORT = "abort"


class PolicyError(ValueError):
    """rolloutPolicy is missing or malformed; the message says what would be right."""


@dataclass(frozen=True)
class Policy:
    steps: tuple[int, ...]
    bake_seconds: int
    min_requests: int
    no_data: NoData
    ingestion_delay_seconds: int
    max_error_rate: float
    max_latency_p95_ms: int
    min_error_budget_remaining: float | None = None

    @classmethod
    def from_output(cls, raw: object) -> Policy:
        keys = ("steps", "bakeSeconds", "minRequests", "noData", "ingestionDelaySeconds",
                "maxErrorRate", "maxLatencyP95Ms", "minErrorBudgetRemaining")  # fmt: skip
        if not isinstance(raw, dict) or set(raw) != set(keys):
            raise PolicyError(f"stack output rolloutPolicy = {raw!r}: needs exactly {keys}")
        steps = raw["steps"]
        if (not isinstance(steps, list) or not steps or steps != sorted(set(steps))
                or any(not isinstance(s, int) or not 0 < s <= 100 for s in steps)
                or steps[-1] != 100):  # fmt: skip
            raise PolicyError(f"rolloutPolicy.steps = {steps!r}: increasing 1-100 ending at 100")
        try:
            policy = cls(
                tuple(steps), int(raw["bakeSeconds"]), int(raw["minRequests"]),
                NoData(raw["noData"]), int(raw["ingestionDelaySeconds"]),
                float(raw["maxErrorRate"]), int(raw["maxLatencyP95Ms"]),
                None if (budget := raw["minErrorBudgetRemaining"]) is None else float(budget),
            )  # fmt: skip
        except ValueError as exc:
            raise PolicyError(f"rolloutPolicy = {raw!r}: {exc}") from None
        if not 0 <= policy.max_error_rate < 1 or policy.bake_seconds < 0:
            raise PolicyError(f"rolloutPolicy = {raw!r}: maxErrorRate in [0,1), bakeSeconds >= 0")
        floor = policy.min_error_budget_remaining
        if floor is not None and not 0 <= floor < 1:
            raise PolicyError(
                f"rolloutPolicy.minErrorBudgetRemaining = {floor!r}: in [0,1) or null"
            )
        return policy


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    candidate: WindowStats
    stable: WindowStats | None
    reasons: tuple[str, ...]


def lower_bound(errors: int, requests: int, z: float = Z_95) -> float:
    """Wilson score lower bound of the true 5xx rate."""
    if requests <= 0:
        return 0.0
    p, n = errors / requests, requests
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - spread) / (1 + z * z / n))


def _errors_fail(who: str, stats: WindowStats, policy: Policy) -> str | None:
    enough = stats.requests >= policy.min_requests or stats.errors_5xx >= MIN_ERRORS
    bound = lower_bound(stats.errors_5xx, stats.requests)
    if enough and bound > policy.max_error_rate:
        return (f"{who} 5xx {stats.errors_5xx}/{stats.requests}: rate >= {bound:.2%} "
                f"(95% bound) > {policy.max_error_rate:.2%}")  # fmt: skip
    return None


def judge(
    candidate: WindowStats, stable: WindowStats | None, policy: Policy, *, bake_over: bool
) -> Decision:
    reasons = [r for r in (
        _errors_fail("candidate", candidate, policy),
        _errors_fail("stable (migrated schema)", stable, policy) if stable else None,
    ) if r]  # fmt: skip
    if (candidate.requests >= policy.min_requests and candidate.p95_ms is not None
            and candidate.p95_ms > policy.max_latency_p95_ms):  # fmt: skip
        reasons.append(f"candidate p95 {candidate.p95_ms:.0f} ms > {policy.max_latency_p95_ms} ms")
    if reasons:
        return Decision(Verdict.FAIL, candidate, stable, tuple(reasons))
    if not bake_over:
        return Decision(Verdict.WAIT, candidate, stable, ("baking",))
    if candidate.requests >= policy.min_requests:
        return Decision(Verdict.PASS, candidate, stable, ())
    return Decision(Verdict.NO_DATA, candidate, stable, (
        f"{candidate.requests} candidate requests < minRequests {policy.min_requests}",
    ))  # fmt: skip


@dataclass(frozen=True)
class BudgetDecision:
    """PASS, FAIL or NO_DATA for the error budget left in ``slo``."""

    verdict: Verdict
    slo: str
    remaining: float | None
    reason: str


def judge_budget(
    remaining: float | None, floor: float, *, slo: str, error: str | None = None
) -> BudgetDecision:
    if error is not None:
        return BudgetDecision(Verdict.FAIL, slo, None,
                              f"error budget of {slo} unreadable: {error}")  # fmt: skip
    if remaining is None:
        return BudgetDecision(Verdict.NO_DATA, slo, None,
                              f"no error budget point for {slo} in the last hour")  # fmt: skip
    left = f"error budget of {slo}: {remaining:.1%} left"
    if remaining < floor:
        return BudgetDecision(Verdict.FAIL, slo, remaining,
                              f"{left} < minErrorBudgetRemaining {floor:.1%}")  # fmt: skip
    return BudgetDecision(Verdict.PASS, slo, remaining,
                          f"{left} >= minErrorBudgetRemaining {floor:.1%}")  # fmt: skip
