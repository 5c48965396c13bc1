"""Run a Pulumi program directory the way the Python language host does, under mocks.

`runpy.run_path(<dir>, run_name="__main__")` inside `run_pulumi_func`, with the stack's
config from its real Pulumi.<stack>.yaml, and every registered resource recorded with its
resolved inputs. StackReference reads are answered from a dict of fake stack outputs.
"""

from __future__ import annotations

import json
import runpy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

STACK_REFERENCE = "pulumi:pulumi:StackReference"


@dataclass(frozen=True)
class Recorded:
    """One resource the program registered: type token, logical name, resolved inputs."""

    type: str
    name: str
    inputs: dict[str, Any]


@dataclass
class RecordingMocks(pulumi.runtime.Mocks):
    """Echo inputs as outputs; StackReference gets `outputs` from `stack_outputs`."""

    stack_outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    resources: list[Recorded] = field(default_factory=list)
    stack_references: list[str] = field(default_factory=list)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        if args.typ == STACK_REFERENCE:
            ref = args.inputs.get("name", args.name)
            self.stack_references.append(ref)
            if ref not in self.stack_outputs:
                raise KeyError(f"test has no fake outputs for stack reference {ref!r}")
            return f"{ref}", {"name": ref, "outputs": self.stack_outputs[ref]}
        self.resources.append(Recorded(args.typ, args.name, dict(args.inputs)))
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list[tuple[str, str]] | None]:
        return {}, None

    def of_type(self, typ: str) -> list[Recorded]:
        return [r for r in self.resources if r.type == typ]


def stack_config(stack_file: Path) -> dict[str, str]:
    """The config map the CLI hands a program: structured values as JSON strings."""
    raw = yaml.safe_load(stack_file.read_text())["config"]
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}


def run_program(
    program: Path,
    *,
    project: str,
    stack: str,
    config: dict[str, str],
    mocks: RecordingMocks,
) -> RecordingMocks:
    """Run `program` (a directory with __main__.py) once; raise what the program raised."""
    pulumi.runtime.set_all_config(config)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False)

    def main() -> None:
        runpy.run_path(str(program), run_name="__main__")

    _sync_await(run_pulumi_func(main))
    return mocks
