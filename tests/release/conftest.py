"""Fixtures for the end-to-end release suite: the fakes and the driver, per test."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

INFRA = Path(__file__).resolve().parents[2] / "infra"
if str(INFRA) not in sys.path:
    sys.path.insert(0, str(INFRA))

from tests.release.fake_github import FakeGitHub  # noqa: E402
from tests.release.fake_google import FakeGoogle  # noqa: E402
from tests.release.harness import Release  # noqa: E402
from tests.release.world import FakeClock, World  # noqa: E402


@pytest.fixture
def world() -> World:
    return World(clock=FakeClock())


@pytest.fixture
def release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, world: World) -> Iterator[Release]:
    google, github = FakeGoogle(world), FakeGitHub()
    try:
        yield Release(tmp_path, monkeypatch, world, google, github)
    finally:
        google.close()
        github.close()
