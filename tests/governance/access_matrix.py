"""Every grant of one environment, computed from the mocked program plus the bootstrap's
state grants, as (identity, role, resource) rows that SECURITY.md's matrix must equal.

Raw grants keep the real names (projects, buckets, keys) so cross-environment reach can be
checked; rows replace them with the environment-independent words SECURITY.md uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mock_run import ProgramRun
from ops.bootstrap.plan import BootstrapArgs
from ops.bootstrap.state_access import ci_identities, state_access_grants

ROOT = Path(__file__).resolve().parents[2]
SA = re.compile(
    r"^serviceAccount:(?P<id>[^@]+)@(?P<project>[a-z0-9-]+)\.iam\.gserviceaccount\.com$"
)
PRINCIPAL = re.compile(r"/attribute\.(?P<attribute>[a-z_]+)/(?P<value>.+)$")
MATRIX = re.compile(r"<!-- access-matrix:start -->(.*?)<!-- access-matrix:end -->", re.S)
# Grants the optional platform sections add when a stack turns them on (README).
OPTIONAL = re.compile(
    r"<!-- access-matrix-optional:start -->(.*?)<!-- access-matrix-optional:end -->", re.S
)
# Where each IAM resource type grants, and how its target is named in rows.
TARGETS = {
    "gcp:projects/iAMMember:IAMMember": "project",
    "gcp:serviceaccount/iAMMember:IAMMember": "service account",
    "gcp:secretmanager/secretIamMember:SecretIamMember": "secret",
    "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": "registry repository",
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember": "Cloud Run service",
    "gcp:cloudrunv2/jobIamMember:JobIamMember": "Cloud Run job",
    "gcp:storage/bucketIAMMember:BucketIAMMember": "media bucket",
}
STATE_ARGS = BootstrapArgs(project="ops", location="europe-west1", state_prefix="state")


@dataclass(frozen=True)
class Grant:
    """One binding with real names: member, role, where (type + target), condition."""

    member: str
    role: str
    kind: str  # a TARGETS value, "state bucket" or "KMS key"
    target: str  # project id, account email, secret id, bucket URL, key name
    condition: str = ""


def program_grants(run: ProgramRun) -> list[Grant]:
    grants = []
    for resource in run.resources:
        kind = TARGETS.get(resource.type)
        if kind is None:
            if "iam" in resource.type.lower() and "Member" in resource.type:
                raise AssertionError(f"matrix does not know IAM type {resource.type}")
            continue
        inputs = resource.inputs
        target = {
            "project": inputs.get("project", ""),
            "service account": str(inputs.get("serviceAccountId", "")).rsplit("/", 1)[-1],
            "secret": inputs.get("secretId", ""),
        }.get(kind, inputs.get("name") or inputs.get("repository") or kind)
        condition = (inputs.get("condition") or {}).get("expression", "")
        grants.append(Grant(inputs["member"], inputs["role"], kind, str(target), condition))
    return grants


def state_grants(stack: str) -> list[Grant]:
    grants = []
    commands = state_access_grants(
        bucket_url=STATE_ARGS.bucket_url(stack),
        key_flags=STATE_ARGS.key_flags(stack),
        identities=ci_identities(stack, ROOT),
    )
    for _description, argvs in commands:
        for argv in argvs:
            member, role = argv[argv.index("--member") + 1], argv[argv.index("--role") + 1]
            kind = "state bucket" if argv[1] == "storage" else "KMS key"
            grants.append(Grant(member, role, kind, argv[4]))
    return grants


def identity_of(member: str) -> str:
    """`deployer` for serviceAccount:<service>-deployer@..., `GitHub <attribute>=<value>`."""
    if match := SA.match(member):
        return match.group("id").rsplit("-", 1)[-1]
    if match := PRINCIPAL.search(member):
        return f"GitHub token with {match.group('attribute')}"
    return member


# The one grant across environments (policy pack: PROMOTION_READ): the next environment's
# deployer reads this registry to copy tested images by digest.
PROMOTION = ("roles/artifactregistry.reader", "registry repository")
NEXT_DEPLOYER = "next environment's deployer"


def is_promotion_read(grant: Grant, project: str) -> bool:
    member = SA.match(grant.member)
    return (
        (grant.role, grant.kind) == PROMOTION
        and member is not None
        and member.group("project") != project
        and member.group("id").endswith("-deployer")
    )


def row(grant: Grant, stack: str) -> tuple[str, str, str]:
    from mock_run import stack_config  # pyright: ignore[reportMissingImports]

    if is_promotion_read(grant, stack_config(stack)["gcp:project"]):
        return NEXT_DEPLOYER, grant.role, grant.kind
    where = grant.kind
    if grant.kind == "service account":
        where = f"service account {identity_of('serviceAccount:' + grant.target)}"
    elif grant.kind == "secret":
        where = f"secret {grant.target}"
    elif grant.kind in ("state bucket", "KMS key"):
        own = grant.target in (STATE_ARGS.bucket_url(stack), stack)
        where = f"{grant.kind} of {'its own stack' if own else grant.target}"
    if grant.condition:
        where += " (condition: its own secrets)"
    return identity_of(grant.member), grant.role, where


def documented_rows(text: str, table: re.Pattern[str] = MATRIX) -> dict[tuple[str, str, str], str]:
    """(identity, role, on) -> why, from SECURITY.md's table between the markers."""
    found = table.search(text)
    if not found:
        raise AssertionError(f"SECURITY.md has no table {table.pattern[:40]}...")
    rows = {}
    for line in found.group(1).strip().splitlines()[2:]:
        cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[3]:
            raise AssertionError(f"matrix row needs identity | role | on | why: {line!r}")
        rows[(cells[0], cells[1], cells[2])] = cells[3]
    return rows
