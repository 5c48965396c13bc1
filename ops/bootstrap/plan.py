"""Create what must exist before the first `pulumi up`: state bucket, KMS key, stacks.

Idempotent: every step first asks Google Cloud (or the Pulumi CLI) whether its target
already exists in the wanted shape, and only acts when it does not. `--dry-run` runs the
read-only checks and prints the commands it would run, so an admin can review or copy
them. Commands go through an injectable `Runner`, so the plan is unit tested without
gcloud or pulumi installed.

    python -m ops.bootstrap --project acme-ops --location europe-west1 \
        --bucket acme-pulumi-state --stack dev --stack staging --stack prod --dry-run
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess  # nosec B404: fixed argv lists, never a shell
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ops.bootstrap.state_access import state_access_grants

# Secrets-provider keys rotate yearly-ish in most orgs; 90 days keeps old versions usable
# for decryption (KMS keeps them) while new secrets get a fresh version.
KEY_ROTATION = timedelta(days=90)
APIS = ("storage.googleapis.com", "cloudkms.googleapis.com")


@dataclass(frozen=True)
class CommandResult:
    """What a finished command returned."""

    returncode: int
    stdout: str = ""
    stderr: str = ""


Runner = Callable[[Sequence[str]], CommandResult]


def subprocess_runner(argv: Sequence[str]) -> CommandResult:
    """Run a command for real, capturing its output (the default Runner)."""
    done = subprocess.run(list(argv), capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603
    return CommandResult(done.returncode, done.stdout, done.stderr)


@dataclass(frozen=True)
class BootstrapArgs:
    """Names of the one-time resources; defaults suit one state bucket per organisation."""

    project: str
    """Project that holds the state bucket and the KMS key (often a separate ops project)."""
    location: str
    """Bucket and key ring location, e.g. europe-west1."""
    bucket: str
    """Globally unique state bucket name, without gs://."""
    key_ring: str = "pulumi"
    key: str = "stack-secrets"
    stacks: tuple[str, ...] = ("dev", "staging", "prod")
    """Stacks of the main program (Pulumi.yaml at the repo root)."""
    extra_projects: tuple[tuple[str, str], ...] = (("infra/github", "github"),)
    """(project directory, stack) pairs of further Pulumi projects sharing the backend."""
    deployers: tuple[str, ...] = ()
    """Service-account emails that run `pulumi up` (the stacks' deployerServiceAccount)."""
    previewers: tuple[str, ...] = ()
    """Service-account emails that run `pulumi preview` only (previewerServiceAccount)."""

    @property
    def backend_url(self) -> str:
        return f"gs://{self.bucket}"

    @property
    def secrets_provider(self) -> str:
        return (
            f"gcpkms://projects/{self.project}/locations/{self.location}"
            f"/keyRings/{self.key_ring}/cryptoKeys/{self.key}"
        )


@dataclass
class Step:
    """One idempotent action: `needed` decides, `commands` act."""

    description: str
    commands: list[list[str]]
    needed: Callable[[Runner], bool] = field(default=lambda _run: True)


def _bucket_is_compliant(description: str) -> bool:
    meta = json.loads(description or "{}")
    iam = meta.get("iamConfiguration", {})
    return (
        meta.get("versioning", {}).get("enabled") is True
        and iam.get("uniformBucketLevelAccess", {}).get("enabled") is True
        and iam.get("publicAccessPrevention") == "enforced"
    )


def _missing(argv: list[str]) -> Callable[[Runner], bool]:
    """A `needed` check that is true when the describe command fails (resource absent)."""
    return lambda run: run(argv).returncode != 0


def _stack_missing(backend: str, cwd: str, stack: str) -> Callable[[Runner], bool]:
    def needed(run: Runner) -> bool:
        # Ask the target backend explicitly: in a dry run `pulumi login` has not happened.
        listed = run(_cmd(f"env PULUMI_BACKEND_URL={backend} pulumi stack ls --json --cwd {cwd}"))
        if listed.returncode != 0:
            return True
        names = {entry.get("name", "").rsplit("/", 1)[-1] for entry in json.loads(listed.stdout)}
        return stack not in names

    return needed


def _cmd(line: str) -> list[str]:
    """argv from one readable line; every value interpolated here is a plain identifier."""
    return shlex.split(line)


