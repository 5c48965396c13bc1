"""Traffic modes and deterministic revision names (the contract CD relies on)."""

from __future__ import annotations

from typing import Any

from mock_run import EXAMPLE_IMAGE, run_program
from tests.infra.conftest import SERVICE, one

LATEST = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"
REVISION = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION"
STABLE = "django-app-0123456789ab-abcdef"


def _traffic(overrides: dict[str, Any]) -> tuple[str, list[dict[str, Any]], list[dict]]:
    run = run_program("prod", overrides)
    declared = one(run, SERVICE).inputs["traffics"]
    return run.outputs["latestRevision"], run.outputs["traffic"], declared


def test_revision_name_is_derived_from_the_digest_and_template():
    run = run_program("prod")
    latest = run.outputs["latestRevision"]
    assert latest.startswith("django-app-ab12cd34ab12-")
    assert len(latest) <= 63
    assert run_program("prod").outputs["latestRevision"] == latest  # deterministic
    other_image = EXAMPLE_IMAGE.format(stack="prod").replace("ab12cd34" * 8, "ff" * 32)
    assert (
        run_program("prod", {"image": other_image})
        .outputs["latestRevision"]
        .startswith("django-app-ffffffffffff-")
    )
    # Same image, different settings: a different revision, so Cloud Run accepts the update.
    changed = run_program("prod", {"django": {"logLevel": "DEBUG", "hstsSeconds": 31536000}})
    assert changed.outputs["latestRevision"] != latest
    # Traffic changes alone must not create a new revision.
    pinned = run_program("prod", {"trafficMode": "pinned", "pinnedRevision": STABLE})
    assert pinned.outputs["latestRevision"] == latest


def test_latest_mode_sends_everything_to_latest_and_tags_the_candidate():
    latest, traffic, declared = _traffic({})
    assert traffic == [
        {"type": LATEST, "percent": 100, "revision": None, "tag": None},
        {"type": REVISION, "percent": 0, "revision": latest, "tag": "candidate"},
    ]
    assert declared == [
        {"type": LATEST, "percent": 100},
        {"type": REVISION, "percent": 0, "revision": latest, "tag": "candidate"},
    ]


def test_candidate_mode_keeps_stable_at_100_and_new_revision_at_0():
    latest, traffic, _ = _traffic({"trafficMode": "candidate", "stableRevision": STABLE})
    assert traffic == [
        {"type": REVISION, "percent": 100, "revision": STABLE, "tag": None},
        {"type": REVISION, "percent": 0, "revision": latest, "tag": "candidate"},
    ]


def test_canary_mode_splits_by_percent():
    latest, traffic, declared = _traffic(
        {"trafficMode": "canary", "stableRevision": STABLE, "canaryPercent": "10"}
    )
    assert [(t["revision"], t["percent"], t["tag"]) for t in traffic] == [
        (STABLE, 90, None),
        (latest, 10, "candidate"),
    ]
    assert sum(t["percent"] for t in declared) == 100


def test_pinned_mode_rolls_back_to_the_named_revision():
    latest, traffic, _ = _traffic({"trafficMode": "pinned", "pinnedRevision": STABLE})
    assert traffic == [
        {"type": REVISION, "percent": 100, "revision": STABLE, "tag": None},
        {"type": REVISION, "percent": 0, "revision": latest, "tag": "candidate"},
    ]


def test_redeploying_the_stable_revision_collapses_to_one_target():
    latest = run_program("prod").outputs["latestRevision"]
    _, traffic, _ = _traffic(
        {"trafficMode": "canary", "stableRevision": latest, "canaryPercent": 50}
    )
    assert traffic == [{"type": REVISION, "percent": 100, "revision": latest, "tag": "candidate"}]


def test_bootstrap_without_image_declares_everything_but_service_and_job():
    run = run_program("prod", with_image=False)
    assert run.of_type(SERVICE) == []
    assert run.of_type("gcp:cloudrunv2/job:Job") == []
    assert run.of_type("gcp:sql/databaseInstance:DatabaseInstance")
    assert run.outputs["image"] is None
    assert run.outputs["latestRevision"] is None
    assert run.outputs["traffic"] == []
    assert run.outputs["deployerServiceAccount"].startswith("django-app-deployer@")


def test_a_new_secret_version_yields_a_new_revision_name():
    from mock_run import PROJECT, program_config
    from revisions import revision_name
    from stack_config import parse_stack_config

    config = parse_stack_config(program_config("prod"), stack="prod", namespace=PROJECT)
    before = revision_name(config, ["1", "1"])
    after_rotation = revision_name(config, ["1", "2"])
    assert before is not None
    assert after_rotation is not None
    assert before != after_rotation
    assert before.rsplit("-", 1)[0] == after_rotation.rsplit("-", 1)[0]  # same image part
