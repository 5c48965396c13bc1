"""A team's own app under app/<name>/ (app/catalog is the example) needs no tooling edits:
its tests are collected and its imports are first-party for ruff."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUFF = ROOT / ".venv" / "bin" / "ruff"


def test_tests_beside_an_app_are_collected() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    collected = done.stdout.splitlines()
    assert "app/catalog/tests.py::test_plans_are_seeded_after_the_currencies_they_use" in collected
    assert any(line.startswith("tests/governance/test_own_apps.py::") for line in collected)


def _isort_findings(source: str) -> str:
    done = subprocess.run(
        [str(RUFF), "check", "--select", "I", "--stdin-filename", "app/shop/views.py", "-"],
        cwd=ROOT,
        input=source,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.stdout


def test_app_imports_are_first_party_without_a_hand_kept_list() -> None:
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]
    assert "known-first-party" not in settings.get("lint", {}).get("isort", {})
    assert "app" in settings["src"]

    sorted_ = "from django.db import models\n\nfrom catalog.models import Plan\n\nPlan, models\n"
    assert "I001" not in _isort_findings(sorted_)
    # Sorted if catalog were third-party (c < d); I001 means ruff gives it its own block.
    mixed = "from catalog.models import Plan\nfrom django.db import models\n\nPlan, models\n"
    assert "I001" in _isort_findings(mixed)
