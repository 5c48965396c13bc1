"""The structured sections of a stack file (`django-gcp:run:`, `django-gcp:database:`, ...).

Each attribute's docstring is its documentation: the README key table and the JSON Schema
editors use are generated from it (`make config-docs`). Rules that involve one section
only are validators here; rules across sections live in model.py.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from stack_config import google_cloud as gc
from stack_config.errors import RuleError
from stack_config.types import (
    Clock,
    Email,
    EnvName,
    Fraction,
    Identifier,
    Member,
    Memory,
    NumericId,
    ResourceName,
    SecretId,
    Strict,
    Text,
)


class Access(Strict):
    """Who can reach the service."""

    ingress: Literal["all", "internal", "internal-and-cloud-load-balancing"]
    """Where requests may come from (Cloud Run ingress)."""
    public: bool
    """allUsers may invoke the service (the app does its own authentication)."""
    invokers: tuple[Member, ...] = ()
    """IAM members allowed to invoke it when not public (e.g. group:team@example.com)."""

    @model_validator(mode="after")
    def _reachable(self) -> Access:
        if not self.public and not self.invokers:
            raise RuleError(
                [
                    (
                        "invokers",
                        [],
                        "with public: false, list who may call the service "
                        "(nobody could, and the uptime check would have nothing to probe)",
                    )
                ]
            )
        return self


class Github(Strict):
    """The repository whose workflows may deploy and preview this stack."""

    repository: Annotated[str, Text(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", "must be owner/name")]
    """owner/name, informational (names can be re-registered; the ids below cannot)."""
    repository_id: NumericId
    """Numeric repository id (GitHub API `id`), quoted."""
    repository_owner_id: NumericId
    """Numeric owner id (GitHub API `owner.id`), quoted."""
    branch: Annotated[str, Text(r"[A-Za-z0-9._/-]+", "must be a branch name like main")] | None = (
        None
    )
    """Branch that deploys here; default develop/homolog/main for dev/staging/prod."""
    workload_identity_pool_id: Annotated[
        str,
        Text(r"[a-z][a-z0-9-]{2,30}[a-z0-9]", "must be 4-32 lowercase letters, digits, hyphens"),
    ] = "github-actions"
    """Workload Identity pool id."""


class Run(Strict):
    """Cloud Run sizing and scaling of the service."""

    cpu: Annotated[
        str,
        Text(r"[12468]|0\.[0-9]{1,2}", 'must be "1", "2", "4", "6", "8" or a fraction like "0.5"'),
    ]
    """vCPUs per instance, as a string ("1", "2", ... or "0.5")."""
    memory: Memory
    """Memory per instance (512Mi minimum on the second-generation environment)."""
    concurrency: Annotated[int, Field(ge=1, le=1000)]
    """Requests one instance handles at once; at most gunicorn.workers x gunicorn.threads."""
    timeout_seconds: Annotated[int, Field(ge=1, le=3600)]
    """Request timeout."""
    min_instances: Annotated[int, Field(ge=0, le=1000)]
    """Instances kept warm (0 scales to zero)."""
    max_instances: Annotated[int, Field(ge=1, le=1000)]
    """Upper bound of instances (feeds the connection budget)."""
    db_statement_timeout_ms: Annotated[int, Field(ge=100, le=3_600_000)] = 15000
    """PostgreSQL statement_timeout of web requests; below timeoutSeconds."""
    db_lock_timeout_ms: Annotated[int, Field(ge=100, le=2500)] = 2000
    """PostgreSQL lock_timeout of web requests: a request behind a migration's lock answers
    503 after this; two rounds must fit the liveness probe's 5 s timeout."""

    @model_validator(mode="after")
    def _fits(self) -> Run:
        problems = []
        if self.db_statement_timeout_ms >= self.timeout_seconds * 1000:
            right = f"must be below timeoutSeconds ({self.timeout_seconds} s) in milliseconds"
            problems.append(("dbStatementTimeoutMs", self.db_statement_timeout_ms, right))
        if self.db_lock_timeout_ms > self.db_statement_timeout_ms:
            right = f"must be <= dbStatementTimeoutMs ({self.db_statement_timeout_ms})"
            problems.append(("dbLockTimeoutMs", self.db_lock_timeout_ms, right))
        if self.min_instances > self.max_instances:
            problems.append(
                (
                    "minInstances",
                    self.min_instances,
                    f"must be <= maxInstances ({self.max_instances})",
                )
            )
        bad = gc.cpu_memory_problem(self.cpu, self.memory, self.concurrency)
        if bad:
            problems.append((bad[0], getattr(self, bad[0]), bad[1]))
        if problems:
            raise RuleError(problems)
        return self


