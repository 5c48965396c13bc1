"""traffic_config: every phase states image + commit; the traffic keys per phase."""

import pytest

from ops.release import traffic_config as tc
from ops.release.outputs import StackOutputs
from tests.ops.fakes import IMAGE, STABLE, candidate_outputs, outputs

COMMIT = "c" * 40


def test_candidate_keeps_the_serving_revision_at_100() -> None:
    change = tc.candidate(StackOutputs(outputs()), IMAGE, COMMIT)
    assert change.values == {"image": IMAGE, "commit": COMMIT, "trafficMode": "candidate",
                             "stableRevision": STABLE}  # fmt: skip
    assert set(change.remove) == {"jobOnly", "canaryPercent", "pinnedRevision"}


def test_first_deploy_declares_only_the_migration_job() -> None:
    change = tc.candidate(StackOutputs(outputs(traffic=[], latestRevision=None)), IMAGE, COMMIT)
    assert change.values["jobOnly"] == "true"
    assert "first deploy" in change.note


def test_canary_promote_abort_carry_the_commit() -> None:
    assert tc.canary(IMAGE, COMMIT, STABLE, 10).values["canaryPercent"] == "10"
    assert tc.promote(IMAGE, COMMIT).values == {"image": IMAGE, "commit": COMMIT,
                                                "trafficMode": "latest"}  # fmt: skip
    assert tc.abort(IMAGE, COMMIT, STABLE).values["pinnedRevision"] == STABLE


@pytest.mark.parametrize("percent", [0, 100, 150, -5])
def test_canary_percent_must_be_a_real_split(percent: int) -> None:
    with pytest.raises(tc.PhaseError, match="must be 1-99"):
        tc.canary(IMAGE, COMMIT, STABLE, percent)


@pytest.mark.parametrize(("image", "commit", "error"), [
    ("registry/app:latest", COMMIT, "pinned by digest"),
    (IMAGE, "main", "40-hex git sha"),
])  # fmt: skip
def test_bad_image_or_commit_is_named(image: str, commit: str, error: str) -> None:
    with pytest.raises(tc.PhaseError, match=error):
        tc.promote(image, commit)


def test_pin_for_rollback_keeps_the_current_image_and_commit() -> None:
    current = StackOutputs({**candidate_outputs(), "commit": COMMIT})
    change = tc.pin(current, STABLE)
    assert change.values == {"image": IMAGE, "commit": COMMIT, "trafficMode": "pinned",
                             "pinnedRevision": STABLE}  # fmt: skip
    with pytest.raises(tc.PhaseError, match="'commit' is missing"):
        tc.pin(StackOutputs(candidate_outputs()), STABLE)
