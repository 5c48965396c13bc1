"""The stand-in build changes the Dockerfile's two FROM lines and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.image.builder import DOCKERFILE, STANDIN, standin_dockerfile


def test_only_the_pinned_from_lines_change() -> None:
    original = DOCKERFILE.read_text().splitlines(keepends=True)
    substituted = standin_dockerfile().splitlines(keepends=True)

    changed = [(a, b) for a, b in zip(original, substituted, strict=True) if a != b]

    assert [b for _, b in changed] == [f"FROM {STANDIN} AS build\n", f"FROM {STANDIN} AS runtime\n"]
    assert all(a.startswith("FROM python:3.12-slim-bookworm@sha256:") for a, _ in changed)


def test_a_dockerfile_without_the_pinned_base_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "Dockerfile"
    other.write_text("FROM python:3.12-slim AS build\nRUN true\n")
    with pytest.raises(ValueError, match=r"expected 2 pinned python:3\.12 FROM lines, found 0"):
        standin_dockerfile(other)
