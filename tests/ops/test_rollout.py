"""ops.release.rollout end to end against a fake `pulumi` and synthetic Monitoring windows."""

from pathlib import Path

import pytest

from ops.clients.pulumi_cli import PulumiStack
from ops.release import rollout
from tests.ops.fakes import (
    CANDIDATE,
    IMAGE,
    STABLE,
    FakePulumi,
    candidate_outputs,
    outputs,
    write_json,
)  # fmt: skip
from tests.ops.synthetic import ERRORS_2PCT, HEALTHY, ReplayMetrics


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ops.release.controller.time.sleep", lambda _s: None)


def _main(tmp_path: Path, fake: FakePulumi, windows, *extra: str, previous=None) -> int:
    prev = write_json(tmp_path / "previous.json", previous or outputs())
    cand = write_json(tmp_path / "candidate.json", candidate_outputs())
    return rollout.main(
        ["--stack", "prod", "--previous", prev, "--outputs", cand, *extra],
        stack=PulumiStack("prod", runner=fake), metrics=ReplayMetrics(list(windows)),
    )  # fmt: skip


def test_progressive_promotion_writes_each_step_to_the_stack(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary"))
    fake = FakePulumi()
    assert _main(tmp_path, fake, [HEALTHY]) == 0
    assert fake.traffic_history() == [
        {"image": IMAGE, "trafficMode": "canary", "stableRevision": STABLE, "canaryPercent": "10"},
        {"image": IMAGE, "trafficMode": "canary", "stableRevision": STABLE, "canaryPercent": "50"},
        {"image": IMAGE, "trafficMode": "latest"},
    ]
    assert "Rollout PROMOTED" in (tmp_path / "summary").read_text()


def test_bad_canary_restores_the_stable_revision(tmp_path: Path) -> None:
    fake = FakePulumi()
    assert _main(tmp_path, fake, [HEALTHY, ERRORS_2PCT]) == 1
    assert fake.traffic_history()[-1] == {
        "image": IMAGE, "trafficMode": "pinned", "pinnedRevision": STABLE,
    }  # fmt: skip
    assert len(fake.traffic_history()) == 3  # 10%, 50%, restore


def test_direct_promotion_for_dev_and_staging(tmp_path: Path) -> None:
    fake = FakePulumi()
    assert _main(tmp_path, fake, [ERRORS_2PCT], "--direct") == 0
    assert fake.traffic_history() == [{"image": IMAGE, "trafficMode": "latest"}]


def test_first_deploy_has_nothing_to_roll_out(tmp_path: Path, capsys) -> None:
    fake = FakePulumi()
    assert _main(tmp_path, fake, [ERRORS_2PCT], previous={"serviceName": "django-app"}) == 0
    assert f"{CANDIDATE} already serves all traffic" in capsys.readouterr().out
    assert fake.traffic_history() == [{"image": IMAGE, "trafficMode": "latest"}]


def test_missing_outputs_are_a_usage_error(tmp_path: Path, capsys) -> None:
    prev = write_json(tmp_path / "p.json", outputs())
    cand = write_json(tmp_path / "c.json", outputs(rolloutSteps=[50]))
    code = rollout.main(["--stack", "prod", "--previous", prev, "--outputs", cand],
                        stack=PulumiStack("prod", runner=FakePulumi()))  # fmt: skip
    assert code == 2
    assert "rolloutSteps" in capsys.readouterr().err
