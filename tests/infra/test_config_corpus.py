"""Every bad edit to a real stack file fails `make plan` with exit 2 and one clear line per
problem naming the key; every unusual but valid edit plans."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mock_run import ROOT
from plan import main
from tests.infra.config_corpus import BAD, GOOD


def _edited(tmp_path: Path, stack: str, old: str, new: str) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    text = (ROOT / f"Pulumi.{stack}.yaml").read_text()
    assert old in text, f"the corpus edit no longer applies to Pulumi.{stack}.yaml: {old!r}"
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(text.replace(old, new, 1))
    return tmp_path


def test_the_corpus_covers_at_least_80_bad_edits():
    assert len(BAD) >= 80
    assert len({(stack, old, new) for stack, old, new, _ in BAD}) == len(BAD)


@pytest.mark.parametrize(("stack", "old", "new", "expected"), BAD)
def test_bad_edit_fails_with_one_clear_message(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    stack: str,
    old: str,
    new: str,
    expected: str,
):
    code = main([stack, "--stack-dir", str(_edited(tmp_path, stack, old, new))])
    err = capsys.readouterr().err
    assert code == 2, err
    assert expected in err
    assert "Traceback" not in err
    for line in err.strip().splitlines():
        assert line.startswith("error: "), line
        # Each problem names the stack (or the file, for YAML syntax) and a key.
        assert f"stack {stack}:" in line or f"Pulumi.{stack}.yaml:" in line, line


@pytest.mark.parametrize(("stack", "old", "new"), GOOD)
def test_unusual_but_valid_edit_plans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stack: str, old: str, new: str
):
    code = main([stack, "--stack-dir", str(_edited(tmp_path, stack, old, new))])
    assert code == 0, capsys.readouterr().err


def test_every_problem_is_reported_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    text = (ROOT / "Pulumi.prod.yaml").read_text()
    for old, new in (
        ("customDomain:", "customDomian:"),
        ("    timeoutSeconds: 60", '    timeoutSeconds: "60"'),
        ("    maintenanceHour: 4", "    maintenanceHour: 25"),
        ("  gcp:region: europe-west1", "  gcp:region: mars-north1"),
    ):
        text = text.replace(old, new, 1)
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "Pulumi.prod.yaml").write_text(text)
    assert main(["prod", "--stack-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    for key in ("customDomian", "run.timeoutSeconds", "database.maintenanceHour"):
        assert key in err
