"""appSecrets/appEnv may not reuse a variable the program sets: the reserved list in the
model must cover every variable the program really puts on the service and the job."""

from __future__ import annotations

from config.database import session_options
from mock_run import PROJECT, ProgramRun, run_program, stack_config
from stack_config.rules import PROGRAM_ENV
from tests.infra.conftest import JOB, SERVICE, env_of, one


def _program_set(run: ProgramRun) -> set[str]:
    names: set[str] = set()
    for type_token in (SERVICE, JOB):
        resource = one(run, type_token)
        template = resource.inputs["template"]
        containers = template.get("containers") or template["template"]["containers"]
        names |= set(env_of(containers[0]))
    return names


def test_reserved_names_cover_what_the_program_sets(run: ProgramRun):
    assert _program_set(run) <= PROGRAM_ENV


def test_app_env_reaches_the_service_and_job_and_commit_becomes_app_version():
    commit = "c0ffee" + "0" * 34
    run = run_program("dev", {"appEnv": {"FEATURE_FLAGS": "beta"}, "commit": commit})
    for type_token in (SERVICE, JOB):
        template = one(run, type_token).inputs["template"]
        containers = template.get("containers") or template["template"]["containers"]
        env = env_of(containers[0])
        assert env["FEATURE_FLAGS"] == "beta"
        assert env["APP_VERSION"] == commit
        assert env["GOOGLE_CLOUD_PROJECT"] == run.outputs["projectId"]
    assert run.outputs["commit"] == commit


def test_job_only_declares_the_job_but_not_the_service():
    run = run_program("dev", {"jobOnly": "true"})
    assert run.of_type(SERVICE) == []
    assert len(run.of_type(JOB)) == 1
    assert run.outputs["serviceDeclared"] is False
    assert run.outputs["latestRevision"] is None


def test_an_app_secret_without_env_exists_but_no_revision_reads_it():
    run = run_program("prod", {"appSecrets": [{"secretId": "sentry-dsn"}]})
    assert any(r.inputs.get("secretId") == "sentry-dsn" for r in run.resources)
    template = one(run, SERVICE).inputs["template"]
    assert "SENTRY_DSN" not in env_of(template["containers"][0])
    wired = run_program("prod", {"appSecrets": [{"secretId": "sentry-dsn", "env": "SENTRY_DSN"}]})
    wired_env = env_of(one(wired, SERVICE).inputs["template"]["containers"][0])
    assert wired_env["SENTRY_DSN"]["secret"] == "sentry-dsn"


def test_database_limits_come_from_the_stack_per_process_kind():
    # The service's from run.*, the job's from migrationJob.*: a migration waiting behind
    # traffic for a lock gives up (and the task retries) instead of queueing every request.
    committed = stack_config("dev")
    run_section, job_section = committed[f"{PROJECT}:run"], committed[f"{PROJECT}:migrationJob"]
    edits = {
        "run": {**run_section, "dbStatementTimeoutMs": 9000, "dbLockTimeoutMs": 700},
        "migrationJob": {**job_section, "lockTimeoutMs": 4000, "statementTimeoutMs": 120000},
    }
    run = run_program("dev", edits)
    service = env_of(one(run, SERVICE).inputs["template"]["containers"][0])
    job_template = one(run, JOB).inputs["template"]
    job = env_of(job_template["template"]["containers"][0])
    assert (service["DB_STATEMENT_TIMEOUT_MS"], service["DB_LOCK_TIMEOUT_MS"]) == ("9000", "700")
    assert (job["DB_STATEMENT_TIMEOUT_MS"], job["DB_LOCK_TIMEOUT_MS"]) == ("120000", "4000")


def test_database_limits_reach_postgres_as_the_app_reads_them(monkeypatch):
    # The names the program sets are the ones app/config/database.py turns into libpq options.
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT_MS", "9000")
    monkeypatch.setenv("DB_LOCK_TIMEOUT_MS", "700")
    assert session_options() == "-c statement_timeout=9000 -c lock_timeout=700"


def test_a_pinned_app_secret_version_is_what_revisions_read_and_names_them():
    # A rotation is a new revision (a changed template under the same name is refused by
    # Cloud Run), and rolling back returns to the revision that reads the old version.
    def revision(version: int | None) -> tuple[object, str]:
        entry = {"secretId": "django-email-url", "env": "DJANGO_EMAIL_URL"}
        run = run_program(
            "prod", {"appSecrets": [entry | ({"version": version} if version else {})]}
        )
        env = env_of(one(run, SERVICE).inputs["template"]["containers"][0])
        return env["DJANGO_EMAIL_URL"], run.outputs["latestRevision"]

    (ref2, name2), (ref3, name3), (latest, name_latest) = revision(2), revision(3), revision(None)
    assert ref2 == {"secret": "django-email-url", "version": "2"}
    assert ref3 == {"secret": "django-email-url", "version": "3"}
    assert latest == {"secret": "django-email-url", "version": "latest"}
    assert len({name2, name3, name_latest}) == 3
