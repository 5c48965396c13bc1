"""Promote a smoke-tested candidate: progressively with gates (prod) or directly (dev, staging).

    python -m ops.release.rollout --stack prod --previous previous.json \
        --outputs candidate.json --smoke-passed
    python -m ops.release.rollout --stack dev --previous previous.json \
        --outputs candidate.json --direct

``previous.json``: the outputs before this release (they name the stable revision);
``candidate.json``: after the candidate phase (image, commit, revision, rolloutPolicy,
sloNames). With ``rolloutPolicy.minErrorBudgetRemaining`` set, the availability SLO's error
budget gates the release (ops.release.gates); ``--ignore-error-budget`` (or
``--ignore-error-budget=true``, as deploy.yml passes its input) records it without gating:
the emergency fix that must ship while the budget is spent.
Each step sets the stack's traffic config and runs `up`; each gate decision is a row of the
job summary. Exit codes: 0 promoted, 1 aborted and restored, 4 aborted and the restore
FAILED, 2 usage.
"""

from __future__ import annotations

import argparse
import sys
import time

from ops.clients.actions import write_summary
from ops.clients.monitoring import CloudMonitoring, ErrorBudgetSource, MetricsSource
from ops.clients.pulumi_stack import StackApi
from ops.release import traffic_config
from ops.release.apply import StackFactory, apply, open_stack
from ops.release.controller import Clock, RolloutPlan, run_rollout, summary
from ops.release.gates import Policy, PolicyError
from ops.release.outputs import OutputError, StackOutputs, load

REAL_CLOCK = Clock(now=time.time, sleep=time.sleep)


class PulumiTraffic:
    """TrafficActions through the stack config + `up` (the only writer of traffic)."""

    def __init__(self, stack: StackApi, *, image: str, commit: str, stable: str):
        self._stack, self._image, self._commit, self._stable = stack, image, commit, stable

    def shift(self, percent: int) -> None:
        if percent >= 100:
            change = traffic_config.promote(self._image, self._commit)
        else:
            change = traffic_config.canary(self._image, self._commit, self._stable, percent)
        print(f"traffic: {percent}% to the candidate", flush=True)
        apply(self._stack, change)

    def restore(self) -> None:
        print(f"traffic: restoring 100% to {self._stable}", flush=True)
        apply(self._stack, traffic_config.abort(self._image, self._commit, self._stable))


def main(
    argv: list[str] | None = None, *, stacks: StackFactory = open_stack,
    metrics: MetricsSource | None = None, budget: ErrorBudgetSource | None = None,
    clock: Clock = REAL_CLOCK,
) -> int:  # fmt: skip
    parser = argparse.ArgumentParser(prog="python -m ops.release.rollout", description=__doc__)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--previous", required=True, help="outputs before this release")
    parser.add_argument("--outputs", required=True, help="outputs after the candidate phase")
    parser.add_argument("--direct", action="store_true", help="promote to 100%% without gates")
    parser.add_argument("--smoke-passed", action="store_true",
                        help="smoke passed: noData=promote may promote")  # fmt: skip
    parser.add_argument("--ignore-error-budget", nargs="?", const="true", default="false",
                        choices=("true", "false"), metavar="true|false",
                        help="record the error budget, never gate (emergency fix)")  # fmt: skip
    parser.add_argument("--poll-seconds", type=int, default=60)
    args = parser.parse_args(argv)
    try:
        previous, current = load(args.previous), load(args.outputs)
        image, candidate = current.text("image"), current.text("latestRevision")
        commit = traffic_config.serving_commit(current)
        policy = Policy.from_output(current.require("rolloutPolicy"))
        stable = previous.serving_revision()
        # First deploy or a re-run whose candidate already serves: nothing to shift from.
        shifting = stable is not None and stable != candidate
        slo, note = budget_slo(current, policy, shifting=shifting)
    except (OutputError, PolicyError, traffic_config.PhaseError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    gated = not args.direct and shifting
    plan = RolloutPlan(policy=policy, candidate=candidate, stable=stable or candidate,
                       smoke_passed=args.smoke_passed, gated=gated,
                       poll_seconds=args.poll_seconds, budget_slo=slo, budget_note=note,
                       ignore_budget=args.ignore_error_budget == "true")  # fmt: skip
    if (metrics is None and gated) or (budget is None and slo):
        monitoring = CloudMonitoring(project=current.text("projectId"),
                                     service=current.text("serviceName"))  # fmt: skip
        metrics, budget = metrics or monitoring, budget or monitoring
    actions = PulumiTraffic(stacks(args.stack), image=image, commit=commit,
                            stable=stable or candidate)  # fmt: skip
    result = run_rollout(plan, actions=actions, metrics=metrics or _NoMetrics(), clock=clock,
                         budget=budget)  # fmt: skip
    text = summary(plan, result)
    print(text)
    write_summary(text)
    if not result.started:
        print(f"error: rollout {result.reason}", file=sys.stderr)
    return result.exit_code


def budget_slo(outputs: StackOutputs, policy: Policy, *, shifting: bool) -> tuple[str | None, str]:
    """(availability SLO to consult, why not): only with a floor, an SLO and traffic to move."""
    if policy.min_error_budget_remaining is None:
        return None, ""
    if not shifting:
        return None, "no stable revision to shift from: first deploy or re-run"
    names = outputs.raw.get("sloNames")
    if names is None:
        return None, "the stack exports no sloNames yet"
    if not isinstance(names, dict) or not isinstance(names.get("availability"), str):
        raise OutputError(
            f"stack output sloNames = {names!r}: needs the availability SLO's "
            "name: projects/<p>/services/<s>/serviceLevelObjectives/<id>"
        )
    return names["availability"], ""


class _NoMetrics:
    """Ungated rollouts never read metrics; reaching this is a bug."""

    def stats(self, *, revision: str, start: float, end: float):  # pragma: no cover
        raise RuntimeError(f"metrics read for {revision} in an ungated rollout")


if __name__ == "__main__":
    sys.exit(main())
