"""`make run` (manage.py runlocal): its own PostgreSQL under a directory it keeps, SQLite
only when asked or when no server binaries exist (and it says so), the URL printed only
once the port accepts connections, a clear error when the port is taken."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.core.management import CommandError, call_command

from core.local_run import (
    configured_postgres,
    ensure_port_free,
    own_cluster,
    postgres_binaries_present,
    sqlite,
    start_server,
    stop_server,
    wait_until_serving,
)
from tests.support.gunicorn import APP_DIR


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _runlocal(port: int, *args: str) -> subprocess.Popen[str]:
    env = {
        "PATH": os.environ["PATH"],
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_ENV_FILE": "/nonexistent/.env",  # not the developer's .env
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "runlocal", "--port", str(port), "--noreload", *args],
        cwd=APP_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _lines_until_serving(process: subprocess.Popen[str], timeout: float = 90) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if "is serving on" in line:
            return lines
    process.kill()
    raise AssertionError("never said it was serving:\n" + "\n".join(lines))


@pytest.fixture
def cluster_dir() -> Iterator[Path]:
    # Under /tmp itself: the server runs as `postgres` (when we are root) and must traverse.
    root = Path(tempfile.mkdtemp(prefix="runlocal-"))
    root.chmod(0o755)
    yield root / "postgres"
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
def test_serves_on_its_own_postgres_and_cleans_up_on_sigterm(cluster_dir: Path) -> None:
    port = _free_port()
    process = _runlocal(port, "--cluster-dir", str(cluster_dir))
    try:
        lines = _lines_until_serving(process)
        # Printed only once bound: a request right after the line is answered.
        ready = requests.get(f"http://127.0.0.1:{port}/health/ready/", timeout=5)
        assert ready.status_code == 200, ready.text
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert lines[0].startswith(f"database: PostgreSQL cluster in {cluster_dir}")
    assert "seeds: 8 created, 0 updated, 0 unchanged" in lines
    assert lines[-1] == f"django-gcp is serving on http://127.0.0.1:{port}/  (Ctrl-C stops it)"
    assert not any(line.lstrip().startswith("{") for line in lines), "JSON among plain logs"
    assert not (cluster_dir / "data" / "postmaster.pid").exists(), "cluster left running"
    ensure_port_free(port)  # the server went down with it

    # The next run reuses the cluster and its data: the rows are already there.
    again = _runlocal(port, "--cluster-dir", str(cluster_dir))
    try:
        assert "seeds: 0 created, 0 updated, 8 unchanged" in _lines_until_serving(again)
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(timeout=30)


def test_a_taken_port_is_a_clear_error_before_anything_starts(cluster_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = _runlocal(port, "--cluster-dir", str(cluster_dir))
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in output
    assert f"LOCAL_PORT={port + 1} make run" in output
    assert "serving on" not in output
    assert not cluster_dir.exists()


def test_sqlite_is_announced_as_a_fallback() -> None:
    database = sqlite(Path("/x/db.sqlite3"), "no PostgreSQL server binaries")
    assert database.env == {"DB_HOST": ""}
    assert database.description == (
        "SQLite at /x/db.sqlite3 (no PostgreSQL server binaries; production runs PostgreSQL)"
    )


def test_server_binaries_are_found_on_path_or_in_debians_directory(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert not postgres_binaries_present(path=str(empty), versions_dir=empty)
    debian = tmp_path / "postgresql" / "15" / "bin"
    debian.mkdir(parents=True)
    for name in ("initdb", "pg_ctl"):
        (debian / name).touch(mode=0o755)
    assert postgres_binaries_present(path=str(empty), versions_dir=tmp_path / "postgresql")
    assert postgres_binaries_present(path=str(debian), versions_dir=empty)


def test_db_host_from_the_environment_is_used_as_is() -> None:
    assert configured_postgres({"DB_HOST": " "}) is None
    database = configured_postgres({"DB_HOST": "127.0.0.9", "DB_NAME": "shop"})
    assert database is not None
    assert database.env == {}
    assert database.description.startswith("PostgreSQL at 127.0.0.9:5432/shop")


def test_waiting_fails_when_the_server_exits_or_never_binds() -> None:
    exits = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    exits.wait()
    with pytest.raises(RuntimeError, match="exited with status 3 before serving"):
        wait_until_serving(exits, _free_port(), timeout=5)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with pytest.raises(RuntimeError, match="within 1 s"):
            wait_until_serving(sleeper, _free_port(), timeout=1)
    finally:
        sleeper.kill()
        sleeper.wait()


def _local_env() -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_ENV_FILE": "/nonexistent/.env",
        "DB_HOST": "",
    }


@pytest.mark.parametrize("reload", [False, True], ids=["noreload", "autoreload"])
def test_started_server_answers_and_stops_with_its_reloader(reload: bool) -> None:
    port = _free_port()
    server = start_server(APP_DIR, port, _local_env(), reload=reload, timeout=60)
    try:
        assert requests.get(f"http://127.0.0.1:{port}/health/live/", timeout=5).status_code == 200
    finally:
        stop_server(server)
    ensure_port_free(port)  # the autoreloader's child is gone too


def test_own_cluster_is_created_once_and_refuses_a_second_start(cluster_dir: Path) -> None:
    database, cluster = own_cluster(cluster_dir, _free_port())
    try:
        assert database.description.startswith(f"PostgreSQL cluster in {cluster_dir}")
        assert database.env["DB_NAME"] == "app"
        assert cluster.psql("SELECT current_database()", database="app") == "app"
        with pytest.raises(RuntimeError, match="Another `make run` may be using it"):
            own_cluster(cluster_dir, cluster.port)
        # The failed second start left the first one running.
        assert cluster.psql("SELECT 1", database="app") == "1"
    finally:
        cluster.stop()
    again, cluster = own_cluster(cluster_dir, cluster.port)  # reused: no initdb, no createdb
    cluster.stop()
    assert again.env == database.env


def test_the_command_refuses_a_taken_port_in_process() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CommandError, match=f"port {port} on 127.0.0.1 is already in use"):
            call_command("runlocal", port=port)
