"""Workload Identity Federation, the Cloud Run service and job, monitoring and outputs."""

from __future__ import annotations

from typing import Any

import pytest

import mock_run
from mock_run import ProgramRun, run_program, stack_config
from tests.infra.conftest import JOB, SA_IAM, SERVICE, env_of, one

PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"
BRANCH = {"dev": "develop", "staging": "homolog", "prod": "main"}


def facts(stack: str) -> dict[str, Any]:
    """What the stack file fixes, so these tests hold for any organisation's values."""
    config = stack_config(stack)
    project, region = config["gcp:project"], config["gcp:region"]
    service = config["django-gcp:serviceName"]
    number = config["django-gcp:projectNumber"]
    host = f"{service}-{number}.{region}.run.app"
    return {
        "project": project,
        "region": region,
        "service": service,
        "number": number,
        "host": host,
        "connection": f"{project}:{region}:{config['django-gcp:database']['instanceName']}",
        "domain": config.get("django-gcp:customDomain"),
        "run": config["django-gcp:run"],
        "registry": f"{region}-docker.pkg.dev/{project}/"
        f"{config['django-gcp:registry']['repositoryId']}",
    }


def github_of(stack: str) -> dict:
    return stack_config(stack)["django-gcp:github"]


def pool_of(stack: str) -> str:
    config = stack_config(stack)
    return (
        f"projects/{config['django-gcp:projectNumber']}/locations/global/workloadIdentityPools/"
        f"{config['django-gcp:github']['workloadIdentityPoolId']}"
    )


def test_provider_trusts_only_github_and_the_numeric_repository_ids(run: ProgramRun):
    provider = one(run, PROVIDER).inputs
    github = github_of(run.stack)
    assert provider["oidc"] == {"issuerUri": "https://token.actions.githubusercontent.com"}
    assert provider["attributeCondition"] == (
        f"assertion.repository_id == '{github['repositoryId']}' && "
        f"assertion.repository_owner_id == '{github['repositoryOwnerId']}' && "
        "assertion.event_name in ['push', 'workflow_dispatch', 'schedule', 'pull_request']"
    )
    mapping = provider["attributeMapping"]
    for claim in ("repository_id", "repository_owner_id", "ref", "event_name", "repository"):
        assert mapping[f"attribute.{claim}"] == f"assertion.{claim}"
    assert mapping["google.subject"] == "assertion.sub"
    # What the pins mean is proven with a CEL engine in tests/governance/test_wif_claims.py.
    for pinned in ("job_workflow_ref", "workflow_ref", "event_name", "environment"):
        assert pinned in mapping["attribute.deploy_target"]
    assert "assertion.base_ref" in mapping["attribute.preview_target"]


def test_deployer_bound_to_its_environment_and_branch_previewer_to_its_preview_env(
    run: ProgramRun,
):
    pool = f"principalSet://iam.googleapis.com/{pool_of(run.stack)}"
    bindings = {
        r.inputs["serviceAccountId"].split("/")[-1].split("@")[0]: r.inputs["member"]
        for r in run.of_type(SA_IAM)
        if r.inputs["role"] == "roles/iam.workloadIdentityUser"
    }
    branch = github_of(run.stack).get("branch", BRANCH[run.stack])
    assert bindings == {
        "django-app-deployer": f"{pool}/attribute.deploy_target/{run.stack}@refs/heads/{branch}",
        "django-app-previewer": f"{pool}/attribute.preview_target/{run.stack}-preview@{branch}",
    }
    # Bound on the service accounts, never as a project-level grant.
    project_members = {r.inputs["member"] for r in run.of_type("gcp:projects/iAMMember:IAMMember")}
    assert not any(m.startswith("principal") for m in project_members)


def test_prod_deployer_is_prod_environment_on_main(runs: dict[str, ProgramRun]):
    members = [r.inputs["member"] for r in runs["prod"].of_type(SA_IAM)]
    assert any(m.endswith("/attribute.deploy_target/prod@refs/heads/main") for m in members)


