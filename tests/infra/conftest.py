"""Run the real Pulumi program under mocks once per stack and share the result."""

from __future__ import annotations

from typing import Any

import pytest

from mock_run import ProgramRun, Resource, run_program

STACKS = ("dev", "staging", "prod")


@pytest.fixture(scope="session")
def runs() -> dict[str, ProgramRun]:
    return {stack: run_program(stack) for stack in STACKS}


@pytest.fixture(params=STACKS)
def run(request: pytest.FixtureRequest, runs: dict[str, ProgramRun]) -> ProgramRun:
    return runs[request.param]


def one(run: ProgramRun, type_token: str) -> Resource:
    found = run.of_type(type_token)
    assert len(found) == 1, f"{run.stack}: expected one {type_token}, found {len(found)}"
    return found[0]


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    """Container env as {name: value or secretKeyRef}."""
    return {
        e["name"]: e.get("value", e.get("valueSource", {}).get("secretKeyRef"))
        for e in container["envs"]
    }


SERVICE = "gcp:cloudrunv2/service:Service"
JOB = "gcp:cloudrunv2/job:Job"
SQL = "gcp:sql/databaseInstance:DatabaseInstance"
PROJECT_IAM = "gcp:projects/iAMMember:IAMMember"
SA_IAM = "gcp:serviceaccount/iAMMember:IAMMember"
SECRET_IAM = "gcp:secretmanager/secretIamMember:SecretIamMember"
ACCOUNT = "gcp:serviceaccount/account:Account"
