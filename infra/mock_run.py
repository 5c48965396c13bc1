"""Run the Pulumi program in-process under mocks and collect what it would declare.

This does what Pulumi's Python language host does (`runpy.run_path("infra",
run_name="__main__")` with the stack's config in PULUMI_CONFIG), but against
`pulumi.runtime.set_mocks` instead of a deployment engine, so it needs no CLI, no
credentials and no network. Used by tests/infra and by the offline plan (infra/plan.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import runpy
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import config as runtime_config
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime import stack as runtime_stack
from pulumi.runtime.mocks import MockMonitor

from stack_config import ConfigError

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "infra"
# The config namespace is the Pulumi project's name, written once: in Pulumi.yaml.
PROJECT = str(yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["name"])
# Pulumi's wire marker wrapping secret values (not itself a secret).
SECRET_SIG = "4dabf18193072939515e22adb298388d"  # noqa: S105
# Stands in for the image CD deploys; any digest works, this one is recognisable.
EXAMPLE_IMAGE = (
    "europe-west1-docker.pkg.dev/acme-django-{stack}/django/app@sha256:" + "ab12cd34" * 8
)


@dataclass
class Resource:
    """One declared resource: its type token, logical name and inputs (as the engine sees)."""

    type: str
    name: str
    inputs: dict[str, Any]
    parent: str = ""  # the parent's URN ("" for the stack itself)


@dataclass
class ProgramRun:
    """Everything one mocked run declared and exported."""

    stack: str
    resources: list[Resource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    def of_type(self, type_token: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_token]

    def named(self, name: str) -> Resource:
        matches = [r for r in self.resources if r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources named {name!r}")
        return matches[0]


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys; the Pulumi CLI (Go yaml.v3) refuses the file.
    A second `django-gcp:slo:` block pasted lower down must not silently win here either."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                first = seen[key].start_mark.line + 1
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice (first on line {first}); "
                    "keep one", key_node.start_mark,
                )  # fmt: skip
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def stack_config(stack: str, root: Path = ROOT) -> dict[str, Any]:
    """The `config:` block of Pulumi.<stack>.yaml as plain values."""
    path = root / f"Pulumi.{stack}.yaml"
    if not path.exists():
        known = sorted(p.name.split(".")[1] for p in root.glob("Pulumi.*.yaml"))
        raise FileNotFoundError(f"no stack file {path.name} (stacks here: {', '.join(known)})")
    try:
        data = yaml.load(path.read_text(), Loader=_UniqueKeyLoader) or {}  # noqa: S506
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{path.name}:{mark.line + 1}:{mark.column + 1}" if mark else path.name
        raise ConfigError(f"{where}: not valid YAML: {error.problem or error.context}") from None
    config = data.get("config") if isinstance(data, dict) else None
    if not isinstance(config, dict):
        raise ConfigError(f"{path.name}: needs a `config:` mapping of keys")
    return dict(config)


def _wire(value: Any) -> str:
    """How the CLI passes a config value to the language host: strings, objects as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _qualify(key: str) -> str:
    return key if ":" in key else f"{PROJECT}:{key}"


