"""The Dockerfile built for real (podman, stand-in base: tests/image/builder.py) and run
under runc with the environment the infra program gives the service, against real
PostgreSQL over a unix socket mounted where Cloud Run mounts Cloud SQL's.

Skips, saying why, where podman, runc or debootstrap cannot be installed or this is not
root. Slow (the first build on a machine takes minutes), so it is marked ``slow``.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.drills.traffic import BackgroundLoad
from tests.image.builder import (
    REPO,
    build_app,
    build_standin,
    head_commit,
    image_size_mb,
    missing_tools,
    podman,
)
from tests.image.container import SERVICE_HOST, run_args, service_env, timed_start
from tests.support.gunicorn import free_port
from tests.support.postgres import PostgresCluster

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools())),
]

CLOUD_RUN_SIGKILL_AFTER = 10.0
# Every plain variable infra/app_env.py gives the service must be set (checked below).
APP_ENV_SOURCE = REPO / "infra" / "app_env.py"


@pytest.fixture(scope="module")
def image() -> str:
    build_standin()
    return build_app(head_commit())


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    own = PostgresCluster().start()
    own.create_database("app")
    yield own
    own.destroy()


def test_infra_sets_no_variable_this_test_leaves_out() -> None:
    names = set(re.findall(r'^\s+"([A-Z][A-Z0-9_]+)":', APP_ENV_SOURCE.read_text(), re.M))
    assert names, f"no variables found in {APP_ENV_SOURCE}"
    env = service_env(PostgresCluster(root=Path("/nonexistent")), "app", 8080)
    assert names <= set(env), f"infra sets {sorted(names - set(env))}, this test does not"


def test_the_image_migrates_serves_and_drains_as_cloud_run_runs_it(
    image: str, cluster: PostgresCluster
) -> None:
    port = free_port()
    env = service_env(cluster, "app", port)
    args = run_args(env, cluster)
    # The migration job: the same image, its own command.
    migrate = podman("run", "--rm", *args, image, "python", "manage.py", "migrate_and_seed")
    assert "seeds:" in migrate.stdout, migrate.stdout + migrate.stderr

    name = f"django-gcp-test-{secrets.token_hex(4)}"
    podman("create", "--name", name, *args, image)
    try:
        cold_start = timed_start(name, port)
        base = f"http://127.0.0.1:{port}"
        # PID 1 is gunicorn, as the unprivileged user the Dockerfile names.
        status = podman("exec", name, "cat", "/proc/1/status").stdout
        cmdline = podman("exec", name, "cat", "/proc/1/cmdline").stdout.split("\0")
        assert re.search(r"^Uid:\s+10001\s", status, re.M), status
        assert any(part.endswith("gunicorn") for part in cmdline), cmdline
        # Every module of the app has its bytecode in the image (nothing compiled at start).
        uncompiled = podman(
            "exec", name, "python", "-c",
            "import importlib.util as u, pathlib as p; print(*[f for f in p.Path('/app').rglob"
            "('*.py') if '.venv' not in f.parts and not p.Path(u.cache_from_source(f)).exists()])",
        ).stdout.split()  # fmt: skip
        assert uncompiled == [], uncompiled[:20]

        probe = {"Host": "169.254.1.1:8080"}  # Cloud Run's probes: plain HTTP, any host
        live = requests.get(f"{base}/health/live/", headers=probe, timeout=5)
        ready = requests.get(f"{base}/health/ready/", headers=probe, timeout=5)
        assert live.status_code == 200, live.text
        assert ready.json()["checks"] == {"database": "ok", "migrations": "ok"}
        assert (
            ready.json()["version"]
            == subprocess.run(
                ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
            ).stdout.strip()
            or "unknown"
        )
        front = {"Host": SERVICE_HOST, "X-Forwarded-Proto": "https"}
        login = requests.get(f"{base}/admin/login/", headers=front, timeout=5)
        assert login.status_code == 200
        css = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', login.text)
        assert css, login.text[:1000]
        stylesheet = requests.get(f"{base}{css[1]}", headers=front, timeout=5)
        assert stylesheet.status_code == 200
        assert stylesheet.headers["Content-Type"].startswith("text/css")

        with BackgroundLoad(port, "/health/live/", clients=3) as load:
            time.sleep(1.0)
            signalled = time.monotonic()
            podman("stop", "--time", str(int(CLOUD_RUN_SIGKILL_AFTER)), name, timeout=60)
            stopped_after = time.monotonic() - signalled
        exit_code = podman("inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip()
        logs = podman("logs", name).stdout + podman("logs", name).stderr
    finally:
        podman("rm", "--force", name, check=False)

    assert exit_code == "0", logs[-3000:]
    assert stopped_after < CLOUD_RUN_SIGKILL_AFTER, f"stop took {stopped_after:.1f} s"
    assert load.outcomes["200"] > 0, load.outcomes
    assert set(load.outcomes) <= {"200", "refused", "reset"}, load.outcomes
    assert load.outcomes["reset"] <= 1, load.outcomes
    records = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    assert records, logs[:2000]
    assert not [r for r in records if r["severity"] in ("ERROR", "CRITICAL")], logs[-3000:]
    print(
        f"image {image_size_mb(image)} MB; podman start to first 200 from /health/ready/ "
        f"{cold_start:.2f} s; SIGTERM to exit "
        f"{stopped_after:.2f} s; live outcomes {dict(load.outcomes)}"
    )
