"""Bootstrap against a fake gcloud/pulumi that answers with the real tools' exit codes and
error texts: creates what is missing per stack, skips the rest, and says plainly when it
could not read something instead of guessing."""

from __future__ import annotations

import re
import runpy
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ops.bootstrap.cli import main
from ops.bootstrap.commands import CommandResult
from ops.bootstrap.plan import BootstrapArgs, plan
from ops.bootstrap.run import PULUMI_VERSION, execute
from ops.bootstrap.state_access import STATE_ROLES, ci_identities
from tests.governance.fake_gcloud import FakeCloud, hardened

ROOT = Path(__file__).resolve().parents[2]
ARGS = BootstrapArgs(project="acme-ops", location="europe-west1", state_prefix="acme-state")
CLI = ["--project", "acme-ops", "--location", "europe-west1", "--state-prefix", "acme-state"]
NOW = datetime(2026, 1, 1, tzinfo=UTC)
STACKS = {(".", "dev"), (".", "staging"), (".", "prod"), ("infra/github", "github")}


def run(cloud: FakeCloud, args: BootstrapArgs = ARGS, *, dry_run: bool = False) -> list[str]:
    return execute(plan(args, now=NOW), cloud, dry_run=dry_run, out=lambda _line: None).acted


def test_from_nothing_each_stack_gets_its_own_hardened_bucket_key_and_stack():
    cloud = FakeCloud()
    acted = run(cloud)
    assert len(acted) == 2 + 4 * 3  # APIs + key ring, then bucket, key, stack per stack
    assert set(cloud.buckets) == {f"gs://acme-state-{s}" for _, s in STACKS}
    assert all(meta == hardened() for meta in cloud.buckets.values())
    assert cloud.keys == {s for _, s in STACKS}
    assert cloud.stacks == {(f"gs://acme-state-{s}", cwd, s) for cwd, s in STACKS}
    inits = [m for m in cloud.mutations if "init" in m]
    for init in inits:
        stack = init[init.index("init") + 1]
        provider = init[init.index("--secrets-provider") + 1]
        assert provider == (
            f"gcpkms://projects/acme-ops/locations/europe-west1/keyRings/pulumi/cryptoKeys/{stack}"
        )
    key = next(m for m in cloud.mutations if m[:4] == ["gcloud", "kms", "keys", "create"])
    assert key[key.index("--next-rotation-time") + 1] == "2026-04-01T00:00:00Z"


def test_second_run_acts_only_on_the_naturally_idempotent_step():
    cloud = FakeCloud()
    run(cloud)
    cloud.mutations.clear()
    assert run(cloud) == ["enable the Storage and KMS APIs in the ops project"]
    assert len(cloud.mutations) == 1


def test_existing_but_unversioned_bucket_is_fixed_not_recreated():
    cloud = FakeCloud()
    run(cloud)
    cloud.buckets["gs://acme-state-prod"] = {"versioning": {"enabled": False}}
    cloud.mutations.clear()
    assert run(cloud)[1:] == [
        "enforce versioning, uniform access and public access prevention on gs://acme-state-prod"
    ]
    assert not any("create" in m for m in cloud.mutations)


def test_ci_grants_reach_only_their_own_stack_state_and_key():
    cloud = FakeCloud()
    run(cloud, BootstrapArgs(**{**ARGS.__dict__, "grant_ci": True}))
    grants = [m for m in cloud.mutations if "add-iam-policy-binding" in m]
    owner = {
        f"serviceAccount:{email}": (stack, kind)
        for stack in ("dev", "staging", "prod")
        for kind, email in ci_identities(stack, ROOT).items()
    }
    seen = set()
    for grant in grants:
        project, account = owner[grant[grant.index("--member") + 1]]
        role = grant[grant.index("--role") + 1]
        target = grant[4]  # the bucket URL, or the key's name
        assert target in (f"gs://acme-state-{project}", project), grant  # own bucket / own key
        assert role in STATE_ROLES[account]
        seen.add((project, account, role))
    assert seen == {
        (stack, account, role)
        for stack in ("dev", "staging", "prod")
        for account, roles in STATE_ROLES.items()
        for role in roles
    }
    assert not any("acme-state-github" in " ".join(g) for g in grants)  # admin-only state


def test_dry_run_without_credentials_says_it_could_not_read_anything(capsys):
    cloud = FakeCloud(logged_in=False)
    assert main([*CLI, "--dry-run"], run=cloud) == 3
    out = capsys.readouterr().out
    assert "could not read anything: gcloud has no usable account" in out
    assert "You do not currently have an active account selected." in out
    assert "gcloud auth application-default login" in out
    assert "[plan]" not in out  # nothing is claimed to be missing
    assert out.count("[unknown]") == 1 + 4 * 4  # key ring; bucket, drift, key, stack each
    assert cloud.mutations == []


def test_without_application_default_credentials_nothing_runs(capsys):
    cloud = FakeCloud(adc=False)
    assert main(CLI, run=cloud) == 3
    assert "no Application Default Credentials" in capsys.readouterr().out
    assert cloud.mutations == []


