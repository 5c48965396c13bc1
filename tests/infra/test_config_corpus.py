"""Every bad edit to a real stack file fails `make plan` with exit 2 and one clear line per
problem naming the key; every unusual but valid edit plans."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from mock_run import ROOT
from plan import main
from tests.infra.config_corpus import BAD, GOOD


def _entry_span(lines: list[str], key: str) -> tuple[int, int] | None:
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith(key)), None)
    if start is None:
        return None
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = start + 1
    while end < len(lines) and (
        not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent
    ):
        end += 1
    return start, end


def _apply(text: str, selector: str, new: str) -> str:
    """Replace the entry of the key `selector` names (see config_corpus) with `new`."""
    key = selector.strip()
    # A section the edit writes in full replaces the one the stack file may already have
    # (a team's files differ in which optional sections they turn on).
    for written in re.findall(r"^  (\S+:\S+:)", new, re.M):
        lines = text.splitlines(keepends=True)
        span = _entry_span(lines, written) if written != key else None
        if span is not None:
            text = "".join([*lines[: span[0]], *lines[span[1] :]])
    lines = text.splitlines(keepends=True)
    span = _entry_span(lines, key)
    assert span is not None, f"no key {key!r} in the stack file"
    start, end = span
    indent = len(lines[start]) - len(lines[start].lstrip())
    entry = "".join(lines[start:end])
    if new and not new[0].isspace():  # written without indentation: keep the entry's
        new = " " * indent + new
    if re.fullmatch(r"\s*\S+:", new):  # a rename keeps the value and the children
        return "".join([*lines[:start], entry.replace(key, new.strip(), 1), *lines[end:]])
    replaced = new.replace("{entry}", entry.rstrip("\n"))
    return "".join([*lines[:start], replaced.rstrip("\n") + "\n" if replaced else "", *lines[end:]])


def _edited(tmp_path: Path, stack: str, edits: list[tuple[str, str]]) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    text = (ROOT / f"Pulumi.{stack}.yaml").read_text()
    for selector, new in edits:
        text = _apply(text, selector, new)
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(text)
    return tmp_path


def test_the_corpus_covers_at_least_80_bad_edits():
    assert len(BAD) >= 80
    assert len({repr(edits) for _, edits, _ in BAD}) == len(BAD)


@pytest.mark.parametrize(("stack", "edits", "expected"), BAD)
def test_bad_edit_fails_with_one_clear_message(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    stack: str,
    edits: list[tuple[str, str]],
    expected: str,
):
    code = main([stack, "--stack-dir", str(_edited(tmp_path, stack, edits))])
    err = capsys.readouterr().err
    assert code == 2, err
    assert expected in err
    assert "Traceback" not in err
    for line in err.strip().splitlines():
        assert line.startswith("error: "), line
        # Each problem names the stack (or the file, for YAML syntax) and a key.
        assert f"stack {stack}:" in line or f"Pulumi.{stack}.yaml:" in line, line


@pytest.mark.parametrize(("stack", "edits"), GOOD)
def test_unusual_but_valid_edit_plans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stack: str, edits: list[tuple[str, str]]
):
    code = main([stack, "--stack-dir", str(_edited(tmp_path, stack, edits))])
    assert code == 0, capsys.readouterr().err


def test_every_problem_is_reported_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    edits = [
        ("  django-gcp:customDomain:", "  django-gcp:customDomian: x.example"),
        ("    timeoutSeconds:", '    timeoutSeconds: "60"'),
        ("    maintenanceHour:", "    maintenanceHour: 25"),
    ]
    assert main(["prod", "--stack-dir", str(_edited(tmp_path, "prod", edits))]) == 2
    err = capsys.readouterr().err
    for key in ("customDomian", "run.timeoutSeconds", "database.maintenanceHour"):
        assert key in err


def _another_organisation(root: Path) -> Path:
    """Copies of the stack files with another team's ids, e-mails, domain and sizes."""
    swaps = {
        "acme-django-": "zeta-shop-", "161803398874": "900000000001",
        "271828182845": "900000000002", "314159265358": "900000000003",
        "812345678": "700000001", "91234567": "700000002", "acme/django-gcp": "zeta/shop",
        "acme.example": "zeta.test", "europe-west1": "us-east4",
        "db-custom-2-7680": "db-custom-4-15360",
    }  # fmt: skip
    root.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", root / "Pulumi.yaml")
    for path in ROOT.glob("Pulumi.*.yaml"):
        text = path.read_text()
        for ours, theirs in swaps.items():
            text = text.replace(ours, theirs)
        (root / path.name).write_text(text)
    return root


def test_corpus_holds_for_another_organisations_stack_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    other = _another_organisation(tmp_path / "theirs")
    for stack in ("dev", "staging", "prod"):
        assert main([stack, "--stack-dir", str(other)]) == 0, capsys.readouterr().err
    monkeypatch.setattr("tests.infra.test_config_corpus.ROOT", other)
    for stack, edits, expected in BAD:
        work = tmp_path / "case"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        assert main([stack, "--stack-dir", str(_edited(work, stack, edits))]) == 2
        assert expected in capsys.readouterr().err, (stack, edits)
