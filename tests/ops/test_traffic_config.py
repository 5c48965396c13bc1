"""Each release phase's stack config, derived from the previous outputs alone."""

import pytest

from ops.release import traffic_config as tc
from ops.release.outputs import StackOutputs
from tests.ops.fakes import CANDIDATE, IMAGE, OLD_IMAGE, OLDER, STABLE, outputs


def test_candidate_keeps_the_serving_revision_at_100() -> None:
    change = tc.candidate(StackOutputs(outputs()), IMAGE)
    assert change.values == {"image": IMAGE, "trafficMode": "candidate", "stableRevision": STABLE}
    assert change.remove == ("canaryPercent", "pinnedRevision")


def test_first_deploy_has_nothing_to_protect() -> None:
    change = tc.candidate(StackOutputs({"serviceName": "django-app"}), IMAGE)
    assert change.values == {"image": IMAGE, "trafficMode": "latest"}
    assert "first deploy" in change.note


def test_next_deploy_after_a_rollback_pin_unpins_and_keeps_the_pinned_revision_as_stable() -> None:
    pinned = outputs(
        traffic=[
            {"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "percent": 100, "revision": OLDER},
            {
                "type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION",
                "percent": 0,
                "revision": STABLE,
                "tag": "candidate",
            },
        ]
    )
    change = tc.candidate(StackOutputs(pinned), IMAGE)
    assert change.values["stableRevision"] == OLDER
    assert "pinnedRevision" in change.remove
    assert change.values["trafficMode"] == "candidate"


def test_canary_promote_abort() -> None:
    assert tc.canary(IMAGE, STABLE, 10).values == {
        "image": IMAGE, "trafficMode": "canary", "stableRevision": STABLE, "canaryPercent": "10",
    }  # fmt: skip
    promote = tc.promote(IMAGE)
    assert promote.values == {"image": IMAGE, "trafficMode": "latest"}
    assert set(promote.remove) == {"stableRevision", "canaryPercent", "pinnedRevision"}
    abort = tc.abort(IMAGE, STABLE)
    assert abort.values == {"image": IMAGE, "trafficMode": "pinned", "pinnedRevision": STABLE}


@pytest.mark.parametrize("percent", [0, 100, 150, -5])
def test_canary_percent_must_be_a_real_split(percent: int) -> None:
    with pytest.raises(tc.PhaseError, match="1-99"):
        tc.canary(IMAGE, STABLE, percent)


def test_images_must_be_pinned_by_digest() -> None:
    with pytest.raises(tc.PhaseError, match="pinned by digest"):
        tc.promote("europe-west1-docker.pkg.dev/p/r/app:latest")


def test_pin_for_rollback_keeps_the_current_image() -> None:
    change = tc.pin(StackOutputs(outputs()), CANDIDATE)
    assert change.values == {"image": OLD_IMAGE, "trafficMode": "pinned",
                             "pinnedRevision": CANDIDATE}  # fmt: skip
    with pytest.raises(tc.PhaseError, match="not a revision of service 'django-app'"):
        tc.pin(StackOutputs(outputs()), "other-svc-abc")
    with pytest.raises(tc.PhaseError, match="nothing has been deployed"):
        tc.pin(StackOutputs({"serviceName": "django-app"}), CANDIDATE)


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(tc.PhaseError, match="not per-deploy keys"):
        tc.ConfigChange({"region": "x"})
