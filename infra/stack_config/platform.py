"""Optional platform sections: SLOs, audit, media, cache, front door, DR, tracing.

Each section is off unless the stack turns it on (`enabled: true`), because each one is
billed (alerting conditions, log volume, storage, a Redis instance) and because turning
one on needs an administrator's `pulumi up` once (IAM audit config, log bucket, bucket
IAM: RUNBOOK, "Platform capabilities"). The docstrings are the README key table.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from stack_config import google_cloud as gc
from stack_config.errors import RuleError
from stack_config.types import Domain, Strict, Text

Goal = Annotated[float, Field(ge=0.9, le=0.9999)]
BucketName = Annotated[
    str,
    Text(
        r"[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]",
        "must be 3-63 lowercase letters, digits, '-' or '_' (a Cloud Storage bucket name)",
    ),
]


class Slo(Strict):
    """Availability and latency SLOs of the service and their burn-rate alerts."""

    enabled: bool = False
    """Declare the Cloud Monitoring service, both SLOs and their alerts (alerts are billed)."""
    availability_goal: Goal = 0.995
    """Fraction of requests that must not be 5xx over the window."""
    latency_goal: Goal = 0.95
    """Fraction of requests that must be served within latencyThresholdMs."""
    latency_threshold_ms: Annotated[int, Field(ge=50, le=60000)] = 1000
    """A request slower than this spends latency budget."""
    window_days: Annotated[int, Field(ge=7, le=30)] = 30
    """Rolling compliance window; burn-rate thresholds derive from it (30 days: 14.4x, 6x, 1x)."""


class Audit(Strict):
    """Data Access audit logs, log retention and the application-error alert."""

    enabled: bool = False
    """Turn this section on (audit logs and retention are billed as log volume and storage)."""
    data_access_logs: bool = True
    """DATA_READ/DATA_WRITE audit logs for Secret Manager, Cloud SQL and IAM."""
    log_retention_days: Annotated[int, Field(ge=1, le=3650)] = 30
    """Retention of the project's _Default log bucket (beyond 30 days is billed)."""
    error_lines_threshold: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    """Application ERROR log lines in 5 minutes above which the error alert fires."""


class Media(Strict):
    """A private bucket for user uploads (Django's default storage), signed URLs to read."""

    enabled: bool = False
    """Create the bucket and let the runtime identity use it (storage is billed)."""
    bucket_name: BucketName | None = None
    """Bucket name; default <project>-media (bucket names are global)."""
    versioning: bool = True
    """Keep overwritten and deleted objects as noncurrent versions."""
    noncurrent_days: Annotated[int, Field(ge=1, le=3650)] = 30
    """Noncurrent versions are deleted this many days after they stop being live."""
    nearline_after_days: Annotated[int, Field(ge=30, le=3650)] | None = None
    """Move objects to NEARLINE after this many days (unset: stay STANDARD)."""
    signed_url_seconds: Annotated[int, Field(ge=60, le=604800)] = 3600
    """Lifetime of the signed URLs the app hands out (V4 allows at most 7 days)."""


class Cache(Strict):
    """Memorystore for Redis behind Django's RedisCache (the app degrades without it)."""

    enabled: bool = False
    """Create the Redis instance and point the app's cache at it (billed per GB-hour)."""
    tier: Literal["BASIC", "STANDARD_HA"] = "BASIC"
    """BASIC (one node) or STANDARD_HA (replica with automatic failover)."""
    memory_size_gb: Annotated[int, Field(ge=1, le=300)] = 1
    """Instance memory."""
    redis_version: Literal["REDIS_6_X", "REDIS_7_0", "REDIS_7_2"] = "REDIS_7_2"
    """Redis version."""
    network: Annotated[str, Text(r"[a-z][a-z0-9-]{0,62}", "must be a VPC network name")] = "default"
    """VPC network the instance joins and the service reaches by Direct VPC egress."""
    subnetwork: Annotated[str, Text(r"[a-z][a-z0-9-]{0,62}", "must be a subnet name")] = "default"
    """Subnet in the stack's region the service's egress uses."""


