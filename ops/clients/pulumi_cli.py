"""The few Pulumi CLI calls the pipeline makes, behind an injectable command runner."""

from __future__ import annotations

import json
import subprocess  # nosec B404: fixed argv lists, never a shell
from collections.abc import Callable, Sequence

from ops.release.outputs import StackOutputs
from ops.release.traffic_config import NAMESPACE, ConfigChange

# The CrossGuard pack (infra/policy/PulumiPolicy.yaml) is enforced on every update, not
# only on pull request previews: a deploy must not be the one path around the guardrails.
# Relative to the repository root, where Pulumi.yaml is and where the workflows run.
POLICY_PACK = "infra/policy"

# argv, capture -> stdout ("" when not captured); raises CalledProcessError on failure.
Runner = Callable[[Sequence[str], bool], str]


def run_command(argv: Sequence[str], capture: bool) -> str:
    result = subprocess.run(  # noqa: S603  # nosec B603: argv list built here
        list(argv), check=True, text=True, stdout=subprocess.PIPE if capture else None
    )
    return result.stdout or ""


class PulumiStack:
    """One stack, driven through `pulumi` (state backend and KMS from the environment)."""

    def __init__(self, stack: str, *, runner: Runner = run_command, binary: str = "pulumi"):
        self.stack = stack
        self._run = runner
        self._binary = binary

    def _argv(self, *args: str) -> list[str]:
        return [self._binary, *args, "--stack", self.stack, "--non-interactive"]

    def outputs(self) -> StackOutputs:
        text = self._run(self._argv("stack", "output", "--json"), True)
        data = json.loads(text) if text.strip() else {}
        return StackOutputs(raw=data)

    def config_keys(self) -> set[str]:
        text = self._run(self._argv("config", "--json"), True)
        return set(json.loads(text) if text.strip() else {})

    def apply_config(self, change: ConfigChange) -> None:
        present = self.config_keys()
        for key, value in change.values.items():
            self._run(self._argv("config", "set", f"{NAMESPACE}:{key}", value), False)
        for key in change.remove:
            if f"{NAMESPACE}:{key}" in present:
                self._run(self._argv("config", "rm", f"{NAMESPACE}:{key}"), False)

    def up(self) -> None:
        self._run(
            self._argv(
                "up", "--yes", "--diff", "--suppress-progress", "--policy-pack", POLICY_PACK
            ),
            False,
        )
