"""The per-deploy stack config for each phase of a release, computed from stack outputs.

Pulumi.<stack>.yaml never holds these keys and the state lives in GCS, so every run starts
from a clean checkout: each phase derives the whole set from the previous run's
`pulumi stack output --json` and states every key, removing the ones it does not use. That
is also what clears a rollback pin: the next deploy simply does not set it.

Contract (COMMON.md): trafficMode latest | candidate | canary | pinned; stableRevision keeps
the traffic in candidate/canary mode; pinnedRevision gets 100% in pinned mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ops.release.outputs import StackOutputs

NAMESPACE = "django-gcp"
PER_DEPLOY_KEYS = ("image", "trafficMode", "stableRevision", "canaryPercent", "pinnedRevision")


class PhaseError(ValueError):
    """A phase cannot be computed from what the stack outputs say."""


@dataclass(frozen=True)
class ConfigChange:
    """`pulumi config set` for ``values``; `pulumi config rm` for every other per-deploy key."""

    values: dict[str, str]
    note: str = ""
    remove: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        unknown = set(self.values) - set(PER_DEPLOY_KEYS)
        if unknown:
            raise PhaseError(f"not per-deploy keys: {sorted(unknown)}; allowed {PER_DEPLOY_KEYS}")
        object.__setattr__(
            self, "remove", tuple(k for k in PER_DEPLOY_KEYS if k not in self.values)
        )


def _require_image(image: str) -> str:
    if "@sha256:" not in image:
        raise PhaseError(f"image {image!r} must be pinned by digest (<registry>/<name>@sha256:...)")
    return image


def stable_revision(previous: StackOutputs) -> str | None:
    """The revision serving before this deploy (a pinned one included): the fallback."""
    return previous.serving_revision()


def candidate(previous: StackOutputs, image: str) -> ConfigChange:
    """New revision at 0% under the `candidate` tag; the serving revision keeps 100%."""
    stable = stable_revision(previous)
    if stable is None:
        # First deploy: the service does not exist yet, so there is no traffic to protect
        # and nothing to keep it on; the new revision is the only one.
        return ConfigChange(
            {"image": _require_image(image), "trafficMode": "latest"},
            note="first deploy: no serving revision yet, the new revision takes all traffic",
        )
    return ConfigChange(
        {"image": _require_image(image), "trafficMode": "candidate", "stableRevision": stable}
    )


def canary(image: str, stable: str, percent: int) -> ConfigChange:
    if not 0 < percent < 100:
        raise PhaseError(f"canary percent {percent}: must be 1-99 (100 is `promote`)")
    return ConfigChange(
        {
            "image": _require_image(image),
            "trafficMode": "canary",
            "stableRevision": stable,
            "canaryPercent": str(percent),
        }
    )


def promote(image: str) -> ConfigChange:
    """100% to the newest revision; no stable, no pin."""
    return ConfigChange({"image": _require_image(image), "trafficMode": "latest"})


def abort(image: str, stable: str) -> ConfigChange:
    """Every request back on the stable revision. The image stays configured (its revision
    exists and gets 0%) because changing it back would ask Cloud Run to recreate the stable
    revision under its existing name."""
    return ConfigChange(
        {"image": _require_image(image), "trafficMode": "pinned", "pinnedRevision": stable}
    )


def pin(current: StackOutputs, revision: str) -> ConfigChange:
    """Rollback: 100% to ``revision`` until the next deploy (which does not set the pin)."""
    image = current.image
    if image is None:
        raise PhaseError("the stack has no image yet: nothing has been deployed to roll back")
    service = current.text("serviceName")
    if not revision.startswith(f"{service}-"):
        raise PhaseError(f"revision {revision!r} is not a revision of service {service!r}")
    return ConfigChange(
        {"image": _require_image(image), "trafficMode": "pinned", "pinnedRevision": revision}
    )