# Google's preconfigured WAF rule sets (ModSecurity CRS 3.3), evaluated by Cloud Armor.
WAF_RULES = (
    "sqli-v33-stable", "xss-v33-stable", "lfi-v33-stable", "rfi-v33-stable", "rce-v33-stable",
    "methodenforcement-v33-stable", "scannerdetection-v33-stable",
    "protocolattack-v33-stable", "sessionfixation-v33-stable",
)  # fmt: skip
WafRule = Annotated[
    str,
    Text(r"[a-z]+-v33-(stable|canary)", "must be a preconfigured WAF rule like sqli-v33-stable"),
]


class FrontDoor(Strict):
    """Global external HTTPS load balancer: managed certificate, Cloud Armor, Cloud CDN."""

    enabled: bool = False
    """Declare the load balancer in front of the service (billed per rule and per GB)."""
    domains: tuple[Domain, ...] = ()
    """Hosts of the Google-managed certificate; their DNS A records point at frontDoorIp."""
    cdn: bool = True
    """Cloud CDN, caching only what the app marks public (WhiteNoise's /static/ files)."""
    waf_rules: tuple[WafRule, ...] = WAF_RULES
    """Preconfigured WAF rule sets Cloud Armor evaluates (a match is refused with 403)."""
    waf_sensitivity: Annotated[int, Field(ge=1, le=4)] = 1
    """WAF paranoia level: 1 has the fewest false positives."""
    waf_preview: bool = False
    """Only log WAF matches (to tune rules before enforcing them)."""
    requests_per_minute: Annotated[int, Field(ge=10, le=100_000)] = 600
    """Per client IP; beyond it Cloud Armor answers 429 for the rest of the minute."""

    @model_validator(mode="after")
    def _domains(self) -> FrontDoor:
        if self.enabled and not self.domains:
            right = "with enabled: true, list the hosts of the certificate (e.g. app.example.com)"
            raise RuleError([("domains", [], right)])
        return self


# Cloud SQL backup multi-regions (a backup there survives losing any one region).
MULTI_REGIONS = ("eu", "us", "asia")


class DisasterRecovery(Strict):
    """Recovery from losing the region: a promotable replica elsewhere, and the objectives."""

    enabled: bool = False
    """Declare the cross-region replica and export the objectives (a replica is billed)."""
    replica_region: str = "europe-west4"
    """Region of the cross-region read replica (must differ from gcp:region)."""
    rpo_minutes: Annotated[int, Field(ge=1, le=10080)] = 15
    """Recovery point objective: data loss accepted when the region is lost."""
    rto_minutes: Annotated[int, Field(ge=5, le=10080)] = 60
    """Recovery time objective: until the app serves again from the replica's region."""
    backup_location: str | None = None
    """Where the primary's backups are stored (a region or eu/us/asia); default replicaRegion."""

    @model_validator(mode="after")
    def _region(self) -> DisasterRecovery:
        if (bad := gc.region_problem(self.replica_region)) is not None:
            raise RuleError([("replicaRegion", self.replica_region, bad)])
        location = self.backup_location
        if location and location not in MULTI_REGIONS and gc.region_problem(location):
            right = "must be a region or a multi-region (eu, us, asia)"
            raise RuleError([("backupLocation", location, right)])
        return self

    @property
    def backups_in(self) -> str:
        return self.backup_location or self.replica_region


class Tracing(Strict):
    """OpenTelemetry spans of requests and SQL statements, exported to Cloud Trace."""

    enabled: bool = False
    """Trace sampled requests as the runtime identity (Cloud Trace bills past its free tier)."""
    sample_rate: Annotated[float, Field(gt=0, le=1)] = 0.1
    """Fraction of requests traced when the caller has not decided (a traced caller is kept)."""
