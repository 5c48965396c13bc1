"""Deterministic revision names and the traffic split they receive.

Cloud Run normally names revisions itself; naming them from the image digest (plus a short
fingerprint of the rest of the revision template) means the traffic block, the pipeline and
the RUNBOOK can name a revision before it exists, and re-running `pulumi up` with the same
image and settings never tries to create a second revision with the same name.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from stack_config import StackConfig

TAG = "candidate"
LATEST = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"
REVISION = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION"


@dataclass(frozen=True)
class TrafficTarget:
    """One entry of the service's traffic block (also the `traffic` stack output)."""

    type: str
    percent: int
    revision: str | None = None
    tag: str | None = None


def image_digest(image: str) -> str:
    return image.rsplit("@sha256:", 1)[1]


def template_fingerprint(config: StackConfig) -> str:
    """Hash of every config value that shapes the revision template, except the image."""
    shaping = {
        "run": asdict(config.run),
        "gunicorn": asdict(config.gunicorn),
        "django": asdict(config.django),
        "secrets": [asdict(s) for s in config.app_secrets],
        "domain": config.custom_domain,
        "db": [
            config.database.instance_name,
            config.database.database_name,
            config.database.user_name,
        ],
        "project": config.project,
        "host": config.service_host,
    }
    return hashlib.sha256(json.dumps(shaping, sort_keys=True).encode()).hexdigest()


def revision_name(config: StackConfig) -> str | None:
    """`<service>-<digest[:12]>-<fingerprint[:6]>`, or None while no image is configured."""
    if config.image is None:
        return None
    return (
        f"{config.service_name}-{image_digest(config.image)[:12]}-"
        f"{template_fingerprint(config)[:6]}"
    )


def traffic_targets(config: StackConfig) -> tuple[TrafficTarget, ...]:
    """The traffic split for the configured mode (contract: COMMON.md / README)."""
    latest = revision_name(config)
    traffic = config.traffic
    if latest is None:
        return ()
    if traffic.mode == "latest":
        # The candidate tag follows the newest revision so its tagged URL always exists.
        return (TrafficTarget(LATEST, 100), TrafficTarget(REVISION, 0, latest, TAG))
    if traffic.mode == "pinned":
        pinned = traffic.pinned_revision
        if pinned == latest:
            return (TrafficTarget(REVISION, 100, latest, TAG),)
        return (TrafficTarget(REVISION, 100, pinned), TrafficTarget(REVISION, 0, latest, TAG))
    stable = traffic.stable_revision
    percent = traffic.canary_percent if traffic.mode == "canary" else 0
    if stable == latest:
        # Re-deploying the serving revision: nothing to split.
        return (TrafficTarget(REVISION, 100, latest, TAG),)
    return (
        TrafficTarget(REVISION, 100 - percent, stable),
        TrafficTarget(REVISION, percent, latest, TAG),
    )
