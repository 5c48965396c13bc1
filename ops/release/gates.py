"""Gate evaluation between rollout steps: the candidate's 5xx ratio and p95 latency.

No-data policy (README: delivery): a window with fewer than ``min_requests`` requests, or
without a latency measurement, proves nothing either way. The controller then waits more
windows (``max_extensions``); if there is still no data it follows ``NoDataPolicy``, which
defaults to ABORT: a gate that cannot see does not pass. Low-traffic stacks that accept the
risk can choose PROMOTE (smoke tests have already passed by then).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ops.clients.monitoring import WindowStats


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    NO_DATA = "no data"


class NoDataPolicy(StrEnum):
    ABORT = "abort"
    PROMOTE = "promote"


@dataclass(frozen=True)
class Thresholds:
    error_ratio: float  # fail when the 5xx ratio is above this (0.01 = 1%)
    p95_ms: float  # fail when p95 latency is above this
    min_requests: int = 50  # below this a ratio is noise


@dataclass(frozen=True)
class GateResult:
    verdict: Verdict
    stats: WindowStats
    reasons: tuple[str, ...]


def evaluate(stats: WindowStats, thresholds: Thresholds) -> GateResult:
    reasons: list[str] = []
    if stats.requests < thresholds.min_requests:
        # Few requests but already more 5xx than the threshold allows of a full sample:
        # more data could only confirm it, so fail now.
        if stats.errors_5xx > thresholds.error_ratio * thresholds.min_requests:
            return GateResult(Verdict.FAIL, stats, (
                f"{stats.errors_5xx} 5xx responses out of {stats.requests} requests",
            ))  # fmt: skip
        return GateResult(Verdict.NO_DATA, stats, (
            f"{stats.requests} requests < {thresholds.min_requests} needed to judge",
        ))  # fmt: skip
    if stats.error_ratio > thresholds.error_ratio:
        reasons.append(
            f"5xx ratio {stats.error_ratio:.2%} > {thresholds.error_ratio:.2%} "
            f"({stats.errors_5xx}/{stats.requests})"
        )
    if stats.p95_ms is None:
        if not reasons:
            return GateResult(Verdict.NO_DATA, stats, ("no latency measurement in the window",))
    elif stats.p95_ms > thresholds.p95_ms:
        reasons.append(f"p95 latency {stats.p95_ms:.0f} ms > {thresholds.p95_ms:.0f} ms")
    return GateResult(Verdict.FAIL if reasons else Verdict.PASS, stats, tuple(reasons))
