"""A Pulumi stand-in behind ops.clients.pulumi_stack.StackApi: it runs the real infra program
under mocks (infra/mock_run.py) with the config the release set, keeps outputs in a JSON
state file guarded by a lock file, and applies the declared Cloud Run service and
migration job to the fake Cloud Run - where a changed template under an existing
revision name is refused, as the real API refuses it.

``die_on_up`` simulates a runner killed mid-update: the service change lands, the state
is never written and the lock stays, exactly what a SIGKILLed `pulumi up` leaves.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from mock_run import run_program  # pyright: ignore[reportMissingImports]
from ops.clients.pulumi_stack import Holder, StackLockedError
from tests.release.world import ConflictError, Revision, World

# Stack settings a scenario changes as if Pulumi.<stack>.yaml said so (e.g. access).
STACK_FILE_OVERRIDES: dict[str, dict[str, Any]] = {}
SERVICE_TYPE = "gcp:cloudrunv2/service:Service"
JOB_TYPE = "gcp:cloudrunv2/job:Job"


class RunnerDied(BaseException):
    """The process running `up` was killed (BaseException: no handler in ops sees it)."""


def _env(container: dict[str, Any], name: str) -> str:
    return next((e.get("value", "") for e in container.get("envs", []) if e["name"] == name), "")


class StandinStack:
    def __init__(self, name: str, state_dir: Path, world: World) -> None:
        self.name, self._world = name, world
        self._state = state_dir / f"{name}.json"
        self._lock = state_dir / f"{name}.lock"
        self._holder = state_dir / f"{name}.holder.json"
        self._config: dict[str, str] = {}
        self.die_on_up: int | None = None  # die during the n-th up of this instance
        self.ups = 0

    def set_config(self, values: Mapping[str, str], remove: Sequence[str]) -> None:
        self._config.update(values)
        for key in remove:
            self._config.pop(key, None)

    def up(self) -> None:
        if self._lock.exists():
            raise StackLockedError(f"the stack is currently locked by 1 lock(s): {self._lock}")
        self._lock.write_text("{}")
        self.ups += 1
        run = run_program(self.name, self._program_config(), with_image=False)
        try:
            for job in run.of_type(JOB_TYPE):
                container = job.inputs["template"]["template"]["containers"][0]
                task = job.inputs["template"]["template"]
                self._world.apply_job(job.inputs["name"], _env(container, "APP_VERSION"),
                                      task["timeout"], int(task.get("maxRetries", 0)))  # fmt: skip
            for service in run.of_type(SERVICE_TYPE):
                template = service.inputs["template"]
                container = template["containers"][0]
                revision = Revision(
                    template["revision"], json.dumps(template, sort_keys=True, default=str),
                    container["image"], _env(container, "APP_VERSION"), self._world.clock.now(),
                )  # fmt: skip
                self._world.apply_service(service.inputs["name"], revision,
                                          service.inputs.get("traffics") or [])  # fmt: skip
        except ConflictError as exc:
            self._lock.unlink()  # a failed update releases its lock; only a killed one keeps it
            raise RuntimeError(f"error: 409 ConflictError: {exc}") from exc
        if self.die_on_up == self.ups:
            raise RunnerDied(f"runner killed during up #{self.ups} of {self.name}")
        for slo in (run.outputs.get("sloNames") or {}).values():
            self._world.create_slo(slo)
        self._state.write_text(json.dumps(run.outputs, default=str))
        self._lock.unlink()

    def _program_config(self) -> dict[str, Any]:
        return {**STACK_FILE_OVERRIDES.get(self.name, {}), **self._config}

    def preview(self) -> None:
        run_program(self.name, self._program_config(), with_image=False)

    def outputs(self) -> dict[str, Any]:
        return json.loads(self._state.read_text()) if self._state.exists() else {}

    def locked(self) -> bool:
        return self._lock.exists()

    def holder(self) -> Holder | None:
        return Holder(**json.loads(self._holder.read_text())) if self._holder.exists() else None

    def record_holder(self, holder: Holder) -> None:
        self._holder.write_text(json.dumps(asdict(holder)))

    def clear_holder(self) -> None:
        self._holder.unlink(missing_ok=True)

    def cancel(self) -> None:
        self._lock.unlink(missing_ok=True)
