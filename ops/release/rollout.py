"""Promote a smoke-tested candidate: progressively with gates (prod) or directly (dev, staging).

    python -m ops.release.rollout --stack prod --previous previous.json --outputs candidate.json
    python -m ops.release.rollout --stack dev --previous previous.json \
        --outputs candidate.json --direct

``previous.json`` is `pulumi stack output --json` from before this deploy (it names the
stable revision), ``candidate.json`` the one after the candidate phase (image, revision,
rolloutSteps, thresholds). Each step sets the stack's traffic config and runs `pulumi up`.
Exit codes: 0 promoted, 1 aborted and restored, 4 aborted and the restore FAILED, 2 usage.
"""

from __future__ import annotations

import argparse
import sys

from ops.clients.actions import write_summary
from ops.clients.google_api import authorized_session
from ops.clients.monitoring import CloudMonitoring, MetricsSource
from ops.clients.pulumi_cli import PulumiStack
from ops.release import traffic_config
from ops.release.controller import RolloutPlan, run_rollout, summary
from ops.release.gates import NoDataPolicy, Thresholds
from ops.release.outputs import OutputError, load


class PulumiTraffic:
    """TrafficActions through the stack config + `pulumi up` (the only writer of traffic)."""

    def __init__(self, stack: PulumiStack, *, image: str, stable: str):
        self._stack, self._image, self._stable = stack, image, stable

    def shift(self, percent: int) -> None:
        if percent >= 100:
            change = traffic_config.promote(self._image)
        else:
            change = traffic_config.canary(self._image, self._stable, percent)
        print(f"traffic: {percent}% to the candidate", flush=True)
        self._stack.apply_config(change)
        self._stack.up()

    def restore(self) -> None:
        print(f"traffic: restoring 100% to {self._stable}", flush=True)
        self._stack.apply_config(traffic_config.abort(self._image, self._stable))
        self._stack.up()


def main(
    argv: list[str] | None = None,
    *,
    stack: PulumiStack | None = None,
    metrics: MetricsSource | None = None,
) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.release.rollout", description=__doc__)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--previous", required=True, help="outputs before this deploy")
    parser.add_argument("--outputs", required=True, help="outputs after the candidate phase")
    parser.add_argument("--direct", action="store_true", help="promote to 100%% without gates")
    parser.add_argument("--bake-seconds", type=int, default=300)
    parser.add_argument("--min-requests", type=int, default=50)
    parser.add_argument("--max-extensions", type=int, default=2)
    parser.add_argument("--no-data", choices=[p.value for p in NoDataPolicy], default="abort")
    args = parser.parse_args(argv)
    try:
        previous, current = load(args.previous), load(args.outputs)
        image, candidate = current.text("image"), current.text("latestRevision")
        stable = previous.serving_revision()
        steps = (100,) if args.direct else current.rollout_steps
        thresholds = Thresholds(
            error_ratio=current.error_rate_threshold,
            p95_ms=current.latency_p95_threshold_ms,
            min_requests=args.min_requests,
        )
    except (OutputError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if stable is None or stable == candidate:
        # First deploy, or a re-deploy of the serving revision: nothing to shift from.
        print(f"{candidate} already serves all traffic; nothing to roll out")
        steps, gated = (100,), False
    else:
        gated = not args.direct
    plan = RolloutPlan(
        steps=steps, candidate_revision=candidate, thresholds=thresholds,
        bake_seconds=args.bake_seconds, no_data=NoDataPolicy(args.no_data),
        max_extensions=args.max_extensions, gated=gated,
    )  # fmt: skip
    pulumi = stack or PulumiStack(args.stack)
    if metrics is None and gated:  # pragma: no cover - real credentials
        metrics = CloudMonitoring(
            authorized_session(), project=current.text("projectId"),
            service=current.text("serviceName"),
        )  # fmt: skip
    actions = PulumiTraffic(pulumi, image=image, stable=stable or candidate)
    result = run_rollout(plan, actions=actions, metrics=metrics or _NoMetrics())
    text = summary(plan, stable or "(none)", result)
    print(text)
    write_summary(text)
    return result.exit_code


class _NoMetrics:
    """Ungated rollouts never read metrics; reaching this is a bug."""

    def window(self, *, revision: str, seconds: int):  # pragma: no cover - defensive
        raise RuntimeError(f"metrics read for {revision} in an ungated rollout")


if __name__ == "__main__":
    sys.exit(main())
