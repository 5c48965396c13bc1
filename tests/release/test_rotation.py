"""Scenarios: the RUNBOOK's database password and Django key rotations roll a revision
with a new name (the name follows the template, secret versions included), and the fake
Cloud Run refuses a changed template under an existing name, as the real one does."""

from __future__ import annotations

from typing import Any

import pytest

import mock_run  # pyright: ignore[reportMissingImports]
from ops.release import smoke
from tests.release.harness import Release
from tests.release.world import ConflictError, Revision

SERVICE = "django-app"
VERSION = "gcp:secretmanager/secretVersion:SecretVersion"


def rotate(monkeypatch: pytest.MonkeyPatch, secret: str) -> None:
    """Secret Manager now holds version 2 of ``secret`` (what `--replace` of its value does)."""
    original = mock_run._Mocks._computed

    def computed(self: Any, typ: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        found = original(self, typ, name, inputs)
        if typ == VERSION and inputs.get("secret") == f"secrets-{secret}-id":
            return {**found, "version": "2", "name": f"{inputs['secret']}/versions/2"}
        return found

    monkeypatch.setattr(mock_run._Mocks, "_computed", computed)


@pytest.mark.parametrize("secret", ["db-password", "django-secret-key"])
def test_a_rotation_rolls_a_new_revision_and_serves_it(
    release: Release, monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    commit = release.commit("base")
    assert release.deploy("prod", commit).ok
    before = release.outputs("prod")
    rotate(monkeypatch, secret)
    # RUNBOOK: repeat what serves (image, commit), trafficMode latest, `pulumi up`.
    stack = release.stacks("prod")
    stack.set_config({"image": before["image"], "commit": before["commit"],
                      "trafficMode": "latest"}, ())  # fmt: skip
    stack.up()
    after = release.outputs("prod")
    assert after["latestRevision"] != before["latestRevision"]
    assert release.world.shares_now(SERVICE) == {after["latestRevision"]: 100}
    assert set(release.world.services[SERVICE].revisions) == {
        before["latestRevision"], after["latestRevision"]}  # fmt: skip
    assert not (release.state / "prod.lock").exists()
    # RUNBOOK: smoke-test the service URL afterwards.
    url = release.smoke_url(after["serviceUrl"], SERVICE)
    assert smoke.main(["--base-url", url, "--expect-version", commit, "--deadline", "1"]) == 0
    # And the next release starts from the rotated revision as its stable one.
    out = release.deploy("prod", release.commit("after rotation"))
    assert out.ok, out.summary
    assert f"stable `{after['latestRevision']}`" in out.summary


def test_the_fake_refuses_a_changed_template_under_an_existing_name(release: Release) -> None:
    world = release.world
    first = Revision("django-app-abc-123456", '{"v": 1}', "img", "c" * 40, 0.0)
    world.apply_service(SERVICE, first, [{"percent": 100}])
    world.apply_service(SERVICE, first, [{"percent": 100}])  # same template: fine
    changed = Revision("django-app-abc-123456", '{"v": 2}', "img", "c" * 40, 1.0)
    with pytest.raises(ConflictError, match="different configuration already exists"):
        world.apply_service(SERVICE, changed, [{"percent": 100}])
