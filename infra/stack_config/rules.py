"""Rules across sections of one stack: what no single section can know alone.

Each rule returns problems as (key relative to the namespace, value, what would be right);
"{ns}" in the text becomes the namespace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stack_config import google_cloud as gc

if TYPE_CHECKING:
    from stack_config.model import StackConfig

Problem = tuple[str, object, str]
# The branch each conventional environment deploys from (README: delivery).
DEFAULT_BRANCHES = {"dev": "develop", "staging": "homolog", "prod": "main"}
# Set by the program (infra/app_env.py, secrets) or reserved by Cloud Run: appSecrets and
# appEnv may not reuse them (tests/infra keep this list equal to what app_env sets).
# fmt: off
PROGRAM_ENV = frozenset({
    "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOWED_HOSTS", "DJANGO_CSRF_TRUSTED_ORIGINS",
    "DJANGO_SECRET_KEY", "DJANGO_SECURE_SSL_REDIRECT", "DJANGO_SECURE_HSTS_SECONDS",
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", "DJANGO_SECURE_HSTS_PRELOAD",
    "DJANGO_SECURE_COOKIES", "DJANGO_SECURE_PROXY_SSL_HEADER", "DJANGO_LOG_LEVEL", "DB_NAME",
    "DB_USER", "DB_PASSWORD", "DB_HOST", "DB_PORT", "DB_CONNECT_TIMEOUT", "DB_POOL_MAX_SIZE",
    "DB_STATEMENT_TIMEOUT_MS", "DB_LOCK_TIMEOUT_MS",
    "GUNICORN_WORKERS", "GUNICORN_THREADS", "GOOGLE_CLOUD_PROJECT", "APP_VERSION", "PORT",
    "K_SERVICE", "K_REVISION", "K_CONFIGURATION", "CLOUD_RUN_JOB", "CLOUD_RUN_EXECUTION",
    "CLOUD_RUN_TASK_INDEX", "CLOUD_RUN_TASK_ATTEMPT", "CLOUD_RUN_TASK_COUNT",
    # Optional platform sections (app_env.platform_environment, the cache's AUTH secret).
    "DJANGO_MEDIA_BUCKET", "DJANGO_MEDIA_URL_SECONDS", "DJANGO_CACHE_URL",
    "DJANGO_CACHE_PASSWORD", "DJANGO_TRACE_SAMPLE_RATE",
    # firstAdmin's job (components/admin_job.py).
    "DJANGO_SUPERUSER_USERNAME", "DJANGO_SUPERUSER_EMAIL", "DJANGO_SUPERUSER_PASSWORD",
})
# fmt: on
PROGRAM_SECRETS = frozenset({"django-secret-key", "db-password", "django-superuser-password"})
UNSAFE_PROD_OVERRIDE = "dangerouslyAllowUnprotectedProdDatabase"
# During a rollout the old and the new revision can both be at max instances.
REVISIONS_DURING_ROLLOUT = 2


def cross_section_problems(c: StackConfig) -> list[Problem]:
    return [
        *_identity(c), *_sizing(c), *_budget(c), *_env_names(c), *_traffic(c), *_prod(c),
        *_platform(c),
    ]  # fmt: skip


def _identity(c: StackConfig) -> list[Problem]:
    p: list[Problem] = []
    if (bad := gc.region_problem(c.region)) is not None:
        p.append(("gcp:region", c.region, bad))
    if c.stack in DEFAULT_BRANCHES and c.environment != c.stack:
        p.append(("environment", c.environment, f"stack {c.stack!r} must be {c.stack!r}"))
    if c.github.branch is None and c.environment not in DEFAULT_BRANCHES:
        p.append(("github.branch", None, f"{c.environment!r} has no default: name its branch"))
    if c.is_prod and c.github.branch not in (None, "main"):
        p.append(("github.branch", c.github.branch, "prod deploys only from main"))
    return p


def _sizing(c: StackConfig) -> list[Problem]:
    capacity = c.gunicorn.workers * c.gunicorn.threads
    if c.run.concurrency <= capacity:
        return []
    right = f"must be <= gunicorn.workers x gunicorn.threads ({capacity}) or requests queue"
    return [("run.concurrency", c.run.concurrency, right)]


def connection_budget(c: StackConfig) -> dict[str, int]:
    """Worst case of open PostgreSQL connections (also the `connectionBudget` output)."""
    run, g, db = c.run, c.gunicorn, c.database
    service = run.max_instances * g.workers * g.db_pool_size * REVISIONS_DURING_ROLLOUT
    total = service + c.migration.connections + db.reserved_connections
    return {"maxInstances": run.max_instances, "workers": g.workers, "poolSize": g.db_pool_size,
            "revisions": REVISIONS_DURING_ROLLOUT, "service": service,
            "migrationJob": c.migration.connections, "reserve": db.reserved_connections,
            "total": total, "maxConnections": db.max_connections}  # fmt: skip


def _budget(c: StackConfig) -> list[Problem]:
    b = connection_budget(c)
    if b["total"] <= b["maxConnections"]:
        return []
    right = (
        f"connection budget exceeded: run.maxInstances {b['maxInstances']} x gunicorn.workers "
        f"{b['workers']} x gunicorn.dbPoolSize {b['poolSize']} x {b['revisions']} revisions = "
        f"{b['service']}, + migrationJob.connections {b['migrationJob']} + database."
        f"reservedConnections {b['reserve']} = {b['total']} > {{ns}}:database.maxConnections. "
        "Lower maxInstances/workers/dbPoolSize or raise maxConnections (bigger tier)"
    )
    return [("database.maxConnections", b["maxConnections"], right)]


def _env_names(c: StackConfig) -> list[Problem]:
    p: list[Problem] = []
    owners: dict[str, str] = {}
    names = [(f"appSecrets.{i}.env", s.env) for i, s in enumerate(c.app_secrets) if s.env]
    for key, name in [*names, *((f"appEnv.{n}", n) for n in c.app_env)]:
        if name in PROGRAM_ENV:
            p.append((key, name, "is set by the program itself; choose another name"))
        elif name in owners:
            p.append((key, name, f"is already set by {owners[name]}"))
        owners.setdefault(name, key)
    ids = [s.secret_id for s in c.app_secrets]
    for i, secret_id in enumerate(ids):
        if secret_id in PROGRAM_SECRETS or secret_id in ids[:i]:
            right = f"declared twice or owned by the program ({', '.join(sorted(PROGRAM_SECRETS))})"
            p.append((f"appSecrets.{i}.secretId", secret_id, right))
    return p


def _traffic(c: StackConfig) -> list[Problem]:
    p: list[Problem] = []
    mode = c.traffic_mode
    if c.image is None and (mode != "latest" or c.job_only):
        key, value = ("jobOnly", True) if mode == "latest" else ("trafficMode", mode)
        p.append((key, value, "needs {ns}:image to be set"))
    for key, name in (("stableRevision", c.stable_revision), ("pinnedRevision", c.pinned_revision)):
        if name is not None and not name.startswith(f"{c.service_name}-"):
            p.append((key, name, f"must be a revision of service {c.service_name!r}"))
    values = {"stableRevision": c.stable_revision, "canaryPercent": c.canary_percent,
              "pinnedRevision": c.pinned_revision}  # fmt: skip
    needs = {"candidate": ["stableRevision"], "canary": ["stableRevision", "canaryPercent"],
             "pinned": ["pinnedRevision"]}.get(mode, [])  # fmt: skip
    right = "needs {ns}:%s (pulumi config set {ns}:%s ...)"
    p += [("trafficMode", mode, right % (k, k)) for k in needs if values[k] is None]
    return p


def _prod(c: StackConfig) -> list[Problem]:
    """Prod keeps its data unless the override key is written into the stack file."""
    if not c.is_prod or c.dangerously_allow_unprotected_prod_database:
        return []
    db = c.database
    weakened = {"deletionProtection": (c.deletion_protection, True),
                "database.backupsEnabled": (db.backups_enabled, True),
                "database.pitrEnabled": (db.pitr_enabled, True),
                "database.availability": (db.availability, "REGIONAL")}  # fmt: skip
    right = "not allowed in prod (must be %r); set %s: true only if losing prod data is intended"
    return [
        (k, v, right % (req, UNSAFE_PROD_OVERRIDE)) for k, (v, req) in weakened.items() if v != req
    ]


def _platform(c: StackConfig) -> list[Problem]:
    """What an optional section needs from the rest of the stack."""
    p: list[Problem] = []
    if c.front_door.enabled:
        # Otherwise the run.app URL stays open and bypasses Cloud Armor and its rate limit.
        if c.access.ingress != "internal-and-cloud-load-balancing":
            right = (
                "with frontDoor.enabled the service must accept only the load balancer: "
                "internal-and-cloud-load-balancing"
            )
            p.append(("access.ingress", c.access.ingress, right))
        if not c.access.public:
            right = (
                "with frontDoor.enabled must be true: the load balancer forwards requests "
                "without an identity token, so Cloud Run would answer them 403"
            )
            p.append(("access.public", c.access.public, right))
    if c.rollout.min_error_budget_remaining is not None and not c.slo.enabled:
        right = "needs slo.enabled: true (the budget is the availability SLO's)"
        p.append(("rollout.minErrorBudgetRemaining", c.rollout.min_error_budget_remaining, right))
    dr = c.disaster_recovery
    if dr.enabled:
        if dr.replica_region == c.region:
            right = "must differ from gcp:region (a replica there does not survive losing it)"
            p.append(("disasterRecovery.replicaRegion", dr.replica_region, right))
        if dr.backup_location == c.region:
            right = "must differ from gcp:region (backups there are lost with the region), e.g. eu"
            p.append(("disasterRecovery.backupLocation", dr.backup_location, right))
    return p
