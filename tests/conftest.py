"""Helpers shared by tests (the fixtures themselves are in the repository's root
conftest.py, so the apps' own tests under app/ get them too)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.environment import production_settings_env
from tests.support.gunicorn import APP_DIR

__all__ = ["migrate_database", "production_settings_env", "with_path"]


def migrate_database(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`manage.py migrate_and_seed` in a subprocess, as the migration job runs it."""
    return subprocess.run(
        [sys.executable, "manage.py", "migrate_and_seed", "--verbosity", "0"],
        cwd=APP_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def with_path(env: dict[str, str]) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", **env}
