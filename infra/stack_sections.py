"""Parsing of the structured config sections (django-gcp:run, :database, ...)."""

from __future__ import annotations

from typing import Any

import config_rules as rules
from config_rules import NAMESPACE, ConfigError, Section, fail
from stack_settings import (
    AccessSettings,
    AlertSettings,
    AppSecret,
    DatabaseSettings,
    DjangoSettings,
    GithubSettings,
    GunicornSettings,
    MigrationSettings,
    RegistrySettings,
    RunSettings,
)

_HHMM = r"([01][0-9]|2[0-3]):[0-5][0-9]"
_BRANCHES = {"dev": "develop", "staging": "homolog", "prod": "main"}


def parse_sections(raw: dict[str, Any], *, environment: str, service: str) -> dict[str, Any]:
    """Parse every structured section; returns StackConfig keyword arguments."""
    return {
        "access": _access(Section("access", raw.get("access"))),
        "github": _github(Section("github", raw.get("github")), environment),
        "run": _run(Section("run", raw.get("run"))),
        "gunicorn": _gunicorn(Section("gunicorn", raw.get("gunicorn"))),
        "migration": _migration(Section("migrationJob", raw.get("migrationJob"))),
        "database": _database(Section("database", raw.get("database")), service),
        "registry": _registry(Section("registry", raw.get("registry"))),
        "app_secrets": _app_secrets(raw.get("appSecrets")),
        "django": _django(Section("django", raw.get("django"))),
        "alerts": _alerts(Section("alerts", raw.get("alerts"))),
        "rollout_steps": _rollout(Section("rollout", raw.get("rollout"))),
    }


def _access(s: Section) -> AccessSettings:
    ingress = s.choice("ingress", "all", ("all", "internal", "internal-and-cloud-load-balancing"))
    public = s.flag("public", True)
    invokers = s.value("invokers", [])
    if not isinstance(invokers, list) or not all(
        isinstance(m, str) and m.split(":", 1)[0] in ("user", "group", "serviceAccount", "domain")
        for m in invokers
    ):
        raise fail(s.name("invokers"), invokers, "must be a list of IAM members like group:x@y.z")
    s.finish()
    return AccessSettings(ingress=ingress, public=public, invokers=tuple(invokers))


def _github(s: Section, environment: str) -> GithubSettings:
    numeric = (
        "must be the numeric id (a string of digits), e.g. from the GitHub API; names "
        "can be re-registered by someone else, ids cannot"
    )
    settings = GithubSettings(
        repository=s.text(
            "repository", pattern=r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", allowed="must be owner/name"
        ),
        repository_id=s.text("repositoryId", pattern=rules.NUMERIC_ID, allowed=numeric),
        repository_owner_id=s.text("repositoryOwnerId", pattern=rules.NUMERIC_ID, allowed=numeric),
        branch=s.text(
            "branch",
            _BRANCHES[environment],
            pattern=r"[A-Za-z0-9._/-]+",
            allowed="must be a branch name like main",
        ),
        pool_id=s.text(
            "workloadIdentityPoolId",
            "github-actions",
            pattern=r"[a-z][a-z0-9-]{2,30}[a-z0-9]",
            allowed="must be 4-32 lowercase letters, digits, hyphens",
        ),
    )
    if environment == "prod" and settings.branch != "main":
        raise fail(s.name("branch"), settings.branch, "prod deploys only from main")
    s.finish()
    return settings


def _run(s: Section) -> RunSettings:
    run = RunSettings(
        cpu=str(s.value("cpu", "1")),
        memory=str(s.value("memory", "512Mi")),
        concurrency=s.integer("concurrency", 8, lo=1, hi=1000),
        timeout_seconds=s.integer("timeoutSeconds", 60, lo=1, hi=3600),
        min_instances=s.integer("minInstances", 0, lo=0, hi=1000),
        max_instances=s.integer("maxInstances", 2, lo=1, hi=1000),
    )
    if run.min_instances > run.max_instances:
        raise fail(
            s.name("minInstances"),
            run.min_instances,
            f"must be <= {s.name('maxInstances')} ({run.max_instances})",
        )
    rules.check_cpu_memory(s.name("cpu"), run.cpu, s.name("memory"), run.memory, run.concurrency)
    s.finish()
    return run


def _gunicorn(s: Section) -> GunicornSettings:
    workers = s.integer("workers", 2, lo=1, hi=32)
    threads = s.integer("threads", 4, lo=1, hi=64)
    settings = GunicornSettings(workers, threads, s.integer("dbPoolSize", threads, lo=1, hi=64))
    s.finish()
    return settings


def _migration(s: Section) -> MigrationSettings:
    settings = MigrationSettings(
        timeout_seconds=s.integer("timeoutSeconds", 900, lo=60, hi=86400),
        max_retries=s.integer("maxRetries", 1, lo=0, hi=3),
        connections=s.integer("connections", 2, lo=1, hi=10),
    )
    s.finish()
    return settings


