"""`make run` (manage.py runlocal): which database, a free port, and "serving" only once
the port accepts connections. Local use only; never imported by the served app."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"


@dataclass(frozen=True)
class LocalDatabase:
    """What the child processes get: extra environment and one line saying what it is."""

    env: dict[str, str]
    description: str


def postgres_binaries_present(
    path: str | None = None, versions_dir: Path = Path("/usr/lib/postgresql")
) -> bool:
    """initdb and pg_ctl on PATH or in Debian's /usr/lib/postgresql/<n>/bin."""
    return all(
        shutil.which(name, path=path) or any(versions_dir.glob(f"*/bin/{name}"))
        for name in ("initdb", "pg_ctl")
    )


def configured_postgres(env: Mapping[str, str]) -> LocalDatabase | None:
    """The PostgreSQL DB_HOST names (environment or .env), if any: used as it is."""
    host = env.get("DB_HOST", "").strip()
    if not host:
        return None
    where = f"{host}:{env.get('DB_PORT', '5432')}/{env.get('DB_NAME', 'app')}"
    return LocalDatabase({}, f"PostgreSQL at {where} (DB_HOST from the environment or .env)")


def sqlite(path: Path, reason: str) -> LocalDatabase:
    return LocalDatabase(
        {"DB_HOST": ""}, f"SQLite at {path} ({reason}; production runs PostgreSQL)"
    )


def ensure_port_free(port: int) -> None:
    """Raise OSError with an actionable message when something already listens on ``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As runserver binds: connections of a previous run in TIME_WAIT do not count,
        # a listener does.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as taken:
            if taken.errno != errno.EADDRINUSE:
                raise
            raise OSError(
                taken.errno,
                f"port {port} on {HOST} is already in use (another `make run`?): "
                f"stop that process or choose another port, e.g. LOCAL_PORT={port + 1} make run",
            ) from None


def wait_until_serving(process: subprocess.Popen[bytes], port: int, timeout: float) -> None:
    """Return once ``port`` accepts a connection; raise if ``process`` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = process.poll()
        if code is not None:
            raise RuntimeError(f"the server exited with status {code} before serving on {port}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing accepted connections on {HOST}:{port} within {timeout:.0f} s")


def own_cluster(root: Path, port: int) -> tuple[LocalDatabase, Any]:
    """Start (first time: initdb) the cluster kept in ``root``, with a database ``app``.

    The throwaway-cluster helper the tests use (tests/support/postgres.py): present in a
    clone, never in the image, so it is imported here, only when `make run` needs it.
    """
    repo = str(Path(__file__).resolve().parents[2])
    if repo not in sys.path:
        sys.path.insert(0, repo)
    from tests.support.postgres import PostgresCluster

    root.mkdir(parents=True, exist_ok=True)
    cluster = PostgresCluster(root=root, port=port)
    try:
        cluster.start()
    except subprocess.CalledProcessError as failed:
        # Not ours to stop: it may be another `make run`'s running cluster.
        raise RuntimeError(
            f"could not start PostgreSQL in {root} ({_stderr(failed)}); its log is "
            f"{root / 'server.log'}. Another `make run` may be using it; "
            "`make run RUN_ARGS=--database=sqlite` skips it"
        ) from None
    try:
        if "app" not in cluster.psql("SELECT datname FROM pg_database").split():
            cluster.create_database("app")
    except subprocess.CalledProcessError as failed:
        cluster.stop()
        raise RuntimeError(f"PostgreSQL in {root} refused: {_stderr(failed)}") from None
    where = f"{root} (socket {cluster.host}/.s.PGSQL.{port}, database app)"
    return LocalDatabase(cluster.env("app"), f"PostgreSQL cluster in {where}"), cluster


def _stderr(failed: subprocess.CalledProcessError) -> str:
    raw = failed.stderr or b""
    text = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
    return text.strip() or str(failed)


def start_server(
    app_dir: Path, port: int, env: Mapping[str, str], *, reload: bool, timeout: float
) -> subprocess.Popen[bytes]:
    """runserver on HOST:port, returned once it accepts connections (else stopped + raise)."""
    argv = [sys.executable, "manage.py", "runserver", f"{HOST}:{port}", "--skip-checks"]
    if not reload:
        argv.append("--noreload")
    # Own process group: the autoreloader's child goes down with it (stop_server).
    server = subprocess.Popen(argv, cwd=app_dir, env=dict(env), start_new_session=True)  # noqa: S603
    try:
        wait_until_serving(server, port, timeout)
    except BaseException:
        stop_server(server)
        raise
    return server


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
