"""The stack outputs the pipeline reads (`pulumi stack output --json`), typed once.

    python -m ops.release.outputs --file outputs.json get candidateUrl
    python -m ops.release.outputs --file outputs.json github-vars   # the environment's variables

Exit codes: 0 ok, 1 missing/invalid output, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LATEST_TYPE = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"


class OutputError(ValueError):
    """A stack output is missing or malformed; the message names it."""


@dataclass(frozen=True)
class TrafficEntry:
    revision: str | None
    percent: int
    tag: str | None
    type: str


@dataclass(frozen=True)
class StackOutputs:
    """What one `pulumi up` left behind. Image-dependent fields are None before the first
    deploy (the bootstrap phase declares everything except the service and job)."""

    raw: dict[str, Any]

    def require(self, key: str) -> Any:
        value = self.raw.get(key)
        if value is None or value == "":
            raise OutputError(f"stack output {key!r} is missing; `pulumi up` must export it")
        return value

    def text(self, key: str) -> str:
        value = self.require(key)
        if not isinstance(value, str):
            raise OutputError(f"stack output {key!r} must be a string, got {value!r}")
        return value

    @property
    def image(self) -> str | None:
        return self.raw.get("image") or None

    @property
    def latest_revision(self) -> str | None:
        return self.raw.get("latestRevision") or None

    @property
    def traffic(self) -> tuple[TrafficEntry, ...]:
        entries = self.raw.get("traffic") or []
        if not isinstance(entries, list):
            raise OutputError(f"stack output 'traffic' must be a list, got {entries!r}")
        return tuple(
            TrafficEntry(
                revision=e.get("revision") or None,
                percent=int(e.get("percent") or 0),
                tag=e.get("tag") or None,
                type=str(e.get("type") or ""),
            )
            for e in entries
        )

    def serving_revision(self) -> str | None:
        """The revision holding the most traffic now: the one to fall back to."""
        best: tuple[int, str] | None = None
        for entry in self.traffic:
            revision = self.latest_revision if entry.type == LATEST_TYPE else entry.revision
            if revision and entry.percent > 0 and (best is None or entry.percent > best[0]):
                best = (entry.percent, revision)
        return best[1] if best else None

    @property
    def rollout_steps(self) -> tuple[int, ...]:
        steps = self.require("rolloutSteps")
        if (
            not isinstance(steps, list)
            or not steps
            or any(not isinstance(s, int) or not 0 < s <= 100 for s in steps)
            or steps != sorted(set(steps))
            or steps[-1] != 100
        ):
            raise OutputError(
                f"stack output 'rolloutSteps' = {steps!r}: must be increasing percentages "
                "in 1-100 ending at 100, e.g. [10, 50, 100]"
            )
        return tuple(steps)

    @property
    def error_rate_threshold(self) -> float:
        value = float(self.require("errorRateThreshold"))
        if not 0 <= value < 1:
            raise OutputError(f"errorRateThreshold = {value}: must be a fraction in [0, 1)")
        return value

    @property
    def latency_p95_threshold_ms(self) -> float:
        value = float(self.require("latencyP95ThresholdMs"))
        if value <= 0:
            raise OutputError(f"latencyP95ThresholdMs = {value}: must be positive")
        return value


def load(path: str | Path) -> StackOutputs:
    text = Path(path).read_text(encoding="utf-8").strip()
    data = json.loads(text) if text else {}
    if not isinstance(data, dict):
        raise OutputError(f"{path}: expected the JSON object `pulumi stack output --json` prints")
    return StackOutputs(raw=data)


# GitHub environment variable -> stack output it is copied from (README: delivery).
GITHUB_VARIABLES = {
    "GCP_PROJECT_ID": "projectId",
    "GCP_REGION": "region",
    "WIF_PROVIDER": "workloadIdentityProvider",
    "DEPLOYER_SERVICE_ACCOUNT": "deployerServiceAccount",
    "PREVIEWER_SERVICE_ACCOUNT": "previewerServiceAccount",
    "ARTIFACT_REGISTRY": "registryPath",
}


def github_variables(outputs: StackOutputs) -> dict[str, str]:
    return {name: outputs.text(key) for name, key in GITHUB_VARIABLES.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.release.outputs", description=__doc__)
    parser.add_argument("--file", required=True, help="`pulumi stack output --json` saved")
    commands = parser.add_subparsers(dest="command", required=True)
    get = commands.add_parser("get", help="print one output")
    get.add_argument("key")
    commands.add_parser("github-vars", help="print the GitHub environment variables")
    args = parser.parse_args(argv)
    try:
        outputs = load(args.file)
        if args.command == "get":
            value = outputs.require(args.key)
            print(value if isinstance(value, str) else json.dumps(value))
        else:
            for name, value in github_variables(outputs).items():
                print(f"{name}={value}")
    except (OutputError, OSError, json.JSONDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
