"""Bad configuration fails the whole program with an error naming the key and the value."""

from __future__ import annotations

from typing import Any

import pytest
from config_rules import ConfigError
from mock_run import run_program, stack_config

PROD_DB = stack_config("prod")["django-gcp:database"]
PROD_RUN = stack_config("prod")["django-gcp:run"]
GITHUB = stack_config("prod")["django-gcp:github"]
ALERTS = stack_config("prod")["django-gcp:alerts"]


def _with(section: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**section, **changes}


# (stack, overrides, text the error must contain: key, and the bad value where there is one)
CASES: list[tuple[str, dict[str, Any], str]] = [
    ("dev", {"gcp:project": "Acme_Prod"}, "gcp:project = 'Acme_Prod'"),
    ("dev", {"gcp:region": "europe west1"}, "gcp:region = 'europe west1'"),
    ("dev", {"projectNumber": "acme"}, "django-gcp:projectNumber = 'acme'"),
    ("dev", {"run": _with(PROD_RUN, minInstances=5, maxInstances=2)},
     "django-gcp:run.minInstances = 5"),
    ("dev", {"run": _with(PROD_RUN, cpu="1", memory="8Gi")}, "django-gcp:run.memory = '8Gi'"),
    ("dev", {"run": _with(PROD_RUN, cpu="3")}, "django-gcp:run.cpu = '3'"),
    ("dev", {"run": _with(PROD_RUN, cpu="0.5", memory="512Mi", concurrency=8)},
     "below 1 CPU Cloud Run requires concurrency 1"),
    ("dev", {"run": _with(PROD_RUN, concurrency=5000)}, "django-gcp:run.concurrency = 5000"),
    ("dev", {"run": _with(PROD_RUN, maxInstace=3)}, "unknown setting(s) ['maxInstace']"),
    ("dev", {"database": _with(PROD_DB, tier="db-g1-small", edition="ENTERPRISE_PLUS")},
     "django-gcp:database.edition = 'ENTERPRISE_PLUS'"),
    ("dev", {"database": _with(PROD_DB, tier="db-custom-2-1024")},
     "django-gcp:database.tier = 'db-custom-2-1024'"),
    ("dev", {"database": _with(PROD_DB, tier="db-n1-standard-1")},
     "django-gcp:database.tier = 'db-n1-standard-1'"),
    ("dev", {"database": _with(PROD_DB, retainedBackups=400)},
     "django-gcp:database.retainedBackups = 400"),
    ("dev", {"database": _with(PROD_DB, transactionLogRetentionDays=14)},
     "django-gcp:database.transactionLogRetentionDays = 14"),
    ("dev", {"database": _with(PROD_DB, version="POSTGRES_14")},
     "django-gcp:database.version = 'POSTGRES_14'"),
    ("dev", {"github": _with(GITHUB, branch="develop", repositoryId="acme/django-gcp")},
     "django-gcp:github.repositoryId = 'acme/django-gcp'"),
    ("dev", {"github": _with(GITHUB, branch="develop", repositoryOwnerId="acme")},
     "django-gcp:github.repositoryOwnerId = 'acme'"),
    ("dev", {"alerts": _with(ALERTS, emails=["oncall at acme"])},
     "django-gcp:alerts.emails = 'oncall at acme'"),
    ("dev", {"alerts": _with(ALERTS, errorRate=5)}, "django-gcp:alerts.errorRate = 5"),
    ("dev", {"trafficMode": "blue-green"}, "django-gcp:trafficMode = 'blue-green'"),
    ("dev", {"trafficMode": "canary", "stableRevision": "django-app-00001-abc",
             "canaryPercent": "150"}, "django-gcp:canaryPercent = '150'"),
    ("dev", {"trafficMode": "canary", "canaryPercent": "10"}, "needs django-gcp:stableRevision"),
    ("dev", {"trafficMode": "pinned", "pinnedRevision": "other-service-00001-abc"},
     "django-gcp:pinnedRevision = 'other-service-00001-abc'"),
    ("dev", {"trafficMode": "pinned"}, "needs django-gcp:pinnedRevision"),
    ("dev", {"image": "europe-west1-docker.pkg.dev/acme/django/app:latest"},
     "django-gcp:image = 'europe-west1-docker.pkg.dev/acme/django/app:latest'"),
    ("dev", {"environment": "prod"}, "django-gcp:environment = 'prod'"),
    ("prod", {"github": _with(GITHUB, branch="develop")}, "django-gcp:github.branch = 'develop'"),
    ("prod", {"deletionProtection": "false"}, "django-gcp:deletionProtection = False"),
    ("prod", {"database": _with(PROD_DB, backupsEnabled=False, pitrEnabled=False)},
     "django-gcp:database.backupsEnabled = False"),
    ("prod", {"database": _with(PROD_DB, pitrEnabled=False)},
     "django-gcp:database.pitrEnabled = False"),
    ("prod", {"database": _with(PROD_DB, availability="ZONAL")},
     "django-gcp:database.availability = 'ZONAL'"),
    ("dev", {"database": _with(PROD_DB, tier="db-f1-micro", maxConnections=100)},
     "django-gcp:database.maxConnections = 100"),
    ("dev", {"appSecrets": [{"secretId": "db-password", "env": "X"}]}, "django-gcp:appSecrets"),
    ("dev", {"rollout": {"steps": [50, 10]}}, "django-gcp:rollout.steps = [50, 10]"),
]  # fmt: skip


@pytest.mark.parametrize(("stack", "overrides", "expected"), CASES)
def test_bad_config_fails_naming_the_key(stack: str, overrides: dict[str, Any], expected: str):
    with pytest.raises(ConfigError) as failure:
        run_program(stack, overrides)
    assert expected in str(failure.value)


def test_prod_override_is_explicit_and_loud():
    weakened = {"deletionProtection": "false", "database": _with(PROD_DB, pitrEnabled=False)}
    with pytest.raises(ConfigError, match="dangerouslyAllowUnprotectedProdDatabase"):
        run_program("prod", weakened)
    run = run_program("prod", {**weakened, "dangerouslyAllowUnprotectedProdDatabase": "true"})
    instance = run.of_type("gcp:sql/databaseInstance:DatabaseInstance")[0].inputs
    assert instance["deletionProtection"] is False
    assert instance["settings"]["backupConfiguration"]["pointInTimeRecoveryEnabled"] is False


def test_connection_budget_error_shows_the_numbers():
    run_section = _with(PROD_RUN, maxInstances=30)
    with pytest.raises(ConfigError) as failure:
        run_program("prod", {"run": run_section})
    message = str(failure.value)
    assert "run.maxInstances 30 x gunicorn.workers 4 x gunicorn.dbPoolSize 4 x 2" in message
    assert "= 960, + migrationJob.connections 2 + database.reservedConnections 20 = 982" in message
    assert "> django-gcp:database.maxConnections 400" in message


def test_a_failed_run_does_not_poison_the_next():
    with pytest.raises(ConfigError):
        run_program("dev", {"trafficMode": "nope"})
    assert run_program("dev").outputs["serviceName"] == "django-app"
