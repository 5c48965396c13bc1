"""Deterministic revision names and the traffic split they receive.

Cloud Run normally names revisions itself; naming them from the image digest (plus a short
fingerprint of the rest of the revision template) means the traffic block, the pipeline and
the RUNBOOK can name a revision before it exists, and re-running `pulumi up` with the same
image and settings never tries to create a second revision with the same name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

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


_SHAPING = {
    *("run", "gunicorn", "django", "app_secrets", "app_env", "custom_domain", "commit"),
    *("project", "service_name", "project_number", "region"),
    # Optional sections that put env or VPC egress on the template (app_env, service.py).
    *("media", "cache", "tracing", "front_door"),
}


def template_fingerprint(config: StackConfig, secret_versions: Sequence[str] = ()) -> str:
    """Hash of everything that shapes the revision template except the image digest.

    Secret versions are included: Cloud Run refuses a changed template under an existing
    revision name, so a rotation (new version) must yield a new name.
    """
    shaping = {
        "config": config.model_dump(
            mode="json",
            include=_SHAPING,
        ),
        "db": [
            config.database.instance_name,
            config.database.database_name,
            config.database.user_name,
        ],
        "secretVersions": list(secret_versions),
    }
    return hashlib.sha256(json.dumps(shaping, sort_keys=True).encode()).hexdigest()


def revision_name(config: StackConfig, secret_versions: Sequence[str] = ()) -> str | None:
    """`<service>-<digest[:12]>-<fingerprint[:6]>`, or None while no image is configured."""
    if config.image is None:
        return None
    return (
        f"{config.service_name}-{image_digest(config.image)[:12]}-"
        f"{template_fingerprint(config, secret_versions)[:6]}"
    )


def traffic_targets(config: StackConfig, latest: str | None) -> tuple[TrafficTarget, ...]:
    """The traffic split for the configured mode, `latest` being the new revision's name."""
    if latest is None:
        return ()
    mode = config.traffic_mode
    if mode == "latest":
        # The candidate tag follows the newest revision so its tagged URL always exists.
        return (TrafficTarget(LATEST, 100), TrafficTarget(REVISION, 0, latest, TAG))
    if mode == "pinned":
        pinned = config.pinned_revision
        if pinned == latest:
            return (TrafficTarget(REVISION, 100, latest, TAG),)
        return (TrafficTarget(REVISION, 100, pinned), TrafficTarget(REVISION, 0, latest, TAG))
    stable = config.stable_revision
    percent = (config.canary_percent or 0) if mode == "canary" else 0
    if stable == latest:
        # Re-deploying the serving revision: nothing to split.
        return (TrafficTarget(REVISION, 100, latest, TAG),)
    return (
        TrafficTarget(REVISION, 100 - percent, stable),
        TrafficTarget(REVISION, percent, latest, TAG),
    )
