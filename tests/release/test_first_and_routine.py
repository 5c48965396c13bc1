"""Scenarios: first deploy of an empty environment, routine dev/staging/prod releases, a
private service, and a transient 503 storm while polling."""

from __future__ import annotations

import pytest

from tests.release.harness import Release


def serving(release: Release, service: str = "django-app") -> dict[str, int]:
    return release.world.shares_now(service)


def test_first_deploy_migrates_before_any_revision_serves(release: Release) -> None:
    commit = release.commit("first")
    out = release.deploy("prod", commit)
    assert out.ok, out.summary
    assert out.outputs["first_deploy"] == "true"
    world = release.world
    execution = next(iter(world.executions.values()))
    service = world.services["django-app"]
    first_revision = next(iter(service.revisions.values()))
    # The job ran (and finished) before the service, hence any revision, existed.
    assert execution.started + execution.duration <= first_revision.created
    assert serving(release) == {first_revision.name: 100}
    assert first_revision.commit == commit
    assert not (release.state / "prod.lock").exists()
    assert release.outputs("prod")["commit"] == commit


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_a_release_replaces_the_serving_revision(release: Release, stack: str) -> None:
    first, second = release.commit("one"), release.commit("two")
    assert release.deploy(stack, first).ok
    out = release.deploy(stack, second)
    assert out.ok, out.summary
    service = release.world.services["django-app"]
    new = release.outputs(stack)["latestRevision"]
    assert service.revisions[new].commit == second
    assert serving(release) == {new: 100}
    assert len(service.revisions) == 2
    if stack == "prod":
        assert out.steps["backup"] == 0
        assert "Backup of `django-app-pg` done" in out.summary
        assert "### Rollout PROMOTED" in out.summary
        assert "| 10% |" in out.summary
        assert "| 50% |" in out.summary
    else:
        assert "not gated (direct promotion)" in out.summary
    assert not (release.state / f"{stack}.lock").exists()
