"""Offline plan: what a stack declares, and how two stacks differ. No CLI, no credentials.

    python infra/plan.py prod                    # inventory + summary
    python infra/plan.py dev staging prod        # several stacks
    python infra/plan.py --diff staging prod     # what differs
    python infra/plan.py prod --set trafficMode=canary --set stableRevision=django-app-x-y \
        --set canaryPercent=10                   # try per-deploy keys
    python infra/plan.py prod --bootstrap        # as before the first image exists

Exits 2 with the validation error when the configuration is invalid.
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from capabilities import CAPABILITY_COMPONENTS
from mock_run import ROOT, SECRET_SIG, ProgramRun, Resource, run_program
from stack_config import ConfigError

# Settings worth a glance per resource type (dotted paths into the inputs).
KEY_SETTINGS: dict[str, tuple[str, ...]] = {
    "gcp:projects/service:Service": ("service",),
    "gcp:sql/databaseInstance:DatabaseInstance": (
        "name", "databaseVersion", "settings.tier", "settings.edition",
        "settings.availabilityType", "settings.diskSize", "deletionProtection",
        "settings.deletionProtectionEnabled", "settings.backupConfiguration.enabled",
        "settings.backupConfiguration.backupRetentionSettings.retainedBackups",
        "settings.backupConfiguration.pointInTimeRecoveryEnabled",
        "settings.backupConfiguration.transactionLogRetentionDays",
        "settings.ipConfiguration.sslMode", "settings.connectorEnforcement",
        "settings.databaseFlags",
    ),
    "gcp:cloudrunv2/service:Service": (
        "name", "ingress", "template.revision", "template.serviceAccount",
        "template.containers[0].image", "template.containers[0].resources.limits",
        "template.maxInstanceRequestConcurrency", "template.scaling", "template.timeout",
        "template.containers[0].startupProbe.httpGet.path", "traffics",
    ),
    "gcp:cloudrunv2/job:Job": (
        "name", "template.taskCount", "template.parallelism", "template.template.maxRetries",
        "template.template.timeout", "template.template.serviceAccount",
    ),
    "gcp:artifactregistry/repository:Repository": (
        "repositoryId", "dockerConfig.immutableTags", "cleanupPolicies",
    ),
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": ("attributeCondition",),
    "gcp:projects/iAMMember:IAMMember": ("role", "member", "condition.expression"),
    "gcp:monitoring/alertPolicy:AlertPolicy": (
        "displayName", "conditions[0].conditionThreshold.thresholdValue",
    ),
}  # fmt: skip
GENERIC = ("name", "accountId", "secretId", "role", "member", "email", "displayName", "type")


def lookup(value: Any, path: str) -> Any:
    for part in path.replace("[", ".[").split("."):
        if part.startswith("["):
            index = int(part[1:-1])
            value = value[index] if isinstance(value, list) and len(value) > index else None
        else:
            value = value.get(part) if isinstance(value, dict) else None
    return value


def show(value: Any) -> str:
    if isinstance(value, dict) and SECRET_SIG in value:
        return "[secret]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | dict):
        return compact(value)
    return str(value)


def compact(value: Any) -> str:
    if isinstance(value, dict):
        if SECRET_SIG in value:
            return "[secret]"
        return "{" + ", ".join(f"{k}: {compact(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(compact(v) for v in value) + "]"
    return show(value)


def settings_of(resource: Resource) -> list[str]:
    paths = KEY_SETTINGS.get(resource.type) or tuple(p for p in GENERIC if p in resource.inputs)
    shown = []
    for path in paths:
        value = lookup(resource.inputs, path)
        if value is not None:
            shown.append(f"{path.split('.')[-1]}={show(value)}")
    return shown


def turned_on(run: ProgramRun) -> list[str]:
    """The optional sections first: what this stack pays for, checked against what the
    program declared (a section on whose component is missing says why)."""
    lines = ["optional sections (off unless the stack file turns them on):"]
    for key, summary in (run.outputs.get("capabilities") or {}).items():
        component = CAPABILITY_COMPONENTS.get(key)
        declared = component is None or any(r.type.endswith(f":{component}") for r in run.resources)
        state = "on " if summary else "off"
        note = "" if declared or not summary else " (declared once the service exists)"
        lines.append(f"  {key:<32} {state} {summary or ''}{note}".rstrip())
    return lines


def inventory(run: ProgramRun, seconds: float) -> str:
    lines = [f"== stack {run.stack} ==", *turned_on(run)]
    components = [r for r in run.resources if r.type.startswith("django-gcp:")]
    for component in components:
        lines.append(f"\n[{component.name}] {component.type}")
        urn_tail = f"{component.type}::{component.name}"
        children = [r for r in run.resources if r.parent.endswith(urn_tail)]
        for resource in sorted(children, key=lambda r: (r.type, r.name)):
            lines.append(f"  {resource.type.split(':')[-1]:<28} {resource.name}")
            lines.extend(f"      {setting}" for setting in settings_of(resource))
    cloud = [r for r in run.resources if not r.type.startswith("django-gcp:")]
    counts = Counter(r.type.split(":")[-1] for r in cloud)
    lines.append(f"\nsummary: {len(cloud)} resources in {len(run.resources) - len(cloud)} "
                 f"components, planned in {seconds:.2f}s")  # fmt: skip
    lines.extend(f"  {count:>3} {kind}" for kind, count in sorted(counts.items()))
    lines.append("outputs:")
    lines.extend(f"  {key}: {compact(value)}" for key, value in run.outputs.items())
    return "\n".join(lines)


def flatten(value: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(value, dict) and SECRET_SIG not in value:
        items: dict[str, str] = {}
        for key, inner in value.items():
            items.update(flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return items
    if isinstance(value, list) and value and any(isinstance(v, dict | list) for v in value):
        names = [v.get("name") if isinstance(v, dict) else None for v in value]
        # Lists of named things (env vars, flags) are keyed by name, not position.
        keys = names if None not in names and len(set(names)) == len(names) else range(len(value))
        items = {}
        for key, inner in zip(keys, value, strict=True):
            items.update(flatten(inner, f"{prefix}[{key}]"))
        return items
    return {prefix: show(value)}


def _generic(run: ProgramRun) -> Callable[[str], str]:
    """Replace the stack's own project id, number and name, so only real differences show."""
    project = str(run.outputs.get("projectId"))
    number = str(run.outputs.get("workloadIdentityProvider", "")).split("/")[1:2]
    swaps = [(re.escape(project), "<project>"), (rf"\b{re.escape(run.stack)}\b", "<env>")]
    swaps += [(re.escape(n), "<number>") for n in number]
    return lambda text: functools.reduce(lambda t, s: re.sub(s[0], s[1], t), swaps, text)


