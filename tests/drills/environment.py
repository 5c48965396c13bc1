"""Production-shaped environment for the drills, and the migration job's command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.environment import production_settings_env
from tests.support.postgres import PostgresCluster

APP_DIR = Path(__file__).resolve().parents[2] / "app"


def production_env_for(cluster: PostgresCluster, database: str) -> dict[str, str]:
    """Production settings with a test key and hosts, DB_* pointing at ``database``."""
    return production_settings_env(
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="4",
        K_REVISION="drill-00001-abc",
        APP_VERSION="drill",
        **cluster.env(database),
    )


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python manage.py ...`` as the migration job runs it, output captured as text."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=APP_DIR,
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
