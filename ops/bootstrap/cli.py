"""`python -m ops.bootstrap` / `make bootstrap`: arguments, validation, exit codes.

Exit codes: 0 done (or dry run with everything readable), 1 a prerequisite is missing or a
command failed, 2 bad or missing arguments (nothing was run), 3 could not read what exists
(no credentials or no permission), so the plan printed is incomplete.

    python -m ops.bootstrap --project acme-ops --location europe-west1 \
        --state-prefix acme-pulumi-state --dry-run
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from datetime import UTC, datetime

from ops.bootstrap.commands import Runner, subprocess_runner
from ops.bootstrap.plan import BootstrapArgs, plan
from ops.bootstrap.run import LOGIN, NoCredentialsError, execute, preflight, print_unknown_plan

# Google's rules: project ids 6-30 chars; bucket names 3-63 (the suffix "-staging" included).
PROJECT_ID = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]")
LOCATION = re.compile(r"[a-z]+(-[a-z]+[0-9]+)?")
PREFIX = re.compile(r"[a-z0-9][a-z0-9_-]{1,46}[a-z0-9]")
NAME = re.compile(r"[a-z][a-z0-9_-]{0,62}")
EXAMPLE = "--project acme-ops --location europe-west1 --state-prefix acme-pulumi-state"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ops.bootstrap",
        description="Per-stack Pulumi state buckets, KMS keys and stacks (README 'Operations').",
        epilog=f"example: python -m ops.bootstrap {EXAMPLE} --dry-run",
    )
    parser.add_argument("--project", required=True, help="ops project for state and keys")
    parser.add_argument("--location", required=True, help="e.g. europe-west1")
    parser.add_argument(
        "--state-prefix", required=True, help="bucket names are <prefix>-<stack> (global)"
    )
    parser.add_argument("--key-ring", default="pulumi")
    parser.add_argument("--stack", action="append", help="main-program stack (repeatable)")
    parser.add_argument(
        "--grant-ci",
        action="store_true",
        help="grant each stack's deployer/previewer its own state (after the first pulumi up)",
    )
    parser.add_argument("--dry-run", action="store_true", help="only read, and print the plan")
    return parser


def parse_args(argv: Sequence[str] | None) -> tuple[BootstrapArgs, bool]:
    parser = _parser()
    ns = parser.parse_args(argv)
    checks = [
        ("--project", ns.project, PROJECT_ID, "a project id such as acme-ops"),
        ("--location", ns.location, LOCATION, "a location such as europe-west1"),
        ("--state-prefix", ns.state_prefix.removeprefix("gs://"), PREFIX,
         "a bucket-name prefix such as acme-pulumi-state"),
        ("--key-ring", ns.key_ring, NAME, "a key ring name such as pulumi"),
        *(("--stack", stack, NAME, "a stack name such as dev") for stack in ns.stack or ()),
    ]  # fmt: skip
    for flag, value, pattern, wanted in checks:
        if not pattern.fullmatch(value or ""):
            shown = repr(value) if value else "empty"
            parser.error(f"{flag} is {shown}; give {wanted} (make bootstrap: PROJECT= ...)")
    return BootstrapArgs(
        project=ns.project,
        location=ns.location,
        state_prefix=ns.state_prefix.removeprefix("gs://"),
        key_ring=ns.key_ring,
        stacks=tuple(dict.fromkeys(ns.stack or ("dev", "staging", "prod"))),
        grant_ci=ns.grant_ci,
    ), ns.dry_run


def main(argv: Sequence[str] | None = None, run: Runner = subprocess_runner) -> int:
    args, dry_run = parse_args(argv)
    try:
        steps = plan(args, now=datetime.now(UTC))
    except ValueError as error:  # a stack file that does not name its identities
        print(f"bootstrap: {error}")
        return 2
    try:
        problems = preflight(args, run)
    except NoCredentialsError as error:
        print(f"bootstrap: could not read anything: {error}.")
        print(f"Log in first: {LOGIN}")
        if dry_run:
            print("Nothing was checked, so every step below is UNKNOWN, not planned:\n")
            print_unknown_plan(steps)
        return 3
    for problem in problems:
        print(f"bootstrap: {problem}")
    if problems and not dry_run:
        return 1
    outcome = execute(steps, run, dry_run=dry_run)
    print()
    for stack in (*args.stacks, *(stack for _, stack in args.extra_projects)):
        print(f"{stack}: PULUMI_BACKEND_URL={args.bucket_url(stack)}")
        print(f"{stack}: PULUMI_SECRETS_PROVIDER={args.secrets_provider(stack)}")
    if outcome.unknown:
        print(
            f"\nbootstrap: could not read {len(outcome.unknown)} step(s); the plan is incomplete."
        )
        return 3
    return 1 if problems else 0
