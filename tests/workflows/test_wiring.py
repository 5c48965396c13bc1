"""What ties the workflows to each other, to the ops tools and to the RUNBOOK."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ops.clients.pulumi_stack import POLICY_PACK, AutomationStack, StackLockedError
from tests.workflows.conftest import WORKFLOWS, triggers

ROOT = WORKFLOWS.parents[1]
DEPENDABOT = ROOT / ".github" / "dependabot.yml"


def test_called_workflows_are_local_files_that_accept_workflow_call(workflows) -> None:
    called = 0
    for name, workflow in workflows.items():
        for job_id, job in workflow["jobs"].items():
            uses = job.get("uses")
            if uses is None:
                continue
            called += 1
            # actionlint (run in CI) takes a same-repository call only as ./.github/workflows/x
            assert uses.startswith("./.github/workflows/"), f"{name}:{job_id}: {uses!r}"
            target = uses.removeprefix("./.github/workflows/")
            assert target in workflows, f"{name}:{job_id}: {target} does not exist"
            assert "workflow_call" in triggers(workflows[target]), f"{target} is not reusable"
    assert called >= 2


def test_deploy_inputs_match_what_cd_passes(workflows) -> None:
    declared = triggers(workflows["deploy.yml"])["workflow_call"]["inputs"]
    passed = workflows["cd.yml"]["jobs"]["deploy"]["with"]
    assert {name for name, spec in declared.items() if spec.get("required")} <= set(passed)
    assert set(passed) <= set(declared)
    assert passed == {
        "stack": "${{ needs.target.outputs.stack }}",
        "environment": "${{ needs.target.outputs.environment }}",
        "ignore_error_budget": "${{ inputs.ignore_error_budget == true }}",
    }


class _FakeAutomationStack:
    """pulumi.automation.Stack as the release uses it; `locked` makes up() refuse."""

    def __init__(self) -> None:
        self.config: dict[str, str] = {"django-gcp:image": "old", "gcp:project": "p"}
        self.calls: list[tuple[str, dict]] = []
        self.locked = False

    def get_all_config(self) -> dict[str, object]:
        return dict(self.config)

    def set_all_config(self, values: dict) -> None:
        self.config.update({k: v.value for k, v in values.items()})

    def remove_all_config(self, keys: list[str]) -> None:
        for key in keys:
            del self.config[key]

    def up(self, **kwargs: object) -> None:
        if self.locked:
            from pulumi import automation
            from pulumi.automation._cmd import CommandResult

            result = CommandResult(stdout="", stderr="the stack is currently locked", code=255)
            raise automation.ConcurrentUpdateError(result)
        self.calls.append(("up", kwargs))

    def preview(self, **kwargs: object) -> None:
        self.calls.append(("preview", kwargs))


def test_every_pulumi_up_the_pipeline_runs_enforces_the_policy_pack(monkeypatch) -> None:
    from pulumi import automation

    import ops.clients.state_locks

    # The lock/holder objects are the release suite's (fake Storage); not this test's.
    monkeypatch.setattr(ops.clients.state_locks, "StateLocks", lambda *args: args)
    fake = _FakeAutomationStack()
    selected: list[dict] = []
    monkeypatch.setattr(automation, "select_stack", lambda **kw: selected.append(kw) or fake)
    stack = AutomationStack("prod")
    assert selected == [{"stack_name": "prod", "work_dir": str(ROOT)}]
    stack.set_config({"trafficMode": "candidate"}, remove=["image", "pinnedRevision"])
    assert fake.config == {"gcp:project": "p", "django-gcp:trafficMode": "candidate"}
    stack.up()
    stack.preview()
    assert [(name, kw["policy_packs"]) for name, kw in fake.calls] == [
        ("up", [POLICY_PACK]),
        ("preview", [POLICY_PACK]),
    ]
    assert (ROOT / POLICY_PACK / "PulumiPolicy.yaml").is_file()
    fake.locked = True
    with pytest.raises(StackLockedError):
        stack.up()
    preview = (WORKFLOWS / "preview.yml").read_text()
    assert f"policyPacks: {POLICY_PACK}" in preview


def test_runbook_rollback_command_matches_the_dispatch_inputs(workflows) -> None:
    runbook = (ROOT / "RUNBOOK.md").read_text()
    inputs = triggers(workflows["rollback.yml"])["workflow_dispatch"]["inputs"]
    commands = re.findall(r"gh workflow run rollback\.yml((?: -f \w+=\S+)+)", runbook)
    assert commands, "RUNBOOK no longer shows the rollback command"
    for flags in commands:
        given = dict(re.findall(r"-f (\w+)=(\S+)", flags))
        assert set(given) <= set(inputs), given
        environment = given.get("environment", "").strip("`")
        assert environment in inputs["environment"]["options"], environment


def test_rollback_preempts_recovers_pins_then_smokes_the_service_url(workflows) -> None:
    runs = [s.get("run", "") for s in workflows["rollback.yml"]["jobs"]["rollback"]["steps"]]

    def index(fragment: str) -> int:
        return next(i for i, run in enumerate(runs) if fragment in run)

    order = [
        index('ops.release.preempt --environment "$ENVIRONMENT"'),
        index('ops.release.restore --stack "$STACK"'), index("--phase pin"),
        index("ops.release.smoke"),
    ]  # fmt: skip
    assert order == sorted(order)
    assert '--revision "$REVISION"' in runs[index("--phase pin")]
    steps = workflows["rollback.yml"]["jobs"]["rollback"]["steps"]
    assert steps[index("--phase pin")]["id"] == "pin"
    assert steps[index("ops.release.smoke")]["env"]["SMOKE_URL"] == (
        "${{ steps.pin.outputs.smoke_url }}"
    )


def test_ops_tools_and_options_the_workflows_call_exist() -> None:
    """Each `python -m ops.<tool>` a workflow runs, with every --option it passes."""
    # Each command substitution is a call of its own: cut at `$(` and `)` first.
    text = re.sub(r"\$\(|\)", "\n", "\n".join(p.read_text() for p in WORKFLOWS.glob("*.yml")))
    calls = re.findall(r"\bops\.([\w.]*\w)(.*)", text)
    modules = {module for module, _ in calls}
    release = {"branches", "deploy_phase", "backup", "migrate", "smoke", "rollout", "restore"}
    assert {f"release.{m}" for m in release | {"preempt"}} <= modules
    missing = []
    for module, args in calls:
        path = ROOT / "ops" / f"{module.replace('.', '/')}.py"
        if not path.is_file():
            missing.append(f"ops/{module.replace('.', '/')}.py")
            continue
        source = path.read_text()
        missing += [f"ops.{module} {flag}" for flag in re.findall(r"--[\w-]+", args)
                    if f'"{flag}"' not in source]  # fmt: skip
    assert not missing, f"the workflows call what ops/ does not have: {sorted(set(missing))}"


def test_dependabot_keeps_actions_python_and_the_base_image_current() -> None:
    config = yaml.safe_load(DEPENDABOT.read_text())
    ecosystems = {u["package-ecosystem"]: u["schedule"]["interval"] for u in config["updates"]}
    assert ecosystems == {"github-actions": "weekly", "uv": "weekly", "docker": "weekly"}
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.dependabot", str(DEPENDABOT)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_required_checks_are_jobs_pull_requests_run(workflows) -> None:
    config = yaml.safe_load((ROOT / "infra" / "github" / "Pulumi.github.yaml").read_text())
    required = config["config"]["django-gcp-github:requiredChecks"]
    ci = workflows["ci.yml"]
    assert "pull_request" in triggers(ci)
    # A workflow a pull request triggers directly reports each job under its name alone.
    names = {job.get("name", job_id) for job_id, job in ci["jobs"].items()}
    assert required
    assert set(required) <= names, f"required {required} but ci.yml reports {sorted(names)}"


def test_every_smoke_test_reads_the_outputs_so_a_private_service_gets_an_id_token() -> None:
    # ops.release.smoke sends an ID token only when --outputs says servicePublic is false.
    for name in ("deploy.yml", "rollback.yml"):
        text = (WORKFLOWS / name).read_text()
        lines = [line for line in text.splitlines() if "ops.release.smoke" in line]
        assert lines, f"{name} runs no smoke test"
        assert all("--outputs " in line for line in lines), name