class _Mocks(pulumi.runtime.Mocks):
    """Echo inputs and add the few computed outputs the program reads."""

    def __init__(self, run: ProgramRun, config: Mapping[str, Any]) -> None:
        self.run = run
        self.parents: dict[tuple[str, str], str] = {}
        self.project = str(config.get("gcp:project", "project"))
        self.region = str(config.get("gcp:region", "region"))

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        inputs = dict(args.inputs)
        parent = self.parents.get((args.typ, args.name), "")
        self.run.resources.append(Resource(args.typ, args.name, inputs, parent))
        state = {**inputs, **self._computed(args.typ, args.name, inputs)}
        return f"{args.name}-id", state

    def _computed(self, typ: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        project = inputs.get("project", self.project)
        if typ == "gcp:serviceaccount/account:Account":
            email = f"{inputs['accountId']}@{project}.iam.gserviceaccount.com"
            return {
                "email": email,
                "member": f"serviceAccount:{email}",
                "name": f"projects/{project}/serviceAccounts/{email}",
            }
        if typ == "gcp:sql/databaseInstance:DatabaseInstance":
            return {"connectionName": f"{project}:{self.region}:{inputs['name']}"}
        if typ == "gcp:secretmanager/secretVersion:SecretVersion":
            return {"version": "1", "name": f"{inputs.get('secret')}/versions/1"}
        if typ == "random:index/randomPassword:RandomPassword":
            return {"result": "x" * int(inputs.get("length", 16))}
        if typ == "gcp:monitoring/notificationChannel:NotificationChannel":
            return {"name": f"projects/{project}/notificationChannels/{name}"}
        if typ == "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig":
            return {"uptimeCheckId": f"{name}-check"}
        if typ == "gcp:cloudrunv2/service:Service":
            return {"uri": f"https://{inputs['name']}-mock.{self.region}.run.app"}
        return {}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list[tuple[str, str]] | None]:
        raise AssertionError(f"the program must not call data sources; it called {args.token}")


class _Monitor(MockMonitor):
    """Also records each registration's parent (MockResourceArgs does not carry it)."""

    def __init__(self, mocks: _Mocks) -> None:
        super().__init__(mocks)
        self._mocks = mocks

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        self._mocks.parents[(request.type, request.name)] = request.parent
        return super().RegisterResource(request)


@contextmanager
def _environment(config: Mapping[str, str]) -> Iterator[None]:
    saved = os.environ.get("PULUMI_CONFIG")
    os.environ["PULUMI_CONFIG"] = json.dumps(dict(config))
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("PULUMI_CONFIG", None)
        else:
            os.environ["PULUMI_CONFIG"] = saved


def program_config(
    stack: str,
    overrides: Mapping[str, Any] | None = None,
    *,
    with_image: bool = True,
    root: Path = ROOT,
) -> dict[str, str]:
    """Stack file + the per-deploy keys CD would set (+ overrides; None deletes a key)."""
    raw = {_qualify(k): v for k, v in stack_config(stack, root).items()}
    if with_image:
        raw.setdefault(_qualify("image"), EXAMPLE_IMAGE.format(stack=stack))
    for key, value in (overrides or {}).items():
        if value is None:
            raw.pop(_qualify(key), None)
        else:
            raw[_qualify(key)] = value
    return {key: _wire(value) for key, value in raw.items()}


def run_program(
    stack: str,
    overrides: Mapping[str, Any] | None = None,
    *,
    with_image: bool = True,
    root: Path = ROOT,
) -> ProgramRun:
    """Run infra/ for `stack` under mocks; raises what the program raises (e.g. ConfigError)."""
    config = program_config(stack, overrides, with_image=with_image, root=root)
    run = ProgramRun(stack)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        with _environment(config):
            runtime_settings.reset_options()
            runtime_config.set_all_config({}, [])  # config comes from PULUMI_CONFIG only
            mocks = _Mocks(run, config)
            pulumi.runtime.set_mocks(
                mocks, project=PROJECT, stack=stack, preview=True, monitor=_Monitor(mocks)
            )
            loop.run_until_complete(_execute(run))
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    return run


async def _execute(run: ProgramRun) -> None:
    # Like the language host: let outstanding registrations settle even when the program
    # raised, so nothing is left pending in the loop, then re-raise the program's error.
    try:
        runpy.run_path(str(PROGRAM), run_name="__main__")
    except BaseException:
        await runtime_stack.wait_for_rpcs()
        raise
    await runtime_stack.wait_for_rpcs()
    root = runtime_settings.get_root_resource()
    exported = getattr(root, "outputs", {})
    for name, value in exported.items():
        run.outputs[name] = await pulumi.Output.from_input(value).future()
