"""Pulumi, driven through its Automation API (pulumi.automation), behind ``StackApi``.

The release only needs: per-deploy config, `up` (CrossGuard pack enforced on every update),
`preview`, outputs, the state lock and `cancel`. The DIY state backend (gs://) has no
stack tags, so the run that holds the lock is recorded as a small object beside the
state (``.pulumi/ci-holders/<project>/<stack>.json``) before every `up`; a later run reads
it to tell a dead holder (clear the lock) from a live one (wait, or fail naming it).
The release suite substitutes a stand-in with the same interface.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml

ROOT = Path(__file__).resolve().parents[2]
# Relative to the repository root (the Automation API's work_dir), like the workflows.
POLICY_PACK = "infra/policy"
NAMESPACE = str(yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["name"])


class StackLockedError(RuntimeError):
    """`up` refused: another update holds the state lock."""


@dataclass(frozen=True)
class Holder:
    """The GitHub run that last started an update of the stack."""

    run_id: int
    attempt: int
    url: str

    @classmethod
    def from_env(cls) -> Holder | None:
        run_id = os.environ.get("GITHUB_RUN_ID", "")
        if not run_id.isdigit():
            return None  # a person at a terminal: nothing to record
        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
        repo = os.environ.get("GITHUB_REPOSITORY", "")
        attempt = int(os.environ.get("GITHUB_RUN_ATTEMPT", "1") or 1)
        return cls(int(run_id), attempt, f"{server}/{repo}/actions/runs/{run_id}")


class StackApi(Protocol):
    name: str

    def set_config(self, values: Mapping[str, str], remove: Sequence[str]) -> None: ...
    def up(self) -> None: ...
    def preview(self) -> None: ...
    def outputs(self) -> dict[str, Any]: ...
    def locked(self) -> bool: ...
    def holder(self) -> Holder | None: ...
    def record_holder(self, holder: Holder) -> None: ...
    def clear_holder(self) -> None: ...
    def cancel(self) -> None: ...


def cancel_command(stack: str) -> str:
    return f"pulumi cancel --stack {stack} --yes"


class AutomationStack:
    """StackApi over pulumi.automation (CLI pinned by the workflow) and a gs:// backend."""

    def __init__(self, name: str) -> None:
        from pulumi import automation

        from ops.clients.state_locks import StateLocks

        self.name = name
        self._auto = automation
        self._stack = automation.select_stack(stack_name=name, work_dir=str(ROOT))
        self._locks = StateLocks(os.environ.get("PULUMI_BACKEND_URL", ""), NAMESPACE, name)

    def set_config(self, values: Mapping[str, str], remove: Sequence[str]) -> None:
        present = set(self._stack.get_all_config())
        self._stack.set_all_config(
            {f"{NAMESPACE}:{k}": self._auto.ConfigValue(v) for k, v in values.items()}
        )
        gone = [f"{NAMESPACE}:{k}" for k in remove if f"{NAMESPACE}:{k}" in present]
        if gone:
            self._stack.remove_all_config(gone)

    def up(self) -> None:
        try:
            self._stack.up(policy_packs=[POLICY_PACK], diff=True, on_output=print)
        except self._auto.ConcurrentUpdateError as exc:
            raise StackLockedError(str(exc)) from exc

    def preview(self) -> None:
        self._stack.preview(policy_packs=[POLICY_PACK], diff=True, on_output=print)

    def outputs(self) -> dict[str, Any]:
        return {key: item.value for key, item in self._stack.outputs().items()}

    def cancel(self) -> None:
        self._stack.cancel()

    def locked(self) -> bool:
        return self._locks.locked()

    def holder(self) -> Holder | None:
        return self._locks.holder()

    def record_holder(self, holder: Holder) -> None:
        self._locks.record(holder)

    def clear_holder(self) -> None:
        self._locks.clear()
