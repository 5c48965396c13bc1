"""ops.release.smoke against the real app under gunicorn (the image's command) and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.conftest import migrate_database, production_settings_env
from tests.support.gunicorn import REPO, serve
from tests.support.postgres import PostgresCluster


def _smoke(base_url: str, deadline: float) -> subprocess.CompletedProcess[str]:
    """The CLI exactly as the deploy workflow calls it."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "ops.release.smoke",
            "--base-url",
            base_url,
            "--deadline",
            str(deadline),
        ],
        cwd=REPO,
        env={**os.environ, "GITHUB_STEP_SUMMARY": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    # Its own cluster: this test stops it, which would break the session's.
    running = PostgresCluster().start()
    yield running
    running.destroy()


def test_smoke_passes_on_a_healthy_app_and_names_the_database_when_it_is_down(
    cluster: PostgresCluster, collected_static: None
) -> None:
    # Cloud Run terminates TLS in front of the app; here plain HTTP stands in for it, so
    # the admin page must not redirect to https:// that nothing serves.
    env = production_settings_env(**cluster.env(), DJANGO_SECURE_SSL_REDIRECT="false")
    assert migrate_database({"PATH": os.environ["PATH"], **env}).returncode == 0
    with serve(env) as server:
        healthy = _smoke(server.url, deadline=20)
        assert healthy.returncode == 0, healthy.stdout + healthy.stderr
        assert "PASSED" in healthy.stdout
        for path in ("/health/live/", "/health/ready/", "/admin/login/"):
            assert f"`{path}` | pass" in healthy.stdout

        cluster.stop("immediate")
        broken = _smoke(server.url, deadline=4)
        assert broken.returncode != 0
        assert "FAILED" in broken.stdout
        assert "`/health/live/` | pass" in broken.stdout
        ready_line = next(ln for ln in broken.stdout.splitlines() if "/health/ready/" in ln)
        assert "FAIL" in ready_line, broken.stdout
        assert "database" in ready_line, broken.stdout
