"""RUNBOOK.md names only things that exist: make targets, workflows and their inputs, config
keys, stack outputs, management commands, ops tools and their options, resource names."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from mock_run import run_program
from tests.governance.runbook_refs import extract, problems

ROOT = Path(__file__).resolve().parents[2]
RUNBOOK = (ROOT / "RUNBOOK.md").read_text()

# The procedures issue 5 asks for, as the headings that hold them.
PROCEDURES = [
    "Rollback criteria and communication",
    "Roll back a release",
    "Validate health after a deploy",
    "Re-run the migration job",
    "Restore the database",
    "Restore drill",
    "Rotate the Django secret key without logging everyone out",
    "Rotate the database password",
    "Add a value for an extra application secret",
    "Bootstrap a new environment from nothing, and first deploy",
    "Common failures",
]
FAILURES = [
    "rejected by the attribute condition",
    "Cloud SQL connection limit",
    "Secret version missing",
    "Revision failing its startup probe",
]


@functools.cache
def prod_resource_names() -> set[str]:
    return {resource.name for resource in run_program("prod").resources}


def test_every_procedure_of_the_issue_has_a_section():
    headings = set(re.findall(r"^##+ (.+)$", RUNBOOK, re.M))
    missing = [p for p in PROCEDURES if not any(h.startswith(p) for h in headings)]
    assert not missing, f"RUNBOOK.md lacks sections: {missing}"
    assert all(failure in RUNBOOK for failure in FAILURES)


def test_the_runbook_refers_to_each_kind_of_thing():
    refs = extract(RUNBOOK)
    assert {"bootstrap", "plan", "policy-preview", "github-up"} <= refs.make_targets
    assert "restore-drill.yml" in refs.workflows
    assert "django-gcp:pinnedRevision" in refs.config_keys
    assert {"serviceUrl", "migrationJobName", "connectionBudget"} <= refs.stack_outputs
    assert {"healthcheck", "showmigrations"} <= refs.manage_commands
    assert ("release.deploy_phase", "--revision") in refs.ops_flags
    assert "secrets-django-secret-key-value" in refs.resource_names


def test_everything_the_runbook_names_exists():
    assert problems(extract(RUNBOOK), ROOT, prod_resource_names()) == []


def test_the_check_catches_stale_references():
    stale = """
```bash
make deploy-everything
gh workflow run restore-drill.yml -f lag=5
gh workflow run nightly.yml
pulumi config set --stack prod django-gcp:trafficMood pinned
pulumi stack output databaseUrl --stack prod
python manage.py migrate_all
python -m ops.release.smoke --base-uri https://x
python -m ops.teleport
pulumi up --stack production --replace 'urn:pulumi:prod::x::nothing-here'
```
Set `django-gcp:database.tierr` first.
"""
    found = problems(extract(stale), ROOT, prod_resource_names())
    expected = [
        "make deploy-everything", "nightly.yml", "-f lag", "django-gcp:trafficMood",
        "databaseUrl", "manage.py migrate_all", "--base-uri", "ops.teleport", "--stack production",
        "::nothing-here", "django-gcp:database.tierr",
    ]  # fmt: skip
    for fragment in expected:
        assert any(fragment in problem for problem in found), (fragment, found)
    assert len(found) == len(expected), found
