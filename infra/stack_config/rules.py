"""Rules across sections of one stack: what no single section can know alone."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stack_config import google_cloud as gc

if TYPE_CHECKING:
    from stack_config.model import StackConfig

# The branch each conventional environment deploys from (README: delivery).
DEFAULT_BRANCHES = {"dev": "develop", "staging": "homolog", "prod": "main"}
# Variables the program itself sets on the service and job (infra/app_env.py, secrets, and
# what Cloud Run reserves); appSecrets/appEnv may not reuse them.
PROGRAM_ENV = frozenset(
    {
        "DJANGO_SETTINGS_MODULE",
        "DJANGO_ALLOWED_HOSTS",
        "DJANGO_CSRF_TRUSTED_ORIGINS",
        "DJANGO_SECURE_SSL_REDIRECT",
        "DJANGO_SECURE_HSTS_SECONDS",
        "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "DJANGO_SECURE_HSTS_PRELOAD",
        "DJANGO_SECURE_COOKIES",
        "DJANGO_SECURE_PROXY_SSL_HEADER",
        "DJANGO_LOG_LEVEL",
        "DJANGO_SECRET_KEY",
        "DB_NAME",
        "DB_USER",
        "DB_PASSWORD",
        "DB_HOST",
        "DB_PORT",
        "DB_CONNECT_TIMEOUT",
        "DB_POOL_MAX_SIZE",
        "GUNICORN_WORKERS",
        "GUNICORN_THREADS",
        "GOOGLE_CLOUD_PROJECT",
        "APP_VERSION",
        "PORT",
        "K_SERVICE",
        "K_REVISION",
        "K_CONFIGURATION",
        "CLOUD_RUN_JOB",
        "CLOUD_RUN_EXECUTION",
        "CLOUD_RUN_TASK_INDEX",
        "CLOUD_RUN_TASK_ATTEMPT",
        "CLOUD_RUN_TASK_COUNT",
    }
)
PROGRAM_SECRETS = frozenset({"django-secret-key", "db-password"})
UNSAFE_PROD_OVERRIDE = "dangerouslyAllowUnprotectedProdDatabase"
Problem = tuple[str, object, str]
# During a rollout the old and new revision can both be at max instances.
REVISIONS_DURING_ROLLOUT = 2


def cross_section_problems(c: StackConfig) -> list[Problem]:
    return [
        *_identity(c),
        *_sizing(c),
        *connection_budget_problems(c),
        *_environment_names(c),
        *_traffic(c),
        *_prod_guardrails(c),
    ]


def _identity(c: StackConfig) -> list[Problem]:
    problems: list[Problem] = []
    if (bad := gc.region_problem(c.region)) is not None:
        problems.append(("gcp:region", c.region, bad))
    if c.stack in DEFAULT_BRANCHES and c.environment != c.stack:
        problems.append(("environment", c.environment, f"stack {c.stack!r} must be {c.stack!r}"))
    if c.github.branch is None and c.environment not in DEFAULT_BRANCHES:
        problems.append(
            (
                "github.branch",
                None,
                f"environment {c.environment!r} has no default "
                "branch: name the branch that deploys it",
            )
        )
    if c.is_prod and c.github.branch not in (None, "main"):
        problems.append(("github.branch", c.github.branch, "prod deploys only from main"))
    return problems


def _sizing(c: StackConfig) -> list[Problem]:
    capacity = c.gunicorn.workers * c.gunicorn.threads
    if c.run.concurrency > capacity:
        return [
            (
                "run.concurrency",
                c.run.concurrency,
                f"must be <= gunicorn.workers x gunicorn.threads ({capacity}): Cloud Run would "
                "send requests that queue inside the instance",
            )
        ]
    return []


def connection_budget(c: StackConfig) -> dict[str, int]:
    """Worst case of open PostgreSQL connections (also the `connectionBudget` output)."""
    service = c.run.max_instances * c.gunicorn.workers * c.gunicorn.db_pool_size
    service *= REVISIONS_DURING_ROLLOUT
    total = service + c.migration.connections + c.database.reserved_connections
    return {
        "maxInstances": c.run.max_instances,
        "workers": c.gunicorn.workers,
        "poolSize": c.gunicorn.db_pool_size,
        "revisions": REVISIONS_DURING_ROLLOUT,
        "service": service,
        "migrationJob": c.migration.connections,
        "reserve": c.database.reserved_connections,
        "total": total,
        "maxConnections": c.database.max_connections,
    }


def connection_budget_problems(c: StackConfig) -> list[Problem]:
    b = connection_budget(c)
    if b["total"] <= b["maxConnections"]:
        return []
    return [
        (
            "database.maxConnections",
            b["maxConnections"],
            (
                f"connection budget exceeded: run.maxInstances {b['maxInstances']} x "
                f"gunicorn.workers {b['workers']} x gunicorn.dbPoolSize {b['poolSize']} x "
                f"{b['revisions']} revisions = "
                f"{b['service']}, + migrationJob.connections {b['migrationJob']} + "
                f"database.reservedConnections {b['reserve']} = {b['total']} > "
                "{ns}:database.maxConnections. Lower maxInstances/workers/dbPoolSize or raise "
                "maxConnections (bigger tier)"
            ),
        )
    ]


def _environment_names(c: StackConfig) -> list[Problem]:
    problems: list[Problem] = []
    seen_env: dict[str, str] = {}
    seen_ids: set[str] = set()
    for i, secret in enumerate(c.app_secrets):
        if secret.secret_id in PROGRAM_SECRETS or secret.secret_id in seen_ids:
            problems.append(
                (
                    f"appSecrets.{i}.secretId",
                    secret.secret_id,
                    "declared twice or owned by the program (django-secret-key, "
                    "db-password); use a new id",
                )
            )
        seen_ids.add(secret.secret_id)
        seen_env = _claim(problems, seen_env, secret.env, f"appSecrets.{i}.env")
    for name in c.app_env:
        seen_env = _claim(problems, seen_env, name, f"appEnv.{name}")
    return problems


def _claim(problems: list[Problem], seen: dict[str, str], name: str, key: str) -> dict[str, str]:
    if name in PROGRAM_ENV:
        problems.append((key, name, "is set by the program itself; choose another name"))
    elif name in seen:
        problems.append((key, name, f"is already set by {seen[name]}"))
    return {**seen, name: key}


def _traffic(c: StackConfig) -> list[Problem]:
    problems: list[Problem] = []
    mode = c.traffic_mode
    if (mode != "latest" or c.job_only) and c.image is None:
        problems.append(
            (
                "trafficMode" if mode != "latest" else "jobOnly",
                mode if mode != "latest" else True,
                "needs {ns}:image to be set",
            )
        )
    for key, revision in (
        ("stableRevision", c.stable_revision),
        ("pinnedRevision", c.pinned_revision),
    ):
        if revision is not None and not revision.startswith(f"{c.service_name}-"):
            problems.append((key, revision, f"must be a revision of service {c.service_name!r}"))
    needs = {
        "candidate": ("stableRevision",),
        "canary": ("stableRevision", "canaryPercent"),
        "pinned": ("pinnedRevision",),
    }.get(mode, ())
    values = {
        "stableRevision": c.stable_revision,
        "canaryPercent": c.canary_percent,
        "pinnedRevision": c.pinned_revision,
    }
    for key in needs:
        if values[key] is None:
            problems.append(
                ("trafficMode", mode, f"needs {{ns}}:{key} (pulumi config set {{ns}}:{key} ...)")
            )
    return problems


def _prod_guardrails(c: StackConfig) -> list[Problem]:
    """Prod keeps its data unless the override key is written into the stack file."""
    if not c.is_prod or c.dangerously_allow_unprotected_prod_database:
        return []
    weakened = {
        "deletionProtection": (c.deletion_protection, True),
        "database.backupsEnabled": (c.database.backups_enabled, True),
        "database.pitrEnabled": (c.database.pitr_enabled, True),
        "database.availability": (c.database.availability, "REGIONAL"),
    }
    return [
        (
            key,
            value,
            f"not allowed in prod (must be {required!r}); set {UNSAFE_PROD_OVERRIDE}: "
            "true only if losing prod data is intended",
        )
        for key, (value, required) in weakened.items()
        if value != required
    ]
