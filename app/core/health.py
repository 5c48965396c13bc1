"""The checks behind /health/ready/ and `manage.py healthcheck`.

Each returns a CheckResult: ``detail`` is for operators (logs, command output); the HTTP
body only says which check failed, since the service URL is public.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

from core.seeds import missing_seeds

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


def check_database(*, using: str = "default") -> CheckResult:
    """The database answers a trivial query within the pool/connect timeouts."""
    try:
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return CheckResult("database", ok=False, detail=f"unreachable: {exc}".strip())
    return CheckResult("database", ok=True, detail="reachable")


def check_migrations(*, using: str = "default") -> CheckResult:
    """Every migration this code knows about is applied (the migration job has run)."""
    try:
        executor = MigrationExecutor(connections[using])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return CheckResult("migrations", ok=False, detail=f"cannot read: {exc}".strip())
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _backwards in plan)
        return CheckResult("migrations", ok=False, detail=f"{len(plan)} unapplied: {names}")
    return CheckResult("migrations", ok=True, detail="all applied")


def check_seeds(*, using: str = "default") -> CheckResult:
    """The reference rows exist (the migration job also seeds)."""
    try:
        missing = missing_seeds(using=using)
    except DatabaseError as exc:
        return CheckResult("seeds", ok=False, detail=f"cannot read: {exc}".strip())
    if missing:
        return CheckResult("seeds", ok=False, detail=f"missing: {', '.join(missing)}")
    return CheckResult("seeds", ok=True, detail="present")


def readiness(*, using: str = "default") -> list[CheckResult]:
    """Database, then migrations; a dead database makes the second check meaningless."""
    database = check_database(using=using)
    results = [database]
    if database.ok:
        results.append(check_migrations(using=using))
    for result in results:
        if not result.ok:
            logger.warning("readiness check %s failed: %s", result.name, result.detail)
    return results
