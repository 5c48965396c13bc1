"""Create the first Django superuser in the cloud, or reset its password (README: first admin).

    python -m ops.release.first_admin --stack prod          # outputs from the Pulumi stack
    python -m ops.release.first_admin --outputs outputs.json

Cloud Run has no shell: the stack's admin job (`firstAdmin` in Pulumi.<stack>.yaml) runs
`manage.py ensure_superuser` with the password from its Secret Manager secret at `latest`.
This checks first that `latest` will resolve: Secret Manager's `latest` is the most
recently created version, whatever its state, so it must exist and be ENABLED (an execution
would otherwise fail only once it starts, with a less helpful message). Then it runs the job
and waits for its execution. Running it again changes nothing; after a new password version
it sets that password.
Exit codes: 0 done, 1 the execution failed (named, with its logs) or an API error,
2 the stack has no admin job (add `firstAdmin`, deploy), 3 the secret's newest version is
missing or not ENABLED (the command that adds one is printed).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from google.api_core import exceptions as api_exceptions
from google.auth import exceptions as auth_exceptions

from ops.clients.actions import write_summary
from ops.clients.cloud_run import CloudRun, ExecutionState
from ops.clients.endpoints import endpoint
from ops.clients.google_api import GoogleApiError, HttpSession, call
from ops.release.migrate import did_not_succeed, execute
from ops.release.outputs import OutputError, StackOutputs, load

SECRET_MANAGER = "https://secretmanager.googleapis.com"  # noqa: S105 (a URL)
MARGIN_SECONDS = 300  # scheduling and start-up before the job's own clock starts
NO_JOB, NO_PASSWORD = 2, 3


class AdminJobError(RuntimeError):
    """The execution finished without succeeding; the message names it and its logs."""


def add_version_command(secret: str, project: str) -> str:
    """What an operator runs to give the secret its (first or next) value; never in history:
    `read -rs PASSWORD` first, so the password is neither echoed nor on a command line."""
    return (
        f"printf '%s' \"$PASSWORD\" | gcloud secrets versions add {secret} "
        f"--project {project} --data-file=-"
    )


def secret_versions(
    session: HttpSession, *, base: str, project: str, secret: str
) -> dict[int, str]:
    """Every version of the secret (all pages) -> its state; GoogleApiError names the call."""
    url = f"{base.rstrip('/')}/v1/projects/{project}/secrets/{secret}/versions"
    found: dict[int, str] = {}
    token = ""
    while True:
        params = {"pageToken": token} if token else None
        try:
            page = call(session, "GET", url, params=params)
        except GoogleApiError as exc:
            if "HTTP 404" not in str(exc):
                raise
            raise GoogleApiError(
                f"secret {secret} does not exist in project {project}: the stack declares it "
                "with firstAdmin, so the last `pulumi up` predates firstAdmin; deploy first"
            ) from exc
        for version in page.get("versions", []):
            found[int(str(version["name"]).rsplit("/", 1)[-1])] = str(version.get("state"))
        token = str(page.get("nextPageToken") or "")
        if not token:
            return found


def latest_problem(versions: dict[int, str], secret: str) -> str | None:
    """Why `<secret>:latest` would not give the job a password, or None if it will."""
    if not versions:
        return f"secret {secret} has no version, so the job has no password to set"
    newest = max(versions)
    if versions[newest] != "ENABLED":
        return (
            f"secret {secret}'s newest version {newest} is {versions[newest]}, and `latest` "
            "always resolves to the newest, so the job could not read it"
        )
    return None


def logs_filter(*, job: str, execution: str) -> str:
    return (
        f'resource.type="cloud_run_job" AND resource.labels.job_name="{job}" AND '
        f'labels."run.googleapis.com/execution_name"="{execution}"'
    )


def logs_link(*, project: str, job: str, execution: str) -> str:
    query = quote(logs_filter(job=job, execution=execution), safe="")
    return f"https://console.cloud.google.com/logs/query;query={query}?project={project}"


def run_admin_job(
    run: CloudRun, *, project: str, job: str, timeout: float, interval: float = 5.0,
    sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
) -> ExecutionState:  # fmt: skip
    done = execute(run, job, label="admin job", timeout=timeout, interval=interval,
                   sleep=sleep, clock=clock)  # fmt: skip
    if did_not_succeed(done):
        raise AdminJobError(
            f"admin job {job} execution {done.name} did not succeed (failed={done.failed}, "
            f"cancelled={done.cancelled}); its log says why (a password Django's validators "
            f"refuse, a database error). Logs: {done.log_uri or '(no link)'}\n"
            f"  or Logs Explorer: {logs_link(project=project, job=job, execution=done.name)}\n"
            f"  filter: {logs_filter(job=job, execution=done.name)}"
        )
    return done


def _stack_outputs(stack: str) -> dict[str, Any]:  # pragma: no cover - needs the Pulumi CLI
    from ops.clients.pulumi_stack import AutomationStack

    return AutomationStack(stack).outputs()


def _secret_session() -> HttpSession:
    from ops.clients.sessions import authorized_session

    return authorized_session("secretmanager")


def main(
    argv: list[str] | None = None, *, session: HttpSession | None = None,
    stack_outputs: Callable[[str], dict[str, Any]] = _stack_outputs,
    sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
) -> int:  # fmt: skip
    parser = argparse.ArgumentParser(prog="python -m ops.release.first_admin", description=__doc__)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", help="read the outputs of this Pulumi stack (e.g. prod)")
    source.add_argument("--outputs", help="`pulumi stack output --json` saved to a file")
    args = parser.parse_args(argv)
    where = f"Pulumi.{args.stack}.yaml" if args.stack else "Pulumi.<stack>.yaml"
    try:
        outputs = load(args.outputs) if args.outputs else StackOutputs(stack_outputs(args.stack))
        project, region = outputs.text("projectId"), outputs.text("region")
    except (OutputError, OSError, ValueError) as exc:
        print(f"first admin: cannot read the stack outputs: {exc}", file=sys.stderr)
        return 1
    job, secret = outputs.raw.get("adminJobName"), outputs.raw.get("adminPasswordSecret")
    if not job or not secret:
        print(
            f"first admin: the stack has no admin job (outputs adminJobName/adminPasswordSecret "
            f"missing). Add to {where}:\n  django-gcp:firstAdmin:\n    username: admin\n"
            "    email: you@example.com\nthen deploy it (an administrator's `pulumi up` first: "
            "it widens the deployer's secret-admin condition; README: first admin).",
            file=sys.stderr,
        )
        return NO_JOB
    try:
        base = endpoint("secretmanager").base(SECRET_MANAGER)
        versions = secret_versions(
            session or _secret_session(), base=base, project=project, secret=str(secret)
        )
        problem = latest_problem(versions, str(secret))
        if problem:
            print(
                f"first admin: {problem}. Add a version (the password is read without echo "
                f"and stays out of shell history):\n  read -rs PASSWORD\n"
                f"  {add_version_command(str(secret), project)}\n"
                f"then run this again (make first-admin STACK={args.stack or '<stack>'}).",
                file=sys.stderr,
            )
            return NO_PASSWORD
        print(f"first admin: secret {secret} version {max(versions)} (latest) is ENABLED")
        run = CloudRun(project, region)
        task_timeout, retries = run.job_limits(str(job))
        timeout = task_timeout * (retries + 1) + MARGIN_SECONDS
        done = run_admin_job(run, project=project, job=str(job), timeout=timeout,
                             sleep=sleep, clock=clock)  # fmt: skip
    except auth_exceptions.GoogleAuthError as exc:
        print(
            f"first admin: no usable Google credentials ({exc}). Log in with "
            "`gcloud auth application-default login` as someone who may run the job.",
            file=sys.stderr,
        )
        return 1
    except (GoogleApiError, AdminJobError, TimeoutError, api_exceptions.GoogleAPIError,
            RuntimeError) as exc:  # fmt: skip
        print(f"first admin FAILED: {exc}", file=sys.stderr)
        write_summary(f"### First admin FAILED\n\n{exc}")
        return 1
    print(f"first admin: job {job} execution {done.name} succeeded (created, updated or unchanged)")
    write_summary(f"### First admin: `{done.name}` succeeded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
