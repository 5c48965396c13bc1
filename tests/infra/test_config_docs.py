"""The JSON Schema editors use and README's key table are generated from the model, and the
committed stack files pass the schema (while a misspelled key does not)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mock_run import ROOT
from stack_config import docs

SCHEMA = ROOT / "infra" / "stack_config" / "stack-file.schema.json"


def _check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(SCHEMA), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_schema_and_readme_table_are_up_to_date():
    assert docs.main([]) == 0, "run: make config-docs"


def test_every_stack_file_points_editors_at_the_schema_and_passes_it():
    for path in sorted(ROOT.glob("Pulumi.*.yaml")):
        first = path.read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=infra/stack_config/stack-file.schema.json"
        done = _check(path)
        assert done.returncode == 0, done.stdout + done.stderr


def test_schema_flags_a_misspelled_key_and_a_bad_value(tmp_path: Path):
    text = (ROOT / "Pulumi.prod.yaml").read_text()
    for old, new in (("customDomain:", "customDomian:"), ("    workers: 4", "    workers: many")):
        bad = tmp_path / "Pulumi.prod.yaml"
        bad.write_text(text.replace(old, new, 1))
        done = _check(bad)
        assert done.returncode == 1, f"schema accepted {new!r}"
