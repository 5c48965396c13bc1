"""What must exist before the first `pulumi up`: per stack a state bucket, a KMS key, the stack.

Each stack (dev, staging, prod, and the GitHub settings project's `github`) gets its own
bucket `gs://<prefix>-<stack>` and key `<ring>/<stack>` in the ops project, so one
environment's identities can be given its state and nothing else (state_access.py says why
not one bucket). Every step first asks Google Cloud (or the Pulumi CLI) whether its target
already exists in the wanted shape, and only acts when it does not.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from ops.bootstrap.commands import Probe, Runner, State, classify
from ops.bootstrap.state_access import ci_identities, state_access_grants

# Old key versions stay usable for decryption (KMS keeps them); new secrets get a fresh one.
KEY_ROTATION = timedelta(days=90)
APIS = ("storage.googleapis.com", "cloudkms.googleapis.com")
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class BootstrapArgs:
    """Names of the one-time resources (validated by the CLI before they get here)."""

    project: str
    """Project that holds the state buckets and KMS keys (a separate ops project)."""
    location: str
    """Bucket and key ring location, e.g. europe-west1."""
    state_prefix: str
    """Bucket names are `<state_prefix>-<stack>`; bucket names are global, so make it yours."""
    key_ring: str = "pulumi"
    stacks: tuple[str, ...] = ("dev", "staging", "prod")
    """Stacks of the main program (Pulumi.yaml at the repo root)."""
    extra_projects: tuple[tuple[str, str], ...] = (("infra/github", "github"),)
    """(project directory, stack) of further Pulumi projects; their state is admin-only."""
    grant_ci: bool = False
    """Grant each stack's deployer/previewer (named in its stack file) its own state."""
    root: Path = ROOT

    def bucket_url(self, stack: str) -> str:
        return f"gs://{self.state_prefix}-{stack}"

    def key_flags(self, stack: str) -> str:
        return (
            f"{stack} --keyring {self.key_ring} --location {self.location} --project {self.project}"
        )

    def secrets_provider(self, stack: str) -> str:
        return (
            f"gcpkms://projects/{self.project}/locations/{self.location}"
            f"/keyRings/{self.key_ring}/cryptoKeys/{stack}"
        )


Known = dict[str, State]
"""What earlier probes found, so a later step can rely on it (a stack in a bucket that is
about to be created is absent, not unknown)."""


@dataclass
class Step:
    """One idempotent action: `probe` answers whether its target exists, `commands` act.

    No probe: always run (naturally idempotent, e.g. enabling an API)."""

    description: str
    commands: list[list[str]]
    probe: Callable[[Runner, Known], Probe] | None = None
    key: str = ""
    """Under which name the probe's answer is remembered in Known."""


def _cmd(line: str) -> list[str]:
    """argv from one readable line; every value interpolated here is validated by the CLI."""
    return shlex.split(line)


def _exists(argv: list[str]) -> Callable[[Runner, Known], Probe]:
    return lambda run, _known: classify(run(argv))


def _bucket_drift(describe: list[str]) -> Callable[[Runner, Known], Probe]:
    """PRESENT when the bucket is hardened; ABSENT (= fix it) when it exists but is not."""

    def probe(run: Runner, known: Known) -> Probe:
        result = run(describe)
        found = classify(result)
        if found.state is not State.PRESENT:
            # Missing: the create step hardens it; unknown stays unknown.
            return Probe(State.PRESENT) if found.state is State.ABSENT else found
        meta = json.loads(result.stdout or "{}")
        iam = meta.get("iamConfiguration", {})
        hardened = (
            meta.get("versioning", {}).get("enabled") is True
            and iam.get("uniformBucketLevelAccess", {}).get("enabled") is True
            and iam.get("publicAccessPrevention") == "enforced"
        )
        return Probe(State.PRESENT if hardened else State.ABSENT)

    return probe


def _stack_exists(bucket: str, backend: str, cwd: str, stack: str):
    def probe(run: Runner, known: Known) -> Probe:
        if known.get(bucket) is State.ABSENT:
            return Probe(State.ABSENT)  # its bucket is about to be created
        if known.get(bucket) is State.UNKNOWN:
            return Probe(State.UNKNOWN, f"could not read {backend}")
        listed = run(_cmd(f"env PULUMI_BACKEND_URL={backend} pulumi stack ls --json --cwd {cwd}"))
        if listed.returncode != 0:
            return classify(listed)
        names = {entry.get("name", "").rsplit("/", 1)[-1] for entry in json.loads(listed.stdout)}
        return Probe(State.PRESENT if stack in names else State.ABSENT)

    return probe


def _stack_steps(args: BootstrapArgs, cwd: str, stack: str, now: datetime) -> list[Step]:
    url, where = args.bucket_url(stack), f"--location {args.location} --project {args.project}"
    describe = _cmd(
        f"gcloud storage buckets describe {url} --raw --format=json --project {args.project}"
    )
    hardening = "--uniform-bucket-level-access --public-access-prevention"
    next_rotation = (now + KEY_ROTATION).strftime("%Y-%m-%dT%H:%M:%SZ")
    key = args.key_flags(stack)
    steps = [
        Step(
            f"create state bucket {url}",
            [
                _cmd(f"gcloud storage buckets create {url} {where} {hardening}"),
                _cmd(f"gcloud storage buckets update {url} --versioning --project {args.project}"),
            ],
            _exists(describe),
            key=url,
        ),
        Step(
            f"enforce versioning, uniform access and public access prevention on {url}",
            [
                _cmd(
                    f"gcloud storage buckets update {url} --versioning {hardening}"
                    f" --project {args.project}"
                )
            ],
            _bucket_drift(describe),
        ),
        Step(
            f"create KMS key {args.key_ring}/{stack}",
            [
                _cmd(
                    f"gcloud kms keys create {key} --purpose encryption --rotation-period 90d"
                    f" --next-rotation-time {next_rotation}"
                )
            ],
            _exists(_cmd(f"gcloud kms keys describe {key}")),
        ),
        Step(
            f"create stack {stack} in {cwd} in {url} with key {args.key_ring}/{stack}",
            [
                _cmd(
                    f"env PULUMI_BACKEND_URL={url} pulumi stack init {stack} --cwd {cwd}"
                    f" --secrets-provider {args.secrets_provider(stack)} --non-interactive"
                )
            ],
            _stack_exists(url, url, cwd, stack),
        ),
    ]
    if args.grant_ci and cwd == ".":
        identities = ci_identities(stack, args.root)
        steps += [
            Step(description, commands)
            for description, commands in state_access_grants(
                bucket_url=url, key_flags=key, identities=identities
            )
        ]
    return steps


def plan(args: BootstrapArgs, *, now: datetime) -> list[Step]:
    """The ordered steps; each is skipped at run time when its target already exists."""
    ring = f"{args.key_ring} --location {args.location} --project {args.project}"
    steps = [
        Step(
            "enable the Storage and KMS APIs in the ops project",
            [_cmd(f"gcloud services enable {' '.join(APIS)} --project {args.project}")],
        ),
        Step(
            f"create KMS key ring {args.key_ring}",
            [_cmd(f"gcloud kms keyrings create {ring}")],
            _exists(_cmd(f"gcloud kms keyrings describe {ring}")),
        ),
    ]
    projects = [(".", stack) for stack in args.stacks] + list(args.extra_projects)
    for cwd, stack in projects:
        steps += _stack_steps(args, cwd, stack, now)
    return steps


@dataclass
class Outcome:
    """What execute() did: steps acted on (or planned), and those it could not judge."""

    acted: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