class Gunicorn(Strict):
    """Processes and threads per instance and the database pool each process opens."""

    workers: Annotated[int, Field(ge=1, le=32)]
    """gunicorn worker processes per instance."""
    threads: Annotated[int, Field(ge=1, le=64)]
    """Threads per worker (gthread)."""
    db_pool_size: Annotated[int, Field(ge=1, le=64)]
    """psycopg pool size per process; at least threads, or threads queue for connections."""

    @model_validator(mode="after")
    def _pool(self) -> Gunicorn:
        if self.db_pool_size < self.threads:
            right = f"must be >= threads ({self.threads}) that share the pool"
            raise RuleError([("dbPoolSize", self.db_pool_size, right)])
        return self


class MigrationJob(Strict):
    """The migrate+seed Cloud Run job."""

    timeout_seconds: Annotated[int, Field(ge=60, le=86400)]
    """Job task timeout; the pipeline waits at least this long."""
    max_retries: Annotated[int, Field(ge=0, le=3)]
    """Task retries (migrate_and_seed is idempotent)."""
    connections: Annotated[int, Field(ge=1, le=10)]
    """Database connections the job holds at most (connection budget)."""
    lock_timeout_ms: Annotated[int, Field(ge=100, le=60000)] = 5000
    """PostgreSQL lock_timeout of the job: a migration waiting behind traffic for a lock
    fails after this (and the task retries) instead of queueing every request behind it."""
    statement_timeout_ms: Annotated[int, Field(ge=0, le=86_400_000)] = 0
    """PostgreSQL statement_timeout of the job (0 = none: a data migration may be long)."""

    @model_validator(mode="after")
    def _within_task(self) -> MigrationJob:
        if self.statement_timeout_ms > self.timeout_seconds * 1000:
            right = f"must be 0 or at most timeoutSeconds ({self.timeout_seconds} s) in ms"
            raise RuleError([("statementTimeoutMs", self.statement_timeout_ms, right)])
        return self


class Database(Strict):
    """Cloud SQL for PostgreSQL."""

    instance_name: ResourceName
    """Cloud SQL instance name."""
    version: Annotated[str, Text(r"POSTGRES_(1[6-9]|[2-9][0-9])", "must be POSTGRES_16 or newer")]
    """Database version."""
    tier: str
    """Tier: db-f1-micro, db-g1-small, db-custom-<cpus>-<MiB>, db-perf-optimized-N-<cpus>."""
    edition: Literal["ENTERPRISE", "ENTERPRISE_PLUS"]
    """Cloud SQL edition (perf-optimized tiers need ENTERPRISE_PLUS)."""
    availability: Literal["ZONAL", "REGIONAL"]
    """REGIONAL = high availability (required in prod)."""
    disk_size_gb: Annotated[int, Field(ge=10, le=65536)]
    """Initial disk size (grows automatically)."""
    max_connections: Annotated[int, Field(ge=14, le=262142)]
    """PostgreSQL max_connections; at most twice Cloud SQL's default for the tier's memory."""
    reserved_connections: Annotated[int, Field(ge=3, le=1000)] = 10
    """Kept free for admin sessions, Cloud SQL's own and one-off shells (connection budget)."""
    backups_enabled: bool
    """Daily automated backups."""
    retained_backups: Annotated[int, Field(ge=1, le=365)]
    """Automated backups kept; must exceed transactionLogRetentionDays."""
    pitr_enabled: bool
    """Point-in-time recovery (needs backups)."""
    transaction_log_retention_days: Annotated[int, Field(ge=1, le=35)]
    """Days of PITR logs: at most 7 (ENTERPRISE) or 35 (ENTERPRISE_PLUS)."""
    backup_start_time: Clock
    """Backup window start, UTC, quoted."""
    maintenance_day: Annotated[int, Field(ge=1, le=7)]
    """Maintenance day, 1 = Monday."""
    maintenance_hour: Annotated[int, Field(ge=0, le=23)]
    """Maintenance hour, UTC."""
    database_name: Identifier = "app"
    """Application database."""
    user_name: Identifier = "app"
    """Application user (password generated, in Secret Manager)."""

    @model_validator(mode="after")
    def _cloud_sql(self) -> Database:
        problems: list[tuple[str, object, str]] = []
        bad = gc.tier_problem(self.tier, self.edition)
        if bad:
            problems.append((bad[0], getattr(self, bad[0]), bad[1]))
        elif self.max_connections > (limit := gc.connection_limit(self.tier)):
            right = f"tier {self.tier} allows at most {limit}; choose a bigger tier"
            problems.append(("maxConnections", self.max_connections, right))
        days = gc.pitr_day_limit(self.edition)
        if self.transaction_log_retention_days > days:
            problems.append(
                (
                    "transactionLogRetentionDays",
                    self.transaction_log_retention_days,
                    f"{self.edition} keeps at most {days} days",
                )
            )
        if self.pitr_enabled and not self.backups_enabled:
            problems.append(("pitrEnabled", True, "needs backupsEnabled: true"))
        if self.backups_enabled and self.retained_backups <= self.transaction_log_retention_days:
            days = self.transaction_log_retention_days
            right = f"Cloud SQL requires more than transactionLogRetentionDays ({days})"
            problems.append(("retainedBackups", self.retained_backups, right))
        if problems:
            raise RuleError(problems)
        return self


