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
PER_DEPLOY_KEYS = (
    "image", "commit", "jobOnly", "trafficMode", "stableRevision", "canaryPercent",
    "pinnedRevision",
)  # fmt: skip


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


def _release(image: str, commit: str) -> dict[str, str]:
    """Every phase of a release states the same image and commit: the commit is part of the
    revision template (APP_VERSION), so dropping it would ask for a different revision."""
    if len(commit) != 40 or any(c not in "0123456789abcdef" for c in commit):
        raise PhaseError(f"commit {commit!r} must be the 40-hex git sha the image was built from")
    return {"image": _require_image(image), "commit": commit}


def serving_commit(outputs: StackOutputs) -> str:
    commit = outputs.raw.get("commit")
    if not isinstance(commit, str) or not commit:
        raise PhaseError("stack output 'commit' is missing: nothing was released by commit yet")
    return commit


def stable_revision(previous: StackOutputs) -> str | None:
    """The revision serving before this deploy (a pinned one included): the fallback."""
    return previous.serving_revision()


def job_only(image: str, commit: str) -> ConfigChange:
    """First deploy: declare the migration job for the image, not yet the service, so the
    schema exists before any revision serves."""
    return ConfigChange({**_release(image, commit), "jobOnly": "true", "trafficMode": "latest"},
                        note="first deploy: migration job only, no service yet")  # fmt: skip


def candidate(previous: StackOutputs, image: str, commit: str) -> ConfigChange:
    """New revision at 0% under the `candidate` tag; the serving revision keeps 100%."""
    stable = stable_revision(previous)
    if stable is None:
        return job_only(image, commit)
    return ConfigChange(
        {**_release(image, commit), "trafficMode": "candidate", "stableRevision": stable}
    )


def canary(image: str, commit: str, stable: str, percent: int) -> ConfigChange:
    if not 0 < percent < 100:
        raise PhaseError(f"canary percent {percent}: must be 1-99 (100 is `promote`)")
    return ConfigChange({
        **_release(image, commit), "trafficMode": "canary", "stableRevision": stable,
        "canaryPercent": str(percent),
    })  # fmt: skip


def promote(image: str, commit: str) -> ConfigChange:
    """100% to the newest revision; no stable, no pin."""
    return ConfigChange({**_release(image, commit), "trafficMode": "latest"})


def abort(image: str, commit: str, stable: str) -> ConfigChange:
    """Every request back on the stable revision. The image stays configured (its revision
    exists and gets 0%) because changing it back would ask Cloud Run to recreate the stable
    revision under its existing name."""
    return ConfigChange(
        {**_release(image, commit), "trafficMode": "pinned", "pinnedRevision": stable}
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
        {**_release(image, serving_commit(current)), "trafficMode": "pinned",
         "pinnedRevision": revision}
    )  # fmt: skip
