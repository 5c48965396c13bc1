"""A team that puts its own ids into the three stack files keeps a green suite.

The fork (tests/governance/rename_org.py) is a copy of this working tree whose stack files
carry another organisation's project ids, numbers, region, GitHub ids, e-mails and domain;
tests/governance runs inside it and inside an unrenamed copy. (tests/app reads no stack
file; the whole suite renamed: `python -m tests.governance.rename_org tests`.)
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from tests.governance.rename_org import ROOT, STACKS, failures, make_fork, run_pytest

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("RENAMED_FORK")), reason="already inside the renamed fork"
)

CHANGED = ("gcp:project", "gcp:region", "django-gcp:projectNumber", "django-gcp:github")


@pytest.fixture(scope="module")
def fork(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_fork(tmp_path_factory.mktemp("fork"))


def _config(root: Path, stack: str) -> dict:
    return yaml.safe_load((root / f"Pulumi.{stack}.yaml").read_text())["config"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_fork_shares_no_organisation_value_with_the_example(fork: Path, stack: str) -> None:
    ours, theirs = _config(ROOT, stack), _config(fork, stack)
    for key in CHANGED:
        assert ours[key] != theirs[key], key
    assert not set(ours["django-gcp:alerts"]["emails"]) & set(theirs["django-gcp:alerts"]["emails"])
    text = (fork / f"Pulumi.{stack}.yaml").read_text()
    assert str(ours["django-gcp:projectNumber"]) not in text
    assert ours["django-gcp:github"]["repositoryId"] not in text


@pytest.mark.slow
def test_renaming_the_organisation_fails_no_governance_test(
    fork: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Compared with the same tree unrenamed, so a test that is red for another reason
    (someone's work in progress) is not blamed on the renaming, and one that only the
    renaming breaks is named."""
    control = make_fork(tmp_path_factory.mktemp("control"), rename=False)
    renamed = run_pytest(fork, ["tests/governance"])
    baseline = run_pytest(control, ["tests/governance"])
    assert "passed" in renamed.stdout, renamed.stdout[-3000:] + renamed.stderr[-2000:]
    broken_by_renaming = failures(renamed.stdout) - failures(baseline.stdout)
    assert not broken_by_renaming, renamed.stdout[-6000:]