def test_service_runs_by_digest_with_probes_socket_and_sizes(run: ProgramRun):
    service = one(run, SERVICE).inputs
    template = service["template"]
    container = template["containers"][0]
    assert "@sha256:" in container["image"]
    assert container["startupProbe"]["httpGet"]["path"] == "/health/live/"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live/"
    assert container["resources"]["startupCpuBoost"] is True
    assert container["volumeMounts"] == [{"mountPath": "/cloudsql", "name": "cloudsql"}]
    f = facts(run.stack)
    assert template["volumes"] == [
        {"name": "cloudsql", "cloudSqlInstance": {"instances": [f["connection"]]}}
    ]
    sizes = f["run"]
    assert container["resources"]["limits"] == {"cpu": sizes["cpu"], "memory": sizes["memory"]}
    assert template["maxInstanceRequestConcurrency"] == sizes["concurrency"]
    assert template["scaling"] == {
        "minInstanceCount": sizes["minInstances"],
        "maxInstanceCount": sizes["maxInstances"],
    }
    assert template["timeout"] == f"{sizes['timeoutSeconds']}s"
    assert service["ingress"] == "INGRESS_TRAFFIC_ALL"
    assert template["revision"] == run.outputs["latestRevision"]


def test_service_env_derives_hosts_and_uses_pinned_secret_versions(run: ProgramRun):
    env = env_of(one(run, SERVICE).inputs["template"]["containers"][0])
    f = facts(run.stack)
    host = f["host"]
    hosts = [host, f"candidate---{host}"] + ([f["domain"]] if f["domain"] else [])
    assert env["DJANGO_ALLOWED_HOSTS"] == ",".join(hosts)
    assert env["DJANGO_CSRF_TRUSTED_ORIGINS"] == ",".join(f"https://{h}" for h in hosts)
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert env["DB_HOST"] == f"/cloudsql/{f['connection']}"
    assert env["DJANGO_SECRET_KEY"] == {"secret": "django-secret-key", "version": "1"}
    assert env["DB_PASSWORD"] == {"secret": "db-password", "version": "1"}
    assert "PORT" not in env  # reserved: Cloud Run sets it


def test_public_invoker_by_default(run: ProgramRun):
    invokers = run.of_type("gcp:cloudrunv2/serviceIamMember:ServiceIamMember")
    assert [(i.inputs["role"], i.inputs["member"]) for i in invokers] == [
        ("roles/run.invoker", "allUsers")
    ]


def test_migration_job_runs_the_locking_command_once(run: ProgramRun):
    job = one(run, JOB).inputs
    assert job["name"] == "django-app-migrate" == run.outputs["migrationJobName"]
    assert job["template"]["taskCount"] == 1
    assert job["template"]["parallelism"] == 1
    task = job["template"]["template"]
    assert task["maxRetries"] == 1
    assert task["timeout"] == {"dev": "600s", "staging": "900s", "prod": "1800s"}[run.stack]
    container = task["containers"][0]
    assert [*container["commands"], *container["args"]] == [
        "python",
        "manage.py",
        "migrate_and_seed",
    ]
    assert container["image"] == one(run, SERVICE).inputs["template"]["containers"][0]["image"]
    assert container["volumeMounts"] == [{"mountPath": "/cloudsql", "name": "cloudsql"}]
    env = env_of(container)
    assert env["DB_PASSWORD"] == {"secret": "db-password", "version": "1"}


def test_monitoring_alerts_and_thresholds(run: ProgramRun):
    # The core alerts; the optional sections' own (slo-*, audit-*) are tested with them.
    policies = {
        p.name.removeprefix("monitoring-"): p.inputs
        for p in run.of_type("gcp:monitoring/alertPolicy:AlertPolicy")
        if p.name.startswith("monitoring-")
    }
    assert set(policies) == {
        "error-ratio",
        "latency-p95",
        "container-cpu",
        "container-memory",
        "migration-failed",
        "sql-cpu",
        "sql-disk",
        "sql-connections",
        "uptime-failed",
    }

    def threshold(key: str) -> float:
        return policies[key]["conditions"][0]["conditionThreshold"]["thresholdValue"]

    expected = {"dev": (0.05, 2000, 45), "staging": (0.02, 1500, 80), "prod": (0.01, 1000, 320)}
    assert (threshold("error-ratio"), threshold("latency-p95"), threshold("sql-connections")) == (
        expected[run.stack]
    )
    ratio = policies["error-ratio"]["conditions"][0]["conditionThreshold"]
    assert 'response_code_class="5xx"' in ratio["filter"]
    assert "response_code_class" not in ratio["denominatorFilter"]
    for policy in policies.values():
        assert len(policy["notificationChannels"]) == len(
            run.of_type("gcp:monitoring/notificationChannel:NotificationChannel")
        )
    uptime = one(run, "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig").inputs
    assert uptime["httpCheck"]["path"] == "/health/live/"
    assert uptime["monitoredResource"]["labels"]["host"] == run.outputs["serviceUrl"][8:]
    assert (
        one(run, "gcp:monitoring/dashboard:Dashboard").inputs["dashboardJson"].count("widget") == 9
    )


