"""Does the worst case of open PostgreSQL connections fit into max_connections?

During a rollout the old and the new revision can both be at max instances, each process
holding a full pool, while the migration job runs: that sum plus a reserve for admin
sessions and Cloud SQL's own connections must fit, or the deploy that scales up is the one
that starts failing with "too many clients".
"""

from __future__ import annotations

from dataclasses import dataclass

from config_rules import NAMESPACE, ConfigError

from stack_config import StackConfig

REVISIONS_DURING_ROLLOUT = 2


@dataclass(frozen=True)
class ConnectionBudget:
    """The numbers behind the check (exported as the `connectionBudget` output)."""

    max_instances: int
    workers: int
    pool_size: int
    revisions: int
    service: int
    migration_job: int
    reserve: int
    total: int
    max_connections: int

    def as_output(self) -> dict[str, int]:
        return {
            "maxInstances": self.max_instances,
            "workers": self.workers,
            "poolSize": self.pool_size,
            "revisions": self.revisions,
            "service": self.service,
            "migrationJob": self.migration_job,
            "reserve": self.reserve,
            "total": self.total,
            "maxConnections": self.max_connections,
        }


def connection_budget(config: StackConfig) -> ConnectionBudget:
    run, gunicorn, db = config.run, config.gunicorn, config.database
    service = run.max_instances * gunicorn.workers * gunicorn.db_pool_size
    service *= REVISIONS_DURING_ROLLOUT
    total = service + config.migration.connections + db.reserved_connections
    return ConnectionBudget(
        max_instances=run.max_instances,
        workers=gunicorn.workers,
        pool_size=gunicorn.db_pool_size,
        revisions=REVISIONS_DURING_ROLLOUT,
        service=service,
        migration_job=config.migration.connections,
        reserve=db.reserved_connections,
        total=total,
        max_connections=db.max_connections,
    )


def check_connection_budget(config: StackConfig) -> ConnectionBudget:
    """Return the budget, or raise naming every number when it does not fit."""
    budget = connection_budget(config)
    if budget.total > budget.max_connections:
        raise ConfigError(
            f"connection budget exceeded: run.maxInstances {budget.max_instances} x "
            f"gunicorn.workers {budget.workers} x gunicorn.dbPoolSize {budget.pool_size} x "
            f"{budget.revisions} revisions = {budget.service}, + migrationJob.connections "
            f"{budget.migration_job} + database.reservedConnections {budget.reserve} = "
            f"{budget.total} > {NAMESPACE}:database.maxConnections {budget.max_connections}. "
            "Lower maxInstances/workers/dbPoolSize or raise maxConnections (bigger tier)."
        )
    return budget
