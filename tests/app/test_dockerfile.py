"""The Dockerfile and .dockerignore, checked without a Docker daemon."""

from __future__ import annotations

import fnmatch
import re
import subprocess

from tests.support.gunicorn import REPO

DOCKERFILE = (REPO / "Dockerfile").read_text()


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run(
        [str(REPO / ".venv" / "bin" / "hadolint"), "Dockerfile"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr


def test_every_base_image_is_pinned_by_digest() -> None:
    bases = re.findall(r"^FROM\s+(\S+)", DOCKERFILE, flags=re.MULTILINE)
    assert bases, "no FROM lines"
    for base in bases:
        assert re.fullmatch(r"python:3\.12-slim-bookworm@sha256:[0-9a-f]{64}", base), base


def test_runtime_dependencies_only_and_static_collected_at_build() -> None:
    sync = re.search(r"uv sync ([^\n]+)", DOCKERFILE)
    assert sync
    for flag in ("--locked", "--no-default-groups", "--no-dev"):
        assert flag in sync[1]
    assert "UV_COMPILE_BYTECODE=1" in DOCKERFILE
    build, runtime = DOCKERFILE.split(" AS runtime", 1)
    assert "collectstatic" in build
    assert "collectstatic" not in runtime


def test_runs_as_a_non_root_user_with_the_version_baked_in() -> None:
    runtime = DOCKERFILE.split(" AS runtime", 1)[1]
    users = re.findall(r"^USER\s+(\S+)", runtime, flags=re.MULTILINE)
    assert users
    assert not users[-1].startswith(("root", "0"))
    assert "ARG APP_VERSION" in runtime
    assert "APP_VERSION=${APP_VERSION}" in runtime


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern wins; ``!`` re-includes."""
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        glob = pattern.lstrip("!").rstrip("/")
        globs = [glob, f"{glob}/*"] + (
            [glob[3:], f"{glob[3:]}/*"] if glob.startswith("**/") else []
        )
        if any(fnmatch.fnmatch(path, g) for g in globs):
            ignored = not negate
    return ignored


def test_dockerignore_keeps_out_everything_but_the_app_and_lock() -> None:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for path in (
        ".git/config",
        ".venv/bin/python",
        "tests/conftest.py",
        "gha-creds-123.json",
        "app/gha-creds-abc.json",
        "infra/__main__.py",
        "app/staticfiles/admin/css/base.css",
        ".env",
    ):
        assert _ignored(path, patterns), path
    for path in ("pyproject.toml", "uv.lock", "app/manage.py", "app/config/gunicorn.py"):
        assert not _ignored(path, patterns), path
