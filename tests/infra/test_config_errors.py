"""Config errors through the program itself (the edit corpus is test_config_corpus.py)."""

from __future__ import annotations

from typing import Any

import pytest

from mock_run import run_program, stack_config
from stack_config import ConfigError

PROD_DB = stack_config("prod")["django-gcp:database"]
PROD_RUN = stack_config("prod")["django-gcp:run"]


def _with(section: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**section, **changes}


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
    assert "> django-gcp:database.maxConnections" in message
    assert "django-gcp:database.maxConnections = 400" in message


def test_a_failed_run_does_not_poison_the_next():
    with pytest.raises(ConfigError):
        run_program("dev", {"trafficMode": "nope"})
    assert run_program("dev").outputs["serviceName"] == "django-app"
