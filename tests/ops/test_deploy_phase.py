"""deploy_phase + PulumiStack against a fake `pulumi` (the CLI is not on this machine)."""

import json
import subprocess
from pathlib import Path

import pytest

from ops.clients.pulumi_cli import PulumiStack, run_command
from ops.release import deploy_phase
from tests.ops.fakes import (
    CANDIDATE,
    IMAGE,
    OLDER,
    STABLE,
    FakePulumi,
    FakeResponse,
    FakeSession,
    candidate_outputs,
    outputs,
    write_json,
)  # fmt: skip


def _run(tmp_path: Path, fake: FakePulumi, *args: str, session: FakeSession | None = None) -> int:
    previous = write_json(tmp_path / "previous.json", outputs())
    return deploy_phase.main(
        ["--stack", "prod", "--previous", previous, *args],
        stack=PulumiStack("prod", runner=fake), session=session,
    )  # fmt: skip


def test_candidate_sets_config_runs_up_and_saves_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "gh"))
    fake = FakePulumi(outputs_after_up=candidate_outputs(),
                      config={"django-gcp:pinnedRevision": OLDER})  # fmt: skip
    saved = tmp_path / "candidate.json"
    code = _run(tmp_path, fake, "--phase", "candidate", "--image", IMAGE,
                "--save-outputs", str(saved))  # fmt: skip
    assert code == 0
    assert fake.traffic_history() == [
        {"image": IMAGE, "trafficMode": "candidate", "stableRevision": STABLE}
    ]
    # A pin left in the stack config is removed: the next deploy always unpins.
    assert ["pulumi", "config", "rm", "django-gcp:pinnedRevision", "--stack", "prod",
            "--non-interactive"] in fake.calls  # fmt: skip
    assert json.loads(saved.read_text())["latestRevision"] == CANDIDATE
    assert (tmp_path / "gh").read_text() == f"revision={CANDIDATE}\nserving={STABLE}\n"


def test_abort_pins_the_stable_revision(tmp_path: Path) -> None:
    fake = FakePulumi(outputs_after_up=outputs())
    assert _run(tmp_path, fake, "--phase", "abort", "--image", IMAGE) == 0
    assert fake.traffic_history()[-1] == {
        "image": IMAGE, "trafficMode": "pinned", "pinnedRevision": STABLE
    }  # fmt: skip


def test_promote(tmp_path: Path) -> None:
    fake = FakePulumi(outputs_after_up=outputs())
    assert _run(tmp_path, fake, "--phase", "promote", "--image", IMAGE) == 0
    assert fake.traffic_history() == [{"image": IMAGE, "trafficMode": "latest"}]


def test_pin_previous_resolves_through_the_run_api(tmp_path: Path) -> None:
    listing = {"revisions": [
        {"name": f"projects/p/locations/r/services/django-app/revisions/{STABLE}",
         "createTime": "2026-11-20T10:00:00Z"},
        {"name": f"projects/p/locations/r/services/django-app/revisions/{OLDER}",
         "createTime": "2026-11-19T10:00:00Z"},
    ]}  # fmt: skip
    session = FakeSession([("GET", "/services/django-app/revisions", FakeResponse(200, listing))])
    fake = FakePulumi(outputs_after_up=outputs())
    assert _run(tmp_path, fake, "--phase", "pin", "--revision", "previous", session=session) == 0
    assert fake.traffic_history()[-1]["pinnedRevision"] == OLDER


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--phase", "candidate"], "needs --image"),
        (["--phase", "pin"], "needs --revision"),
        (["--phase", "promote", "--image", "repo/app:latest"], "pinned by digest"),
    ],
)
def test_bad_requests_fail_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    fake = FakePulumi()
    assert _run(tmp_path, fake, *args) == 1
    assert message in capsys.readouterr().err
    assert fake.ups == 0


def test_abort_without_a_previous_revision(tmp_path: Path, capsys) -> None:
    previous = write_json(tmp_path / "p.json", {"serviceName": "django-app"})
    fake = FakePulumi()
    code = deploy_phase.main(["--stack", "dev", "--previous", previous, "--phase", "abort",
                              "--image", IMAGE], stack=PulumiStack("dev", runner=fake))  # fmt: skip
    assert code == 1
    assert "nothing to restore" in capsys.readouterr().err


def test_failed_up_fails_the_phase(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakePulumi(fail_on_up={1})
    assert _run(tmp_path, fake, "--phase", "promote", "--image", IMAGE) == 1
    assert "phase promote FAILED on stack prod" in capsys.readouterr().err


def test_run_command_streams_or_captures() -> None:
    assert run_command(["echo", "hi"], True) == "hi\n"
    assert run_command(["true"], False) == ""
    with pytest.raises(subprocess.CalledProcessError):
        run_command(["false"], True)
