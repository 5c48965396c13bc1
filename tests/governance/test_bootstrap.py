"""The bootstrap plan against a fake gcloud/pulumi: creates what is missing, skips the rest."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from ops.bootstrap.plan import BootstrapArgs, CommandResult, execute, main, plan

ARGS = BootstrapArgs(project="acme-ops", location="europe-west1", bucket="acme-state")
NOW = datetime(2026, 1, 1, tzinfo=UTC)
ALWAYS = {"enable the Storage and KMS APIs", "log the Pulumi CLI in to gs://acme-state"}


class FakeCloud:
    """Answers describe/list commands from its state and applies create commands to it."""

    def __init__(self, *, bucket: dict | None = None, key_ring=False, key=False, stacks=()):
        self.bucket = bucket
        self.key_ring, self.key = key_ring, key
        self.stacks: set[tuple[str, str]] = set(stacks)
        self.mutations: list[list[str]] = []

    def __call__(self, argv: Sequence[str]) -> CommandResult:
        argv = list(argv)
        if argv[:4] == ["gcloud", "storage", "buckets", "describe"]:
            found = self.bucket is not None
            return CommandResult(0 if found else 1, json.dumps(self.bucket) if found else "")
        if argv[:3] == ["gcloud", "kms", "keyrings"] and argv[3] == "describe":
            return CommandResult(0 if self.key_ring else 1)
        if argv[:3] == ["gcloud", "kms", "keys"] and argv[3] == "describe":
            return CommandResult(0 if self.key else 1)
        if argv[0] == "env" and argv[2:5] == ["pulumi", "stack", "ls"]:
            cwd = argv[argv.index("--cwd") + 1]
            names = [{"name": f"organization/django-gcp/{s}"} for c, s in self.stacks if c == cwd]
            return CommandResult(0, json.dumps(names))
        self.mutations.append(argv)
        if argv[:4] == ["gcloud", "storage", "buckets", "create"]:
            self.bucket = {"iamConfiguration": {}}
        elif argv[:4] == ["gcloud", "storage", "buckets", "update"]:
            self.bucket = compliant_bucket()
        elif argv[:4] == ["gcloud", "kms", "keyrings", "create"]:
            self.key_ring = True
        elif argv[:4] == ["gcloud", "kms", "keys", "create"]:
            self.key = True
        elif argv[:3] == ["pulumi", "stack", "init"]:
            self.stacks.add((argv[argv.index("--cwd") + 1], argv[3]))
        return CommandResult(0)


def compliant_bucket() -> dict:
    return {
        "versioning": {"enabled": True},
        "iamConfiguration": {
            "uniformBucketLevelAccess": {"enabled": True},
            "publicAccessPrevention": "enforced",
        },
    }


def run(cloud: FakeCloud, *, dry_run: bool = False) -> list[str]:
    return execute(plan(ARGS, now=NOW), cloud, dry_run=dry_run, out=lambda _line: None)


def test_from_nothing_creates_everything_with_the_hardened_settings():
    cloud = FakeCloud()
    acted = run(cloud)
    assert len(acted) == 2 + 1 + 2 + 4  # always-steps, bucket, key ring + key, 4 stacks
    create = next(m for m in cloud.mutations if m[:4] == ["gcloud", "storage", "buckets", "create"])
    assert "--uniform-bucket-level-access" in create
    assert "--public-access-prevention" in create
    assert cloud.bucket == compliant_bucket()
    key = next(m for m in cloud.mutations if m[:4] == ["gcloud", "kms", "keys", "create"])
    assert key[key.index("--next-rotation-time") + 1] == "2026-04-01T00:00:00Z"
    inits = [m for m in cloud.mutations if m[:3] == ["pulumi", "stack", "init"]]
    assert {(m[m.index("--cwd") + 1], m[3]) for m in inits} == {
        (".", "dev"),
        (".", "staging"),
        (".", "prod"),
        ("infra/github", "github"),
    }
    provider = (
        "gcpkms://projects/acme-ops/locations/europe-west1/keyRings/pulumi/cryptoKeys/stack-secrets"
    )
    assert all(m[m.index("--secrets-provider") + 1] == provider for m in inits)
    assert ["pulumi", "login", "gs://acme-state"] in cloud.mutations


def test_second_run_only_repeats_the_naturally_idempotent_steps():
    cloud = FakeCloud()
    run(cloud)
    cloud.mutations.clear()
    assert set(run(cloud)) == ALWAYS
    assert all(m[:3] != ["pulumi", "stack", "init"] for m in cloud.mutations)


def test_existing_but_unversioned_bucket_is_fixed_not_recreated():
    stacks = {(".", "dev"), (".", "staging"), (".", "prod"), ("infra/github", "github")}
    cloud = FakeCloud(
        bucket={"versioning": {"enabled": False}}, key_ring=True, key=True, stacks=stacks
    )
    acted = run(cloud)
    assert set(acted) - ALWAYS == {
        "enforce versioning, uniform access and public access prevention on gs://acme-state"
    }
    assert not any(m[:4] == ["gcloud", "storage", "buckets", "create"] for m in cloud.mutations)


def test_dry_run_checks_but_changes_nothing_and_prints_the_commands():
    cloud = FakeCloud(key_ring=True)
    printed: list[str] = []
    acted = execute(plan(ARGS, now=NOW), cloud, dry_run=True, out=printed.append)
    assert cloud.mutations == []
    assert "create KMS key ring pulumi" not in acted
    assert "create KMS key stack-secrets" in acted
    assert any("$ gcloud storage buckets create gs://acme-state" in line for line in printed)
    assert any(line.startswith("[ok]") and "key ring" in line for line in printed)


def test_a_failing_command_stops_with_the_step_and_stderr():
    def failing(argv: Sequence[str]) -> CommandResult:
        if list(argv)[:3] == ["gcloud", "services", "enable"]:
            return CommandResult(1, "", "PERMISSION_DENIED: serviceusage.services.enable")
        return CommandResult(1)

    with pytest.raises(SystemExit, match=r"(?s)enable the Storage and KMS APIs.*PERMISSION_DENIED"):
        execute(plan(ARGS, now=NOW), failing, dry_run=False, out=lambda _line: None)


def test_cli_prints_the_github_variables(capsys):
    cloud = FakeCloud()
    argv = ["--project", "acme-ops", "--location", "europe-west1", "--bucket", "gs://acme-state"]
    assert main([*argv, "--stack", "dev", "--dry-run"], run=cloud) == 0
    out = capsys.readouterr().out
    assert "PULUMI_BACKEND_URL=gs://acme-state\n" in out
    assert "cryptoKeys/stack-secrets" in out
    assert "pulumi stack init dev" in out
    assert "pulumi stack init prod" not in out
    assert cloud.mutations == []


def test_ci_identities_get_state_and_key_access_by_role():
    args = BootstrapArgs(
        project="acme-ops",
        location="europe-west1",
        bucket="acme-state",
        deployers=("django-app-deployer@acme-django-prod.iam.gserviceaccount.com",),
        previewers=("django-app-previewer@acme-django-prod.iam.gserviceaccount.com",),
    )
    cloud = FakeCloud()
    execute(plan(args, now=NOW), cloud, dry_run=False, out=lambda _line: None)
    grants = {
        (m[m.index("--member") + 1].split("@")[0], m[1], m[m.index("--role") + 1])
        for m in cloud.mutations
        if "add-iam-policy-binding" in m
    }
    assert grants == {
        ("serviceAccount:django-app-deployer", "storage", "roles/storage.objectAdmin"),
        ("serviceAccount:django-app-deployer", "kms", "roles/cloudkms.cryptoKeyEncrypterDecrypter"),
        ("serviceAccount:django-app-previewer", "storage", "roles/storage.objectViewer"),
        ("serviceAccount:django-app-previewer", "kms", "roles/cloudkms.cryptoKeyDecrypter"),
    }