class Registry(Strict):
    """Artifact Registry repository and its cleanup. Optional: the defaults are deliberate."""

    repository_id: ResourceName = "django"
    """Docker repository id."""
    keep_recent: Annotated[int, Field(ge=1, le=1000)] = 20
    """Newest versions always kept (rollback targets)."""
    delete_untagged_after_days: Annotated[int, Field(ge=1, le=365)] = 7
    """Untagged images older than this are deleted."""
    promotion_readers: tuple[Member, ...] = ()
    """Next environment's deployer (serviceAccount:...): copies images from here by digest."""


class AppSecret(Strict):
    """An extra application secret: created empty, its value added out of band."""

    secret_id: SecretId
    """Secret Manager secret id."""
    env: EnvName | None = None
    """Variable the app reads it from; leave out until the secret has a value (RUNBOOK)."""
    version: Annotated[int, Field(ge=1)] | None = None
    """Version revisions read (absent: latest). Pinned, a rotation is a new revision and a
    rollback returns to the old value; latest reaches old revisions as they scale out."""

    @model_validator(mode="after")
    def _version_needs_env(self) -> AppSecret:
        if self.version is not None and self.env is None:
            right = "a version is read only through env: add env (the variable's name) too"
            raise RuleError([("version", self.version, right)])
        return self


Username = Annotated[str, Text(r"[\w.@+-]{1,150}", "must be a Django username: 1-150 letters, digits, @.+-_")]  # noqa: E501  # fmt: skip


class FirstAdmin(Strict):
    """The first Django superuser, created by `make first-admin` (README: first admin)."""

    username: Username
    """Admin user name."""
    email: Email
    """Admin e-mail (password resets go there)."""


class Django(Strict):
    """Django hardening passed as environment. Optional: the defaults are the secure ones."""

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    """Root log level."""
    hsts_seconds: Annotated[int, Field(ge=0, le=63072000)] = 3600
    """HSTS max-age (raise to a year once HTTPS is known good)."""
    hsts_include_subdomains: bool = False
    """HSTS includeSubDomains."""
    hsts_preload: bool = False
    """HSTS preload."""


class Alerts(Strict):
    """Alert recipients and thresholds."""

    emails: tuple[Email, ...]
    """Who is paged (at least one)."""
    error_rate: Fraction
    """Fraction of 5xx responses that alerts."""
    latency_p95_ms: Annotated[int, Field(ge=50, le=60000)]
    """p95 latency that alerts."""
    cpu_utilization: Fraction
    """Cloud Run CPU utilisation that alerts."""
    memory_utilization: Fraction
    """Cloud Run memory utilisation that alerts."""
    sql_cpu_utilization: Fraction
    """Cloud SQL CPU utilisation that alerts."""
    sql_disk_utilization: Fraction
    """Cloud SQL disk utilisation that alerts."""
    connections_fraction: Fraction
    """Fraction of maxConnections in use that alerts."""

    @model_validator(mode="after")
    def _someone(self) -> Alerts:
        if not self.emails:
            raise RuleError([("emails", [], "must list at least one address to page")])
        return self


class Rollout(Strict):
    """How a release moves traffic and what evidence each step needs (ops.release)."""

    steps: tuple[Annotated[int, Field(ge=1, le=100)], ...]
    """Traffic percentages to the new revision, increasing, ending at 100."""
    bake_seconds: Annotated[int, Field(ge=0, le=86400)] = 600
    """Time each step (except 100) is observed before the next."""
    min_requests: Annotated[int, Field(ge=1, le=1_000_000)] = 100
    """Candidate requests a step needs before its error rate and latency are judged."""
    no_data: Literal["promote", "hold", "abort"] = "abort"
    """After the bake without minRequests: promote (only if smoke passed), hold, or abort."""
    ingestion_delay_seconds: Annotated[int, Field(ge=0, le=1800)] = 180
    """Metric windows end this long before now (Cloud Monitoring ingestion delay)."""
    max_error_rate: Fraction = 0.01
    """5xx fraction of the candidate (or the stable revision) that fails a step."""
    max_latency_p95_ms: Annotated[int, Field(ge=50, le=60000)] = 1000
    """Candidate p95 latency that fails a step."""
    min_error_budget_remaining: Annotated[float, Field(ge=0, lt=1)] | None = None
    """Needs slo.enabled: a release does not start, and a step fails, while less than this
    fraction of the availability SLO's error budget is left (absent: not consulted)."""

    @model_validator(mode="after")
    def _increasing(self) -> Rollout:
        steps = list(self.steps)
        if not steps or steps[-1] != 100 or steps != sorted(set(steps)):
            raise RuleError([("steps", steps, "must be increasing percentages ending at 100")])
        return self
