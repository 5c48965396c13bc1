"""Scenarios: rollback during a rollout, two merges in quick succession, a quiet service,
a private service, and transient 503s from the Google APIs while polling."""

from __future__ import annotations

from tests.release.harness import Release
from tests.release.standin import STACK_FILE_OVERRIDES

SERVICE = "django-app"


def test_rollback_preempts_a_running_rollout(release: Release) -> None:
    base = release.commit("base")
    assert release.deploy("prod", base).ok
    stable = release.outputs("prod")["latestRevision"]
    assert release.deploy("prod", release.commit("bad")).ok
    rollbacks = []
    # A third release is baking at 10% when the operator rolls back to `stable`.
    release.on_bake = (10, lambda: rollbacks.append(release.rollback("prod", revision=stable)))
    third = release.deploy("prod", release.commit("third"), run_id=4000)
    assert third.steps["cancelled"] == 1
    (rollback,) = rollbacks
    assert rollback.ok, rollback.summary
    assert release.github.state.cancelled == [4000]
    assert release.github.state.runs[4000]["conclusion"] == "cancelled"
    assert "Pre-empted 1 release run(s)" in rollback.summary
    assert "actions/runs/4000" in rollback.summary
    # The cancelled run's own restore ran before the pin; the pin is what serves now.
    assert "restored: 100% to" in third.summary
    assert release.world.shares_now(SERVICE) == {stable: 100}
    assert not (release.state / "prod.lock").exists()
    # Restore is idempotent: running it again changes nothing.
    assert release.restore("prod") == 0
    assert release.world.shares_now(SERVICE) == {stable: 100}


def test_an_older_commit_never_replaces_a_newer_one(release: Release) -> None:
    older, newer = release.commit("first merge"), release.commit("second merge")
    assert release.deploy("prod", newer).ok
    serving = release.world.shares_now(SERVICE)
    out = release.deploy("prod", older)
    assert out.ok
    assert out.outputs["skip"] == "true"
    assert "skipped, the newer release stays" in out.summary
    assert release.world.shares_now(SERVICE) == serving
    assert release.outputs("prod")["commit"] == newer


def test_a_quiet_service_reaches_100_percent_under_its_policy(release: Release) -> None:
    assert release.deploy("prod", release.commit("base")).ok
    release.world.requests_per_second = 1 / 60  # one request a minute
    start = release.world.clock.now()
    out = release.deploy("prod", release.commit("quiet night"))
    assert out.ok, out.summary
    assert "PROMOTED" in out.summary
    assert "no data: promote (smoke passed)" in out.summary
    new = release.outputs("prod")["latestRevision"]
    assert release.world.shares_now(SERVICE) == {new: 100}
    # Three steps of bake + ingestion delay, in fake time: no real minutes slept.
    assert release.world.clock.now() - start >= 3 * 600


def test_a_private_service_gets_an_id_token_for_its_url(release: Release, monkeypatch) -> None:
    commit = release.commit("private")
    url = "https://django-app-314159265358.europe-west1.run.app"
    release.world.private_services[SERVICE] = url
    access = {"ingress": "all", "public": False, "invokers": ["group:team@example.com"]}
    monkeypatch.setitem(STACK_FILE_OVERRIDES, "dev", {"access": access})
    out = release.deploy("dev", commit)
    assert out.ok, out.summary
    assert f"ID-TOKEN {url}" in release.world.api_calls


def test_transient_503s_while_polling_do_not_fail_the_release(release: Release) -> None:
    assert release.deploy("prod", release.commit("base")).ok
    world = release.world
    # 503s on the calls a release polls: the execution, the backup operation, the metrics,
    # and the live service read by recovery.
    world.transient_on = {"/executions/": 3, "/operations/backup": 2, "timeSeries": 2,
                          "/services/django-app": 2}  # fmt: skip
    out = release.deploy("prod", release.commit("through a blip"))
    assert out.ok, out.summary
    assert set(world.transient_on.values()) == {0}
    assert len(world.transient_log) == 9
    assert "PROMOTED" in out.summary