def plan(args: BootstrapArgs, *, now: datetime) -> list[Step]:
    """The ordered steps; each is skipped at run time when its target already exists."""
    url, where = args.backend_url, f"--location {args.location} --project {args.project}"
    describe_bucket = _cmd(
        f"gcloud storage buckets describe {url} --raw --format=json --project {args.project}"
    )
    keyring = f"{args.key_ring} {where}"
    key = f"{args.key} --keyring {args.key_ring} {where}"
    next_rotation = (now + KEY_ROTATION).strftime("%Y-%m-%dT%H:%M:%SZ")
    hardening = "--uniform-bucket-level-access --public-access-prevention"

    def bucket_drifted(run: Runner) -> bool:
        described = run(describe_bucket)
        return described.returncode == 0 and not _bucket_is_compliant(described.stdout)

    steps = [
        Step(
            "enable the Storage and KMS APIs",
            [_cmd(f"gcloud services enable {' '.join(APIS)} --project {args.project}")],
        ),
        Step(
            f"create state bucket {url}",
            [
                _cmd(f"gcloud storage buckets create {url} {where} {hardening}"),
                _cmd(f"gcloud storage buckets update {url} --versioning --project {args.project}"),
            ],
            _missing(describe_bucket),
        ),
        Step(
            f"enforce versioning, uniform access and public access prevention on {url}",
            [
                _cmd(
                    f"gcloud storage buckets update {url} --versioning {hardening}"
                    f" --project {args.project}"
                )
            ],
            bucket_drifted,
        ),
        Step(
            f"create KMS key ring {args.key_ring}",
            [_cmd(f"gcloud kms keyrings create {keyring}")],
            _missing(_cmd(f"gcloud kms keyrings describe {keyring}")),
        ),
        Step(
            f"create KMS key {args.key}",
            [
                _cmd(
                    f"gcloud kms keys create {key} --purpose encryption --rotation-period 90d"
                    f" --next-rotation-time {next_rotation}"
                )
            ],
            _missing(_cmd(f"gcloud kms keys describe {key}")),
        ),
        Step(f"log the Pulumi CLI in to {url}", [_cmd(f"pulumi login {url}")]),
    ]
    steps += [
        Step(description, commands)
        for description, commands in state_access_grants(
            bucket_url=url,
            key=key,
            project=args.project,
            deployers=args.deployers,
            previewers=args.previewers,
        )
    ]
    projects = [(".", stack) for stack in args.stacks] + list(args.extra_projects)
    for cwd, stack in projects:
        steps.append(
            Step(
                f"create stack {stack} in {cwd} with the KMS secrets provider",
                [
                    _cmd(
                        f"pulumi stack init {stack} --cwd {cwd}"
                        f" --secrets-provider {args.secrets_provider} --non-interactive"
                    )
                ],
                _stack_missing(url, cwd, stack),
            )
        )
    return steps


def execute(
    steps: list[Step], run: Runner, *, dry_run: bool, out: Callable[[str], None] = print
) -> list[str]:
    """Run (or, in dry-run, print) the needed steps; returns the descriptions acted on."""
    acted: list[str] = []
    for step in steps:
        if not step.needed(run):
            out(f"[ok]   {step.description}: already in place, skipped")
            continue
        acted.append(step.description)
        out(f"[{'plan' if dry_run else 'do'}] {step.description}")
        for argv in step.commands:
            out(f"         $ {shlex.join(argv)}")
            if dry_run:
                continue
            result = run(argv)
            if result.returncode != 0:
                raise SystemExit(
                    f"bootstrap: '{shlex.join(argv)}' failed with exit code "
                    f"{result.returncode} while trying to {step.description}:\n{result.stderr}"
                )
    return acted


def main(argv: Sequence[str] | None = None, run: Runner = subprocess_runner) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.bootstrap", description=__doc__)
    parser.add_argument("--project", required=True, help="project for the bucket and key")
    parser.add_argument("--location", required=True, help="e.g. europe-west1")
    parser.add_argument("--bucket", required=True, help="state bucket name, without gs://")
    parser.add_argument("--key-ring", default="pulumi")
    parser.add_argument("--key", default="stack-secrets")
    parser.add_argument("--stack", action="append", help="main-program stack (repeatable)")
    parser.add_argument("--deployer", action="append", default=[], help="SA email (repeatable)")
    parser.add_argument("--previewer", action="append", default=[], help="SA email (repeatable)")
    parser.add_argument("--dry-run", action="store_true", help="print, change nothing")
    ns = parser.parse_args(argv)
    args = BootstrapArgs(
        project=ns.project,
        location=ns.location,
        bucket=ns.bucket.removeprefix("gs://"),
        key_ring=ns.key_ring,
        key=ns.key,
        stacks=tuple(ns.stack or ("dev", "staging", "prod")),
        deployers=tuple(ns.deployer),
        previewers=tuple(ns.previewer),
    )
    execute(plan(args, now=datetime.now(UTC)), run, dry_run=ns.dry_run)
    print(f"\nPULUMI_BACKEND_URL={args.backend_url}")
    print(f"PULUMI_SECRETS_PROVIDER={args.secrets_provider}")
    return 0