# Outputs each optional part adds when the stack turns it on (capabilities output).
OPTIONAL_OUTPUTS = {
    "media": {"mediaBucket"},
    "cache": {"cacheUrl", "cacheAuthSecret"},
    "slo": {"sloNames"},
    "audit": {"errorLogMetric"},
    "frontDoor": {"frontDoorIp", "frontDoorDomains"},
    "disasterRecovery": {"disasterRecovery"},
}


def test_outputs_match_the_contract(run: ProgramRun):
    out = run.outputs
    turned_on = {key for key, summary in out["capabilities"].items() if summary}
    optional = set().union(*(OPTIONAL_OUTPUTS.get(key, set()) for key in turned_on))
    if "adminJobName" in out:
        optional |= {"adminJobName", "adminPasswordSecret"}
    assert set(out) - optional == {
        "projectId",
        "region",
        "serviceName",
        "serviceUrl",
        "candidateUrl",
        "registryPath",
        "image",
        "latestRevision",
        "traffic",
        "migrationJobName",
        "workloadIdentityProvider",
        "deployerServiceAccount",
        "previewerServiceAccount",
        "dbInstanceName",
        "dbConnectionName",
        "rolloutSteps",
        "errorRateThreshold",
        "latencyP95ThresholdMs",
        "connectionBudget",
        "rolloutPolicy",
        "commit",
        "serviceDeclared",
        "servicePublic",
        "migrationTimeoutSeconds",
        "migrationMaxRetries",
        "capabilities",
    }
    f = facts(run.stack)
    assert out["serviceUrl"] == f"https://{f['host']}"
    assert out["candidateUrl"] == f"https://candidate---{f['host']}"
    assert out["registryPath"] == f["registry"]
    assert out["workloadIdentityProvider"] == f"{pool_of(run.stack)}/providers/github-oidc"
    assert out["deployerServiceAccount"] == (
        f"{f['service']}-deployer@{f['project']}.iam.gserviceaccount.com"
    )
    assert out["rolloutSteps"] == ([10, 50, 100] if run.stack == "prod" else [100])
    budget = out["connectionBudget"]
    assert budget["total"] <= budget["maxConnections"]


ALERT = "gcp:monitoring/alertPolicy:AlertPolicy"
UPTIME = "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig"
SERVICE_ALERTS = {"error-ratio", "latency-p95", "container-cpu", "container-memory"}


def alert_keys(run: ProgramRun) -> set[str]:
    return {p.name.removeprefix("monitoring-") for p in run.of_type(ALERT)}


def test_bootstrap_run_without_image_has_no_alert_on_the_service_or_job():
    run = run_program("prod", with_image=False)
    assert run.of_type(SERVICE) == []
    assert run.of_type(UPTIME) == []
    keys = alert_keys(run)
    assert keys.isdisjoint(SERVICE_ALERTS | {"uptime-failed", "migration-failed"}), keys
    # The database exists from the first run, so its alerts do.
    assert {"sql-cpu", "sql-disk", "sql-connections"} <= keys


def test_job_only_deploy_watches_the_job_but_not_the_missing_service():
    run = run_program("prod", {"jobOnly": True})
    assert run.of_type(SERVICE) == []
    assert run.of_type(UPTIME) == []
    keys = alert_keys(run)
    assert "migration-failed" in keys
    assert keys.isdisjoint(SERVICE_ALERTS | {"uptime-failed"}), keys


def test_replacing_a_secret_value_keeps_the_old_version(monkeypatch: pytest.MonkeyPatch):
    """A rotation replaces the SecretVersion resource; the old version must stay enabled for
    revisions that still name it (rollback targets). Pulumi must not delete it (retain on
    delete) and the provider must not destroy or disable it (deletion policy ABANDON)."""
    retained: dict[str, bool] = {}
    register = mock_run._Monitor.RegisterResource

    def recording(self, request):  # the engine sees resource options only in the request
        retained[request.name] = request.retainOnDelete
        return register(self, request)

    monkeypatch.setattr(mock_run._Monitor, "RegisterResource", recording)
    run = run_program("prod")
    versions = run.of_type("gcp:secretmanager/secretVersion:SecretVersion")
    assert {v.name for v in versions} == {
        "secrets-django-secret-key-version",
        "secrets-db-password-version",
    }
    for version in versions:
        assert version.inputs["deletionPolicy"] == "ABANDON", version.name
        assert retained[version.name] is True, version.name
    # Control: an ordinary resource is not retained, so the recorder sees the real option.
    assert retained["database-instance"] is not True