def diff(a: ProgramRun, b: ProgramRun) -> str:
    def index(run: ProgramRun) -> dict[str, dict[str, str]]:
        generic = _generic(run)
        table = {f"{r.type.split(':')[-1]} {r.name}": flatten(r.inputs) for r in run.resources}
        table["stack outputs"] = flatten(run.outputs)
        return {k: {f: generic(v) for f, v in fields.items()} for k, fields in table.items()}

    left, right = index(a), index(b)
    lines = [f"== {a.stack} -> {b.stack} (each stack's project, number and name shown as "
             "<project>, <number>, <env>) =="]  # fmt: skip
    for key in sorted(left.keys() - right.keys()):
        lines.append(f"- only in {a.stack}: {key}")
    for key in sorted(right.keys() - left.keys()):
        lines.append(f"+ only in {b.stack}: {key}")
    changed = 0
    for key in sorted(left.keys() & right.keys()):
        fields = sorted(set(left[key]) | set(right[key]))
        deltas = [(f, left[key].get(f, "-"), right[key].get(f, "-")) for f in fields]
        deltas = [d for d in deltas if d[1] != d[2]]
        if deltas:
            changed += 1
            lines.append(f"~ {key}")
            lines.extend(f"    {f}: {x}  ->  {y}" for f, x, y in deltas)
    lines.append(f"\nsummary: {changed} resources differ, "
                 f"{len(left.keys() - right.keys())} only in {a.stack}, "
                 f"{len(right.keys() - left.keys())} only in {b.stack}")  # fmt: skip
    return "\n".join(lines)


def _overrides(pairs: list[str]) -> dict[str, str]:
    result = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--set expects key=value, got {pair!r}")
        result[key] = value
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Offline plan of the Pulumi program.")
    parser.add_argument("stacks", nargs="+", help="dev, staging, prod")
    parser.add_argument("--diff", action="store_true", help="compare exactly two stacks")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--bootstrap", action="store_true", help="plan without an image")
    parser.add_argument(
        "--stack-dir", type=Path, default=ROOT, help="where Pulumi.<stack>.yaml live"
    )
    args = parser.parse_args(argv)
    if args.diff and len(args.stacks) != 2:
        parser.error("--diff needs exactly two stacks")
    runs, total = [], 0.0
    for stack in args.stacks:
        started = time.perf_counter()
        try:
            run = run_program(
                stack, _overrides(args.set), with_image=not args.bootstrap, root=args.stack_dir
            )
        except ConfigError as error:
            print(f"error: {error}".replace("\n", "\nerror: "), file=sys.stderr)
            return 2
        except FileNotFoundError as error:
            print(f"error: stack {stack}: {error}", file=sys.stderr)
            return 2
        seconds = time.perf_counter() - started
        total += seconds
        runs.append((run, seconds))
    if args.diff:
        print(diff(runs[0][0], runs[1][0]))
    else:
        print("\n\n".join(inventory(run, seconds) for run, seconds in runs))
    print(f"\nplanned {len(runs)} stack(s) offline in {total:.2f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
