"""`make run`: the app on this machine, on PostgreSQL like production when it can be.

Database, in order: DB_HOST from the environment or .env (used as is); else a PostgreSQL
cluster of our own under .local/postgres (kept between runs, unix socket only, started and
stopped with this command) when the server binaries exist; else SQLite, said out loud.
Then migrate_and_seed (the migration job), then runserver; the URL is printed only once
the port accepts connections (core/local_run.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.local_run import (
    HOST,
    LocalDatabase,
    configured_postgres,
    ensure_port_free,
    own_cluster,
    postgres_binaries_present,
    sqlite,
    start_server,
    stop_server,
)

REPO = Path(settings.BASE_DIR).parent
APP_DIR = REPO / "app"
# Names the cluster's socket file only (no TCP listener), so it never collides with a port.
CLUSTER_PORT = 54329


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Serve the app locally (PostgreSQL cluster under .local/, migrated and seeded)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--database", choices=("auto", "sqlite"), default="auto",
            help="auto: DB_HOST, else a local PostgreSQL cluster, else SQLite",
        )  # fmt: skip
        parser.add_argument("--cluster-dir", type=Path, default=REPO / ".local" / "postgres")
        parser.add_argument("--noreload", action="store_true")
        parser.add_argument("--timeout", type=float, default=60.0)

    def handle(self, *args: Any, **options: Any) -> None:
        # SIGTERM/SIGHUP (a closed terminal, `kill`) clean up like Ctrl-C: no orphaned
        # server or cluster left behind.
        for stop in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(stop, _interrupt)
        port: int = options["port"]
        try:
            ensure_port_free(port)
        except OSError as taken:
            raise CommandError(taken.strerror or str(taken)) from None
        cluster = None
        database = configured_postgres(os.environ) if options["database"] == "auto" else None
        try:
            if database is None:
                database, cluster = self._own_database(options)
            self.stdout.write(f"database: {database.description}")
            self.stdout.flush()  # before the children's output, which shares the terminal
            self._migrate_and_serve(port, {**os.environ, **database.env}, options)
        except KeyboardInterrupt:
            pass
        except RuntimeError as failed:
            raise CommandError(str(failed)) from None
        finally:
            if cluster is not None:
                cluster.stop()

    @staticmethod
    def _own_database(options: dict[str, Any]) -> tuple[LocalDatabase, Any]:
        sqlite_file = REPO / ".local" / "db.sqlite3"
        if options["database"] == "sqlite":
            return sqlite(sqlite_file, "asked for with --database sqlite"), None
        if not postgres_binaries_present():
            reason = "no PostgreSQL server binaries (initdb, pg_ctl) on this machine"
            return sqlite(sqlite_file, reason), None
        return own_cluster(options["cluster_dir"], CLUSTER_PORT)

    def _migrate_and_serve(self, port: int, env: dict[str, str], options: dict[str, Any]) -> None:
        migrated = subprocess.run(
            [sys.executable, "manage.py", "migrate_and_seed", "--verbosity", "0"],
            cwd=APP_DIR, env=env, check=False,
        )  # fmt: skip
        if migrated.returncode:
            raise RuntimeError("migrate_and_seed failed (above): the server was not started")
        server = start_server(
            APP_DIR, port, env, reload=not options["noreload"], timeout=options["timeout"]
        )
        try:
            self.stdout.write(f"django-gcp is serving on http://{HOST}:{port}/  (Ctrl-C stops it)")
            self.stdout.flush()
            server.wait()
        finally:
            stop_server(server)