def test_a_bucket_it_may_not_read_is_unknown_in_the_plan_and_stops_a_real_run(capsys):
    cloud = FakeCloud()
    cloud.denied.add("gs://acme-state-prod")
    assert main([*CLI, "--dry-run"], run=cloud) == 3
    out = capsys.readouterr().out
    assert "[unknown] create state bucket gs://acme-state-prod: could not read (ERROR:" in out
    assert "[unknown] create stack prod" in out
    assert "[plan]    create state bucket gs://acme-state-dev" in out
    assert "could not read 3 step(s); the plan is incomplete" in out
    stop = "could not tell whether to create state bucket gs://acme-state-prod"
    with pytest.raises(SystemExit, match=stop):
        main(CLI, run=cloud)
    assert "gs://acme-state-dev" in cloud.buckets
    assert "gs://acme-state-prod" not in cloud.buckets
    assert ("gs://acme-state-github", "infra/github", "github") not in cloud.stacks


@pytest.mark.parametrize(
    ("cloud", "message"),
    [
        (FakeCloud(pulumi=""), f"--version {PULUMI_VERSION}"),
        (FakeCloud(pulumi="v3.100.0"), f"is not the pinned {PULUMI_VERSION}"),
        (FakeCloud(billing=False), "gcloud billing projects link acme-ops"),
    ],
)
def test_missing_prerequisites_stop_a_real_run_before_it_acts(cloud, message, capsys):
    assert main(CLI, run=cloud) == 1
    assert message in capsys.readouterr().out
    assert cloud.mutations == []


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        ([], "the following arguments are required: --project, --location, --state-prefix"),
        (["--project", "", "--location", "", "--state-prefix", ""], "--project is empty"),
        ([*CLI[:4], "--state-prefix", "Acme_State"], "--state-prefix is 'Acme_State'"),
        ([*CLI[:2], "--location", "europe west1", *CLI[4:]], "--location is 'europe west1'"),
        ([*CLI, "--stack", "Prod!"], "--stack is 'Prod!'"),
    ],
)
def test_bad_arguments_are_a_usage_error_and_run_nothing(argv, flag, capsys):
    cloud = FakeCloud()
    with pytest.raises(SystemExit) as stopped:
        main(argv, run=cloud)
    assert stopped.value.code == 2
    assert flag in capsys.readouterr().err
    assert cloud.mutations == []


def test_make_bootstrap_without_arguments_passes_empty_values_that_are_refused(capsys):
    shown = subprocess.run(
        ["make", "-n", "--no-print-directory", "bootstrap"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.replace("\\\n", " ")  # fmt: skip
    line = " ".join(next(line for line in shown.splitlines() if "-m ops.bootstrap" in line).split())
    assert '--project "" --location "" --state-prefix ""' in line
    argv = line.split("-m ops.bootstrap", 1)[1].replace('""', "''").split()
    with pytest.raises(SystemExit) as stopped:
        main([a if a != "''" else "" for a in argv], run=FakeCloud())
    assert stopped.value.code == 2


def test_a_failing_command_stops_with_the_step_and_stderr():
    def failing(argv: Sequence[str]) -> CommandResult:
        if list(argv)[:3] == ["gcloud", "services", "enable"]:
            return CommandResult(1, "", "PERMISSION_DENIED: serviceusage.services.enable")
        return FakeCloud()(argv)

    with pytest.raises(SystemExit, match=r"(?s)enable the Storage and KMS APIs.*PERMISSION_DENIED"):
        execute(plan(ARGS, now=NOW), failing, dry_run=False, out=lambda _line: None)


def test_cli_prints_each_stacks_backend_and_key(capsys):
    cloud = FakeCloud()
    assert main([*CLI, "--stack", "dev", "--dry-run"], run=cloud) == 0
    out = capsys.readouterr().out
    assert "dev: PULUMI_BACKEND_URL=gs://acme-state-dev\n" in out
    assert "github: PULUMI_SECRETS_PROVIDER=gcpkms://" in out
    assert "pulumi stack init prod" not in out
    assert cloud.mutations == []


def test_the_module_entry_point_runs_the_cli(monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.setattr(sys, "argv", ["python -m ops.bootstrap", "--project", "x"])
    with pytest.raises(SystemExit) as stopped:
        runpy.run_module("ops.bootstrap", run_name="__main__")
    assert stopped.value.code == 2
    assert "--location" in capsys.readouterr().err


def test_python_dash_m_entry_point_refuses_no_arguments():
    done = subprocess.run(
        [sys.executable, "-m", "ops.bootstrap"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "--state-prefix" in done.stderr


def test_a_stack_file_without_its_identities_is_named(tmp_path: Path):
    (tmp_path / "Pulumi.qa.yaml").write_text("config:\n  gcp:project: acme-qa\n")
    args = BootstrapArgs(**{**ARGS.__dict__, "grant_ci": True, "stacks": ("qa",), "root": tmp_path})
    with pytest.raises(
        ValueError, match=r"Pulumi\.qa\.yaml needs gcp:project and django-gcp:serviceName"
    ):
        plan(args, now=NOW)


def test_one_pulumi_cli_version_in_runbook_workflows_and_lock():
    runbook = (ROOT / "RUNBOOK.md").read_text()
    section = runbook.split("## Bootstrap a new environment", 1)[1].split("\n## ", 1)[0]
    assert f"--version {PULUMI_VERSION}" in section
    assert "gcloud auth application-default login" in section
    assert "gcloud billing projects link" in section
    pins = set()
    for workflow in (ROOT / ".github" / "workflows").glob("*.yml"):
        pins |= set(re.findall(r"pulumi-version:\s*([0-9.]+)", workflow.read_text()))
    assert pins == {PULUMI_VERSION}
