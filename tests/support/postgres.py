"""A throwaway PostgreSQL cluster on a unix socket, for tests and benchmarks.

PostgreSQL refuses to run as root, and sessions and CI run as root: the server then runs as
the ``postgres`` user via ``runuser``. The cluster listens on a unix socket in its own temp
dir only (no TCP), with trust auth, so nothing outside this machine can reach it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SUPERUSER = "postgres"


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise RuntimeError(f"{name} not found: install the PostgreSQL server (apt install postgresql)")


def _free_port_number() -> int:
    # The port only names the socket file (.s.PGSQL.<port>); keep it unique per cluster.
    return 20000 + (os.getpid() * 7 + time.monotonic_ns()) % 20000


@dataclass
class PostgresCluster:
    """One initdb'd cluster; ``start``/``stop`` may be called repeatedly (outage drills)."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="pgtest-")))
    port: int = field(default_factory=_free_port_number)
    max_connections: int = 300

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    @property
    def host(self) -> str:
        """What DB_HOST should be: the socket directory, as for Cloud SQL's /cloudsql/..."""
        return str(self.socket_dir)

    def env(self, name: str = "postgres") -> dict[str, str]:
        """DB_* variables for the app's settings, pointing at database ``name``."""
        return {
            "DB_NAME": name,
            "DB_USER": SUPERUSER,
            "DB_PASSWORD": "",
            "DB_HOST": self.host,
            "DB_PORT": str(self.port),
        }

    def init(self) -> PostgresCluster:
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        # The server user must traverse root; clients of any uid must reach the socket.
        os.chmod(self.root, 0o755)  # noqa: S103
        os.chmod(self.socket_dir, 0o777)  # noqa: S103
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.socket_dir, "postgres", "postgres")
        subprocess.run(
            _as_server_user(
                [
                    *(_pg_bin("initdb"), "-D", str(self.data_dir), "-U", SUPERUSER, "-A", "trust"),
                    *("--no-sync", "-E", "UTF8", "--locale=C"),
                ]
            ),
            check=True,
            capture_output=True,
        )
        return self

    def start(self) -> PostgresCluster:
        if not self.data_dir.exists():
            self.init()
        options = (
            f"-k {self.socket_dir} -p {self.port} -c listen_addresses='' "
            f"-c max_connections={self.max_connections} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        subprocess.run(
            _as_server_user(
                [
                    *(_pg_bin("pg_ctl"), "-D", str(self.data_dir), "-o", options, "-w", "-t", "30"),
                    *("-l", str(self.root / "server.log"), "start"),
                ]
            ),
            check=True,
            capture_output=True,
        )
        return self

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; ``mode="immediate"`` simulates a crash/outage."""
        subprocess.run(
            _as_server_user(
                [_pg_bin("pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "stop"]
            ),
            check=False,
            capture_output=True,
        )

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL as the superuser and return psql's unaligned, tuples-only output."""
        result = subprocess.run(
            [
                *(_pg_bin("psql"), "-h", self.host, "-p", str(self.port), "-U", SUPERUSER),
                *("-d", database, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout.strip()

    def create_database(self, name: str) -> None:
        self.psql(f'CREATE DATABASE "{name}"')

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
