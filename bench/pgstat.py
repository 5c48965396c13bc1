"""Sample pg_stat_activity while load runs: the server-side view of the app's connections."""

from __future__ import annotations

import threading

import psycopg
from psycopg.conninfo import make_conninfo

_CLIENT_CONNECTIONS = """
    SELECT count(*) FROM pg_stat_activity
    WHERE datname = %s AND backend_type = 'client backend' AND pid <> pg_backend_pid()
"""


class ConnectionSampler:
    """Counts client connections to one database every ``interval`` seconds in a thread."""

    def __init__(self, conninfo: str, database: str, interval: float = 0.1) -> None:
        self._conninfo = conninfo
        self._database = database
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.samples: list[int] = []

    def __enter__(self) -> ConnectionSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak(self) -> int:
        return max(self.samples, default=0)

    def _run(self) -> None:
        with psycopg.connect(self._conninfo, autocommit=True) as connection:
            while not self._stop.is_set():
                row = connection.execute(_CLIENT_CONNECTIONS, (self._database,)).fetchone()
                self.samples.append(int(row[0]) if row else 0)
                self._stop.wait(self._interval)


def conninfo_from_env(env: dict[str, str]) -> str:
    """A libpq conninfo from the app's DB_* variables (sampling from the postgres database)."""
    return make_conninfo(
        dbname="postgres", user=env["DB_USER"], host=env["DB_HOST"], port=env["DB_PORT"]
    )