def _database(s: Section, service: str) -> DatabaseSettings:
    edition = s.choice("edition", "ENTERPRISE", ("ENTERPRISE", "ENTERPRISE_PLUS"))
    tier = str(s.value("tier", "db-g1-small"))
    rules.check_tier(s.name("tier"), tier, s.name("edition"), edition)
    pitr_limit = rules.pitr_day_limit(edition)
    db = DatabaseSettings(
        instance_name=s.text(
            "instanceName",
            f"{service}-pg",
            pattern=r"[a-z][a-z0-9-]{0,78}[a-z0-9]",
            allowed="must be lowercase letters, digits, hyphens",
        ),
        version=s.text(
            "version",
            "POSTGRES_16",
            pattern=r"POSTGRES_(1[6-9]|[2-9][0-9])",
            allowed="must be POSTGRES_16 or newer",
        ),
        tier=tier,
        edition=edition,
        availability=s.choice("availability", "ZONAL", ("ZONAL", "REGIONAL")),
        disk_size_gb=s.integer("diskSizeGb", 10, lo=10, hi=65536),
        max_connections=s.integer("maxConnections", lo=14, hi=262142, required=True),
        reserved_connections=s.integer("reservedConnections", 10, lo=3, hi=1000),
        backups_enabled=s.flag("backupsEnabled", True),
        retained_backups=s.integer("retainedBackups", 7, lo=1, hi=365),
        pitr_enabled=s.flag("pitrEnabled", True),
        transaction_log_retention_days=s.integer(
            "transactionLogRetentionDays", pitr_limit, lo=1, hi=pitr_limit
        ),
        backup_start_time=s.text(
            "backupStartTime", "03:00", pattern=_HHMM, allowed="must be HH:MM (UTC)"
        ),
        maintenance_day=s.integer("maintenanceDay", 7, lo=1, hi=7),
        maintenance_hour=s.integer("maintenanceHour", 4, lo=0, hi=23),
        database_name=s.text(
            "databaseName",
            "app",
            pattern=r"[a-z_][a-z0-9_]{0,62}",
            allowed="must be a lowercase PostgreSQL identifier",
        ),
        user_name=s.text(
            "userName",
            "app",
            pattern=r"[a-z_][a-z0-9_]{0,62}",
            allowed="must be a lowercase PostgreSQL identifier",
        ),
    )
    if db.pitr_enabled and not db.backups_enabled:
        raise fail(s.name("pitrEnabled"), True, f"needs {s.name('backupsEnabled')}: true")
    limit = rules.shared_core_connection_limit(tier)
    if limit is not None and db.max_connections > limit:
        raise fail(
            s.name("maxConnections"), db.max_connections, f"tier {tier} allows at most {limit}"
        )
    s.finish()
    return db


def _registry(s: Section) -> RegistrySettings:
    settings = RegistrySettings(
        repository_id=s.text(
            "repositoryId",
            "django",
            pattern=r"[a-z][a-z0-9-]{0,61}[a-z0-9]",
            allowed="must be lowercase letters, digits, hyphens",
        ),
        keep_recent=s.integer("keepRecent", 20, lo=1, hi=1000),
        delete_untagged_after_days=s.integer("deleteUntaggedAfterDays", 7, lo=1, hi=365),
    )
    s.finish()
    return settings


def _app_secrets(raw: object) -> tuple[AppSecret, ...]:
    key = f"{NAMESPACE}:appSecrets"
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise fail(key, raw, "must be a list of {secretId, env}")
    secrets = []
    for index, item in enumerate(raw):
        s = Section(f"appSecrets[{index}]", item)
        secrets.append(
            AppSecret(
                secret_id=s.text(
                    "secretId", pattern=rules.SECRET_ID, allowed="must be a secret id"
                ),
                env=s.text("env", pattern=rules.ENV_NAME, allowed="must be an UPPER_CASE env name"),
            )
        )
        s.finish()
    taken = {"DJANGO_SECRET_KEY", "DB_PASSWORD"}
    for secret in secrets:
        if secret.env in taken or secret.secret_id in ("django-secret-key", "db-password"):
            raise ConfigError(
                f"{key} declares {secret.env}/{secret.secret_id} twice or reuses "
                "a name the program owns (django-secret-key, db-password)"
            )
        taken.add(secret.env)
    return tuple(secrets)


def _django(s: Section) -> DjangoSettings:
    settings = DjangoSettings(
        log_level=s.choice("logLevel", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
        hsts_seconds=s.integer("hstsSeconds", 3600, lo=0, hi=63072000),
        hsts_include_subdomains=s.flag("hstsIncludeSubdomains", False),
        hsts_preload=s.flag("hstsPreload", False),
    )
    s.finish()
    return settings


def _alerts(s: Section) -> AlertSettings:
    emails = s.value("emails", required=True)
    if not isinstance(emails, list) or not emails:
        raise fail(s.name("emails"), emails, "must be a non-empty list of e-mail addresses")
    for email in emails:
        if not isinstance(email, str) or not rules.re.fullmatch(rules.EMAIL, email):
            raise fail(s.name("emails"), email, "must be an e-mail address like oncall@example.com")
    settings = AlertSettings(
        emails=tuple(emails),
        error_rate=s.number("errorRate", 0.01, lo=0, hi=1),
        latency_p95_ms=s.integer("latencyP95Ms", 1000, lo=50, hi=60000),
        cpu_utilization=s.number("cpuUtilization", 0.8, lo=0, hi=1),
        memory_utilization=s.number("memoryUtilization", 0.85, lo=0, hi=1),
        sql_cpu_utilization=s.number("sqlCpuUtilization", 0.8, lo=0, hi=1),
        sql_disk_utilization=s.number("sqlDiskUtilization", 0.85, lo=0, hi=1),
        connections_fraction=s.number("connectionsFraction", 0.8, lo=0, hi=1),
    )
    s.finish()
    return settings


def _rollout(s: Section) -> tuple[int, ...]:
    steps = s.value("steps", [100])
    if (
        not isinstance(steps, list)
        or not steps
        or steps[-1] != 100
        or not all(isinstance(p, int) and not isinstance(p, bool) and 0 < p <= 100 for p in steps)
        or steps != sorted(set(steps))
    ):
        raise fail(s.name("steps"), steps, "must be increasing percentages 1-100 ending at 100")
    s.finish()
    return tuple(steps)
