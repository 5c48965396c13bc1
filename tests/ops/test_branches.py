from pathlib import Path

import pytest

from ops.release import branches


@pytest.mark.parametrize(
    ("ref", "stack"),
    [
        ("develop", "dev"),
        ("homolog", "staging"),
        ("main", "prod"),
        ("refs/heads/develop", "dev"),
        ("refs/heads/homolog", "staging"),
        ("refs/heads/main", "prod"),
    ],
)
def test_deploying_branches_map_to_their_stack_and_environment(ref: str, stack: str) -> None:
    target = branches.target_for(ref)
    assert target == branches.Target(stack=stack, environment=stack)


@pytest.mark.parametrize(
    "ref",
    ["feature/x", "Main", "develop2", "refs/tags/main", "refs/pull/1/merge", "", "master"],
)
def test_every_other_ref_never_deploys(ref: str) -> None:
    assert branches.target_for(ref) is None


def test_cli_writes_github_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    monkeypatch.setenv("GITHUB_OUTPUT", str(out))
    assert branches.main(["--branch", "refs/heads/homolog"]) == 0
    assert out.read_text() == "deploy=true\nstack=staging\nenvironment=staging\n"


def test_cli_unmapped_branch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "out"))
    assert branches.main(["--branch", "feature/x"]) == 0
    assert branches.main(["--branch", "feature/x", "--require"]) == 3
    assert "does not deploy" in capsys.readouterr().err
    assert "deploy=false" in (tmp_path / "out").read_text()
