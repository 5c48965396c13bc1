"""Typed, frozen pieces of the stack configuration (built only by stack_config)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AccessSettings:
    """Who can reach the service."""

    ingress: str  # all | internal | internal-and-cloud-load-balancing
    public: bool  # allUsers may invoke (the app does its own auth)
    invokers: tuple[str, ...]  # IAM members allowed to invoke when not public


@dataclass(frozen=True)
class GithubSettings:
    """The repository whose workflows may deploy and preview this stack."""

    repository: str  # owner/name, informational (names can be renamed; ids cannot)
    repository_id: str
    repository_owner_id: str
    branch: str  # the branch that deploys here
    pool_id: str


@dataclass(frozen=True)
class RunSettings:
    """Cloud Run sizing and scaling."""

    cpu: str
    memory: str
    concurrency: int
    timeout_seconds: int
    min_instances: int
    max_instances: int


@dataclass(frozen=True)
class GunicornSettings:
    """Processes and threads per instance and the DB pool each process opens."""

    workers: int
    threads: int
    db_pool_size: int


@dataclass(frozen=True)
class MigrationSettings:
    """The migrate+seed Cloud Run job."""

    timeout_seconds: int
    max_retries: int
    connections: int  # DB connections the job holds at most


@dataclass(frozen=True)
class DatabaseSettings:
    """Cloud SQL for PostgreSQL."""

    instance_name: str
    version: str
    tier: str
    edition: str
    availability: str
    disk_size_gb: int
    max_connections: int
    reserved_connections: int  # admin sessions, Cloud SQL's own, one-off manage.py shells
    backups_enabled: bool
    retained_backups: int
    pitr_enabled: bool
    transaction_log_retention_days: int
    backup_start_time: str
    maintenance_day: int
    maintenance_hour: int
    database_name: str
    user_name: str


@dataclass(frozen=True)
class RegistrySettings:
    """Artifact Registry repository and its cleanup."""

    repository_id: str
    keep_recent: int
    delete_untagged_after_days: int


@dataclass(frozen=True)
class AppSecret:
    """An extra application secret: created empty, value added out of band."""

    secret_id: str
    env: str


@dataclass(frozen=True)
class DjangoSettings:
    """Django hardening values passed as environment variables."""

    log_level: str
    hsts_seconds: int
    hsts_include_subdomains: bool
    hsts_preload: bool


@dataclass(frozen=True)
class AlertSettings:
    """Alert recipients and thresholds."""

    emails: tuple[str, ...]
    error_rate: float  # fraction of 5xx responses
    latency_p95_ms: int
    cpu_utilization: float
    memory_utilization: float
    sql_cpu_utilization: float
    sql_disk_utilization: float
    connections_fraction: float  # of max_connections


@dataclass(frozen=True)
class TrafficSettings:
    """How traffic is split (set per deploy by CD, see README)."""

    mode: str  # latest | candidate | canary | pinned
    stable_revision: str | None
    canary_percent: int
    pinned_revision: str | None
