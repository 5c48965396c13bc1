"""The workflows that exchange GitHub tokens match what the WIF binding admits."""

from __future__ import annotations

from pathlib import Path

import yaml

from components.federation import DEPLOY_WORKFLOWS, PREVIEW_WORKFLOW


def _authenticating_jobs() -> list[tuple[str, str, set[str], str, bool]]:
    """(starter workflow, job file, events, account variable, declares environment) for every
    job that exchanges a GitHub token for a service account."""
    root = Path(__file__).resolve().parents[2] / ".github" / "workflows"
    files = {p.name: yaml.safe_load(p.read_text()) for p in root.glob("*.yml")}
    callers: dict[str, list[str]] = {}
    for name, workflow in files.items():
        for job in (workflow.get("jobs") or {}).values():
            called = str(job.get("uses", ""))
            if called.startswith("./.github/workflows/"):
                callers.setdefault(called.rsplit("/", 1)[-1], []).append(name)
    found = []
    for name, workflow in files.items():
        for job in (workflow.get("jobs") or {}).values():
            for step in job.get("steps") or []:
                if "google-github-actions/auth" not in str(step.get("uses", "")):
                    continue
                account = str(step.get("with", {}).get("service_account", ""))
                for starter in callers.get(name, [name]):
                    events = set(files[starter].get(True) or files[starter].get("on") or {})
                    found.append((starter, name, events, account, bool(job.get("environment"))))
    return found


def test_every_job_that_authenticates_is_one_the_binding_admits():
    """Ties DEPLOY_WORKFLOWS/PREVIEW_WORKFLOW to the workflows as they are: a renamed file,
    a new trigger or a job without an environment would fail here, not at deploy time."""
    jobs = _authenticating_jobs()
    assert jobs
    for starter, job_file, events, account, has_environment in jobs:
        assert has_environment, f"{job_file}: WIF needs the job's environment claim"
        if "DEPLOYER" in account:
            allowed = {
                event
                for evs, start, job in DEPLOY_WORKFLOWS
                if (start, job) == (starter, job_file)
                for event in evs
            }
            assert allowed, (starter, job_file)
            assert events <= allowed, (starter, job_file, events)
        else:
            assert "PREVIEWER" in account, account
            assert (starter, events) == (PREVIEW_WORKFLOW, {"pull_request"})
    used = {(starter, job) for starter, job, *_ in jobs}
    assert {(start, job) for _evs, start, job in DEPLOY_WORKFLOWS} <= used
