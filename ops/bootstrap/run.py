"""Carry out (or, in a dry run, only print) the plan, after checking what it depends on.

Preflight, all read-only: the tools and the Pulumi CLI version, gcloud's credentials and
Application Default Credentials (the Pulumi CLI reads gs:// and gcpkms:// through ADC),
the ops project and its billing. Without credentials nothing can be read: the dry run
says so first, prints every step as "unknown", and exits 3; a real run stops before acting.
"""

from __future__ import annotations

import importlib.metadata
import re
import shlex
from collections.abc import Callable

from ops.bootstrap.commands import Runner, State, classify, first_line
from ops.bootstrap.plan import BootstrapArgs, Known, Outcome, Step

Out = Callable[[str], None]
# The CLI must match the Automation API package uv.lock pins (the workflows install the
# same version with pulumi/actions `pulumi-version`).
PULUMI_VERSION = importlib.metadata.version("pulumi")
INSTALL_PULUMI = f"curl -fsSL https://get.pulumi.com | sh -s -- --version {PULUMI_VERSION}"
LOGIN = "gcloud auth login && gcloud auth application-default login"


class NoCredentialsError(Exception):
    """gcloud or ADC could not produce a token: nothing can be read."""


def _version(text: str) -> tuple[int, ...]:
    match = re.search(r"(\d+)\.(\d+)\.(\d+)", text)
    return tuple(int(part) for part in match.groups()) if match else ()


def preflight(args: BootstrapArgs, run: Runner) -> list[str]:
    """Problems an admin must fix first ([] = ready). Raises NoCredentialsError."""
    for argv, what in (
        (["gcloud", "auth", "print-access-token", "--quiet"], "gcloud has no usable account"),
        (
            ["gcloud", "auth", "application-default", "print-access-token"],
            "no Application Default Credentials (the Pulumi CLI needs them)",
        ),
    ):
        result = run(argv)
        if result.returncode != 0:
            raise NoCredentialsError(f"{what}: {first_line(result.stderr)}")
    problems = []
    pulumi = run(["pulumi", "version"])
    found = _version(pulumi.stdout)
    if pulumi.returncode != 0 or not found:
        problems.append(f"the Pulumi CLI is not installed; install it: {INSTALL_PULUMI}")
    elif found != _version(PULUMI_VERSION):
        problems.append(
            f"Pulumi CLI {pulumi.stdout.strip()} is not the pinned {PULUMI_VERSION} (uv.lock, "
            f"workflows); install it: {INSTALL_PULUMI}"
        )
    project = classify(run(["gcloud", "projects", "describe", args.project, "--format=json"]))
    if project.state is State.ABSENT:
        problems.append(
            f"project {args.project} does not exist; create it and link billing (RUNBOOK "
            f"'Bootstrap'): gcloud projects create {args.project} --organization <ORG_ID> && "
            f"gcloud billing projects link {args.project} --billing-account <ACCOUNT_ID>"
        )
    elif project.state is State.UNKNOWN:
        problems.append(f"could not read project {args.project}: {project.reason}")
    else:
        billing = run(
            [
                "gcloud",
                "billing",
                "projects",
                "describe",
                args.project,
                "--format=value(billingEnabled)",
            ]
        )
        if billing.stdout.strip().lower() != "true":
            problems.append(
                f"billing is not enabled on {args.project} "
                f"({first_line(billing.stderr or billing.stdout)}): "
                f"gcloud billing projects link {args.project} --billing-account <ACCOUNT_ID>"
            )
    return problems


def execute(steps: list[Step], run: Runner, *, dry_run: bool, out: Out = print) -> Outcome:
    """Run (or, in a dry run, print) the needed steps; stop on anything it cannot judge."""
    outcome, known = Outcome(), Known()
    for step in steps:
        found = step.probe(run, known) if step.probe else None
        if step.key and found is not None:
            known[step.key] = found.state
        if found is not None and found.state is State.PRESENT:
            out(f"{'[ok]':<10}{step.description}: already in place, skipped")
            continue
        if found is not None and found.state is State.UNKNOWN:
            outcome.unknown.append(step.description)
            out(f"[unknown] {step.description}: could not read ({found.reason}); if absent:")
            for argv in step.commands:
                out(f"            $ {shlex.join(argv)}")
            if not dry_run:
                raise SystemExit(
                    f"bootstrap: stopped: could not tell whether to {step.description} "
                    f"({found.reason}). Fix access and re-run; nothing after this was done."
                )
            continue
        outcome.acted.append(step.description)
        out(f"{'[plan]' if dry_run else '[do]':<10}{step.description}")
        for argv in step.commands:
            out(f"            $ {shlex.join(argv)}")
            if dry_run:
                continue
            result = run(argv)
            if result.returncode != 0:
                raise SystemExit(
                    f"bootstrap: '{shlex.join(argv)}' failed with exit code "
                    f"{result.returncode} while trying to {step.description}:\n{result.stderr}"
                )
    return outcome


def print_unknown_plan(steps: list[Step], out: Out = print) -> None:
    """Every step, labelled: nothing could be read, so none is known to be needed or not."""
    for step in steps:
        out(f"{'[unknown]' if step.probe else '[always]':<10}{step.description}")
        for argv in step.commands:
            out(f"            $ {shlex.join(argv)}")
