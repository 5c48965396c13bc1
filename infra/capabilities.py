"""What a stack turns on: the optional (billed) sections, one line each, for the
`capabilities` output that `make plan` prints first and the release tools can read.

Each entry is the section's key in the stack file and either None (off) or a short
summary of its settings. Which component each one declares is CAPABILITY_COMPONENTS, so a
test can hold the summary against what the program really declared.
"""

from __future__ import annotations

from stack_config import StackConfig

# Section key -> the class of the component it declares (None: settings on what exists).
CAPABILITY_COMPONENTS: dict[str, str | None] = {
    "slo": "ServiceLevels",
    "audit": "AuditAndRetention",
    "media": "MediaBucket",
    "cache": "RedisCache",
    "frontDoor": "FrontDoor",
    "disasterRecovery": "CrossRegionReplica",
    "tracing": None,
    "rollout.minErrorBudgetRemaining": None,
}


def capabilities(config: StackConfig) -> dict[str, str | None]:
    """Section key -> summary when on, None when off."""
    slo, audit, media, cache = config.slo, config.audit, config.media, config.cache
    door, dr, tracing = config.front_door, config.disaster_recovery, config.tracing
    budget = config.rollout.min_error_budget_remaining
    return {
        "slo": (
            f"availability {slo.availability_goal:.2%}, latency {slo.latency_goal:.0%} "
            f"under {slo.latency_threshold_ms} ms, {slo.window_days}-day window"
            if slo.enabled
            else None
        ),
        "audit": (
            f"data access logs {'on' if audit.data_access_logs else 'off'}, "
            f"log retention {audit.log_retention_days} days"
            if audit.enabled
            else None
        ),
        "media": (
            f"bucket {media.bucket_name or f'{config.project}-media'}, "
            f"signed URLs {media.signed_url_seconds} s"
            if media.enabled
            else None
        ),
        "cache": (
            f"{cache.tier} {cache.memory_size_gb} GB on {cache.network}" if cache.enabled else None
        ),
        "frontDoor": f"domains {', '.join(door.domains)}" if door.enabled else None,
        "disasterRecovery": (
            f"replica in {dr.replica_region}, backups in {dr.backups_in}, "
            f"RPO {dr.rpo_minutes} min, RTO {dr.rto_minutes} min"
            if dr.enabled
            else None
        ),
        "tracing": f"sample rate {tracing.sample_rate:g}" if tracing.enabled else None,
        "rollout.minErrorBudgetRemaining": (
            f"a release needs {budget:.0%} of the error budget left" if budget is not None else None
        ),
    }
