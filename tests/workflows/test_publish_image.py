"""deploy.yml's image job (.github/scripts/publish-image.sh) against a fake registry with
immutable tags: one build per git tree, copied by digest to the next environment, and
every re-run or concurrent run ends with the digest already published, never a rebuild."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".github" / "scripts" / "publish-image.sh"
FAKE = Path(__file__).with_name("fake_registry.py")
TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
DEV = "europe-west1-docker.pkg.dev/acme-dev/app/app"
STAGING = "europe-west1-docker.pkg.dev/acme-staging/app/app"
PROD = "europe-west1-docker.pkg.dev/acme-prod/app/app"


class Registry:
    def __init__(self, tmp: Path) -> None:
        self.tmp, self.state = tmp, tmp / "registry.json"
        bin_dir = tmp / "bin"
        bin_dir.mkdir()
        for tool in ("skopeo", "docker"):
            shim = bin_dir / tool
            shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE}" {tool} "$@"\n')
            shim.chmod(0o755)
        self.path = f"{bin_dir}:{os.environ['PATH']}"

    def read(self) -> dict[str, Any]:
        return json.loads(self.state.read_text()) if self.state.exists() else {}

    def seed(self, **state: Any) -> None:
        self.state.write_text(json.dumps(state))

    def publish(self, repo: str, upstream: str = "", tree: str = TREE) -> tuple[int, dict, str]:
        out, summary = self.tmp / "out", self.tmp / "summary"
        out.write_text("")
        env = {
            "PATH": self.path, "FAKE_REGISTRY": str(self.state), "REPO": repo, "TREE": tree,
            "UPSTREAM_REPO": upstream, "REGISTRY_TOKEN": "ya29.token",
            "GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": str(summary),
        }  # fmt: skip
        result = subprocess.run(
            ["bash", str(SCRIPT)], cwd=self.tmp, env=env, capture_output=True, text=True,
            check=False,
        )  # fmt: skip
        outputs = dict(line.split("=", 1) for line in out.read_text().splitlines())
        return result.returncode, outputs, result.stderr


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    return Registry(tmp_path)


def test_first_release_builds_once_without_attestations_and_a_rerun_reuses_it(registry) -> None:
    code, first, err = registry.publish(DEV)
    assert code == 0, err
    state = registry.read()
    assert state["tags"] == {f"{DEV}:tree-{TREE}": first["digest"]}
    assert first["image"] == f"{DEV}@{first['digest']}"
    (build,) = state["builds"]
    assert "--provenance=false" in build
    assert "--sbom=false" in build

    code, again, err = registry.publish(DEV)  # "Re-run all jobs" of the same release
    assert code == 0, err
    assert again == first
    assert len(registry.read()["builds"]) == 1
    assert "reused" in err


def test_next_environment_copies_the_tested_bytes_by_digest(registry) -> None:
    _, dev, _ = registry.publish(DEV)
    code, staging, err = registry.publish(STAGING, upstream=DEV)
    assert code == 0, err
    assert staging["digest"] == dev["digest"]
    assert staging["image"] == f"{STAGING}@{dev['digest']}"
    code, prod, err = registry.publish(PROD, upstream=STAGING)
    assert code == 0, err
    assert prod["digest"] == dev["digest"]
    state = registry.read()
    assert len(state["builds"]) == 1
    assert set(state["logins"]) == {"europe-west1-docker.pkg.dev"}


def test_a_tree_the_upstream_never_saw_is_built_here(registry) -> None:
    code, prod, err = registry.publish(PROD, upstream=STAGING)
    assert code == 0, err
    assert "has no tree-" in err
    assert len(registry.read()["builds"]) == 1
    assert registry.read()["tags"] == {f"{PROD}:tree-{TREE}": prod["digest"]}


def test_a_concurrent_push_of_the_same_tree_is_adopted_not_an_error(registry) -> None:
    theirs = "sha256:" + "a" * 64
    registry.seed(race={f"{DEV}:tree-{TREE}": theirs})
    code, outputs, err = registry.publish(DEV)
    assert code == 0, err
    assert outputs["digest"] == theirs
    assert "pushed meanwhile by another run" in err
    assert registry.read()["pushes"] == []


def test_a_refused_push_with_no_image_behind_it_fails_the_job(registry) -> None:
    # Refused for another reason than an existing tag (here: no write permission): nothing
    # to adopt, so the job fails instead of handing an unknown digest to the release.
    registry.seed(read_only=[DEV])
    code, outputs, err = registry.publish(DEV)
    assert code == 1
    assert outputs == {}
    assert "uploadArtifacts' denied" in err
    assert f"could not push {DEV}:tree-{TREE} and it does not exist" in err


def test_bad_input_is_named(registry) -> None:
    code, outputs, err = registry.publish(DEV, tree="HEAD")
    assert code == 2
    assert outputs == {}
    assert "TREE must be a 40-hex git tree sha, got 'HEAD'" in err
