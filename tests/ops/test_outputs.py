import json
from pathlib import Path

import pytest

from ops.clients import actions as github
from ops.release.outputs import OutputError, StackOutputs, github_variables, load, main
from tests.ops.fakes import CANDIDATE, STABLE, candidate_outputs, outputs, write_json


def test_serving_revision_follows_latest_or_the_largest_share() -> None:
    assert StackOutputs(outputs()).serving_revision() == STABLE
    assert StackOutputs(candidate_outputs()).serving_revision() == STABLE
    canary = candidate_outputs()
    canary["traffic"][0]["percent"], canary["traffic"][1]["percent"] = 40, 60
    assert StackOutputs(canary).serving_revision() == CANDIDATE
    assert StackOutputs({}).serving_revision() is None


@pytest.mark.parametrize("steps", [[], [10, 50], [50, 10, 100], [0, 100], [10, 10, 100], "x"])
def test_bad_rollout_steps_are_refused(steps: object) -> None:
    with pytest.raises(OutputError, match="rolloutSteps"):
        _ = StackOutputs(outputs(rolloutSteps=steps)).rollout_steps


def test_thresholds_are_validated() -> None:
    assert StackOutputs(outputs()).error_rate_threshold == 0.01
    with pytest.raises(OutputError, match="errorRateThreshold"):
        _ = StackOutputs(outputs(errorRateThreshold=1.5)).error_rate_threshold
    with pytest.raises(OutputError, match="latencyP95ThresholdMs"):
        _ = StackOutputs(outputs(latencyP95ThresholdMs=0)).latency_p95_threshold_ms
    with pytest.raises(OutputError, match="'migrationJobName' is missing"):
        StackOutputs({}).text("migrationJobName")
    with pytest.raises(OutputError, match="must be a string"):
        StackOutputs(outputs()).text("rolloutSteps")
    with pytest.raises(OutputError, match="must be a list"):
        _ = StackOutputs(outputs(traffic="x")).traffic


def test_github_variables_come_from_outputs() -> None:
    values = github_variables(StackOutputs(outputs()))
    assert values["ARTIFACT_REGISTRY"] == "europe-west1-docker.pkg.dev/acme-django-prod/django"
    assert set(values) == {"GCP_PROJECT_ID", "GCP_REGION", "WIF_PROVIDER",
                           "DEPLOYER_SERVICE_ACCOUNT", "PREVIEWER_SERVICE_ACCOUNT",
                           "ARTIFACT_REGISTRY"}  # fmt: skip


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_json(tmp_path / "o.json", outputs())
    assert main(["--file", path, "get", "candidateUrl"]) == 0
    assert main(["--file", path, "get", "rolloutSteps"]) == 0
    assert main(["--file", path, "github-vars"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("https://candidate---")
    assert json.loads(out[1]) == [10, 50, 100]
    assert "GCP_PROJECT_ID=acme-django-prod" in out
    assert main(["--file", path, "get", "nope"]) == 1
    assert "'nope' is missing" in capsys.readouterr().err


def test_load_accepts_an_empty_stack_and_refuses_non_objects(tmp_path: Path) -> None:
    (tmp_path / "empty.json").write_text("")
    assert load(tmp_path / "empty.json").raw == {}
    (tmp_path / "list.json").write_text("[]")
    with pytest.raises(OutputError, match="JSON object"):
        load(tmp_path / "list.json")


def test_github_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    github.write_outputs({"a": "b"})  # outside Actions: nothing to write, no error
    github.write_summary("x")
    github.write_summary("# hi", path=str(tmp_path / "s"))
    assert (tmp_path / "s").read_text() == "# hi\n\n"
    with pytest.raises(ValueError, match="single line"):
        github.write_outputs({"a": "b\nforged=1"}, path=str(tmp_path / "o"))
