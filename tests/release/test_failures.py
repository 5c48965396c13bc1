"""Scenarios: migration failure, smoke failure, a gate trip at 10%, cancel at 50%, a runner
killed mid-update then the next deploy, and a re-run of the failed release."""

from __future__ import annotations

from tests.release.harness import Release

SERVICE = "django-app"


def deployed(release: Release, stack: str = "prod") -> tuple[str, str]:
    """A first release serving 100%: (commit, revision)."""
    commit = release.commit("base")
    assert release.deploy(stack, commit).ok
    return commit, release.outputs(stack)["latestRevision"]


def test_migration_failure_leaves_stable_serving_and_a_rerun_succeeds(release: Release) -> None:
    _, stable = deployed(release)
    new = release.commit("bad migration")
    release.world.failing_migrations.add(new)
    out = release.deploy("prod", new, run_id=2000)
    assert out.steps["migrate"] == 1
    assert "Migration FAILED" in out.summary
    assert "logs: https://console.fake/logs/" in out.summary
    assert release.world.shares_now(SERVICE) == {stable: 100}
    assert not (release.state / "prod.lock").exists()
    # The fix lands in the job's environment; re-running the same run for the same commit
    # reuses the same revision name with the same template: no conflict, released.
    release.world.failing_migrations.clear()
    again = release.deploy("prod", new, run_id=2000, attempt=2)
    assert again.ok, again.summary
    assert release.world.shares_now(SERVICE) == {release.outputs("prod")["latestRevision"]: 100}
    assert release.outputs("prod")["commit"] == new


def test_smoke_failure_never_gives_the_candidate_traffic(release: Release) -> None:
    _, stable = deployed(release)
    new = release.commit("broken readiness")
    release.world.broken_smoke.add(new)
    out = release.deploy("prod", new)
    assert out.steps["smoke"] == 1
    assert "Smoke test FAILED" in out.summary
    assert "HTTP 503" in out.summary
    assert "rollout" not in out.steps
    assert release.world.shares_now(SERVICE) == {stable: 100}


def test_gate_trips_at_10_percent_and_traffic_returns(release: Release) -> None:
    _, stable = deployed(release)
    new = release.commit("5xx storm")
    release.world.error_rate_by_commit[new] = 0.2
    out = release.deploy("prod", new)
    assert out.steps["rollout"] == 1
    assert "### Rollout ABORTED - 100% restored" in out.summary
    assert "| 10% |" in out.summary
    assert "| 50% |" not in out.summary
    assert "candidate 5xx" in out.summary
    assert release.world.shares_now(SERVICE) == {stable: 100}
    assert not (release.state / "prod.lock").exists()
    # The cause was downstream and is fixed: re-running the same commit reuses the aborted
    # candidate's revision (same name, same template), passes the gates and promotes.
    release.world.error_rate_by_commit[new] = 0.0
    candidate = release.outputs("prod")["latestRevision"]
    again = release.deploy("prod", new)
    assert again.ok, again.summary
    assert release.world.shares_now(SERVICE) == {candidate: 100}


def test_stable_revision_errors_on_the_migrated_schema_abort(release: Release) -> None:
    _, stable = deployed(release)
    release.world.requests_per_second = 5
    release.world.stable_error_rate = 0.1
    out = release.deploy("prod", release.commit("incompatible migration"))
    assert out.steps["rollout"] == 1
    assert "stable (migrated schema) 5xx" in out.summary
    assert release.world.shares_now(SERVICE) == {stable: 100}


def test_one_5xx_among_few_requests_does_not_fail_a_step(release: Release) -> None:
    deployed(release)
    release.world.requests_per_second = 0.2
    new = release.commit("one unlucky request")
    release.world.error_rate_by_commit[new] = 0.02  # ~1 of the candidate's requests
    out = release.deploy("prod", new)
    assert out.ok, out.summary
    assert "PROMOTED" in out.summary


def test_cancel_at_50_percent_restores_the_stable_revision(release: Release) -> None:
    _, stable = deployed(release)
    release.cancel_at = 50
    out = release.deploy("prod", release.commit("cancelled"))
    assert out.steps["cancelled"] == 1
    assert out.steps["restore-after"] == 0
    assert "split (" in out.summary
    assert f"restored: 100% to {stable}" in out.summary
    assert release.world.shares_now(SERVICE) == {stable: 100}
    assert not (release.state / "prod.lock").exists()


def test_runner_death_then_the_next_deploy_repairs_lock_and_split(release: Release) -> None:
    _, stable = deployed(release)
    release.die_on_up = 2  # rollout's second up: the 50% step lands, the state never does
    dead = release.deploy("prod", release.commit("runner lost"), run_id=3000)
    release.die_on_up = None
    assert dead.steps["runner died"] == 1
    assert (release.state / "prod.lock").exists()
    assert sorted(release.world.shares_now(SERVICE).values()) == [50, 50]
    # While GitHub still shows the dead run in progress, nothing may touch its lock.
    blocked = release.deploy("prod", release.commit("next"), run_id=3001)
    assert blocked.steps["restore"] == 1
    assert "pulumi cancel --stack prod --yes" in blocked.summary
    assert "actions/runs/3000" in blocked.summary
    holder = release.stacks("prod").holder()
    assert holder is not None
    assert holder.run_id == 3000  # the record still names the run that holds the lock
    assert (release.state / "prod.lock").exists()
    release.github.state.finish(3000, "failure")  # GitHub gives up on the lost runner
    latest = release.commit("after the runner is declared dead")
    out = release.deploy("prod", latest, run_id=3002)
    assert out.ok, out.summary
    assert "stale lock cleared" in out.summary
    assert f"100% to {stable}" in out.summary
    assert release.world.shares_now(SERVICE) == {release.outputs("prod")["latestRevision"]: 100}
    assert release.outputs("prod")["commit"] == latest


def test_a_migration_that_needs_its_retry_is_waited_for(release: Release) -> None:
    deployed(release)
    # prod: 1800 s per attempt, 1 retry. The first attempt times out, the retry succeeds:
    # the execution ends after 3000 s, past one attempt's timeout (the old 1800 s wait).
    release.world.migration_seconds = 3000
    out = release.deploy("prod", release.commit("long data migration"))
    assert out.ok, out.summary
    assert out.steps["migrate"] == 0
    assert "PROMOTED" in out.summary


def test_a_migration_past_every_attempt_fails_naming_the_execution(release: Release) -> None:
    _, stable = deployed(release)
    release.world.migration_seconds = 5000  # beyond 2 x 1800 s + 300 s
    out = release.deploy("prod", release.commit("stuck migration"))
    assert out.steps["migrate"] == 1
    assert "not finished after 3900s" in out.summary
    assert release.world.shares_now(SERVICE) == {stable: 100}
