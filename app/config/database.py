"""DATABASES["default"] from DB_* components (never a DATABASE_URL: a password with an @
or a Cloud SQL socket path does not survive URL quoting well).

Connection reuse is psycopg's pool (Django 5.1+ ``OPTIONS["pool"]``), not CONN_MAX_AGE:
one pool per process, at most ``DB_POOL_MAX_SIZE`` connections, so the ceiling per Cloud
Run instance is GUNICORN_WORKERS x DB_POOL_MAX_SIZE and the infra can budget it against
the instance's max_connections.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from config.env import env_float, env_int, env_str

# The gthread worker serves at most GUNICORN_THREADS requests at once, so a pool of that
# size never makes a request wait for a connection.
DEFAULT_THREADS = 8


def pool_max_size() -> int:
    """Connections one process may hold (DB_POOL_MAX_SIZE, default GUNICORN_THREADS)."""
    threads = env_int("GUNICORN_THREADS", DEFAULT_THREADS, minimum=1)
    return env_int("DB_POOL_MAX_SIZE", threads, minimum=1)


def pool_options() -> dict[str, Any]:
    """psycopg_pool.ConnectionPool arguments tuned so an outage is seen and healed fast."""
    max_size = pool_max_size()
    return {
        "min_size": min(env_int("DB_POOL_MIN_SIZE", 1), max_size),
        "max_size": max_size,
        # How long a request waits for a connection: when the database is down this is
        # how long /health/ready/ takes to say 503 (the outage drill allows 2 s in all).
        # The pool has a connection per thread, so a healthy request never waits on it.
        "timeout": env_float("DB_POOL_TIMEOUT", 1.0),
        # The pool gives up a reconnection attempt after this long; the next request then
        # starts a fresh one at once instead of waiting out an exponential backoff, so the
        # app recovers within seconds of the database coming back, without a restart.
        "reconnect_timeout": env_float("DB_POOL_RECONNECT_TIMEOUT", 5.0),
        "max_idle": env_float("DB_POOL_MAX_IDLE", 300.0),
        "max_lifetime": env_float("DB_POOL_MAX_LIFETIME", 1800.0),
    }


# Per-connection limits, in milliseconds; 0 means none (PostgreSQL's own default), which is
# what the migration job and manage.py get unless their environment sets them per stack
# (a job lock_timeout makes a migration stuck behind traffic fail, and the job retry it).
# The web server gets WEB_TIMEOUTS (config/wsgi.py applies them before settings load): a
# request waiting on a lock (a migration's ALTER TABLE) gives up after 2 s and answers 503
# with Retry-After (core.db_unavailable) instead of holding a thread for the whole
# migration, and no single statement runs past 15 s.
# 2 s because gthread can queue a second round of such requests on a worker before the
# liveness probe gets a thread: two rounds stay under the probe's 5 s timeout
# (infra/components/service.py; tests/drills/test_db_locks.py measured both rounds).
WEB_TIMEOUTS = {"DB_STATEMENT_TIMEOUT_MS": "15000", "DB_LOCK_TIMEOUT_MS": "2000"}


def apply_web_timeouts(environ: MutableMapping[str, str]) -> None:
    """Default the web server's limits; a value the environment already has wins."""
    for name, value in WEB_TIMEOUTS.items():
        environ.setdefault(name, value)


def session_options() -> str:
    """libpq ``options``: settings PostgreSQL applies to the session at connect time."""
    statement = env_int("DB_STATEMENT_TIMEOUT_MS", 0)
    lock = env_int("DB_LOCK_TIMEOUT_MS", 0)
    return f"-c statement_timeout={statement} -c lock_timeout={lock}"


def postgres_database(*, pool: bool) -> dict[str, Any]:
    """The PostgreSQL settings dict; DB_HOST is a host name or a socket directory."""
    options: dict[str, Any] = {
        # libpq's floor is 2 s; a dead host must not hang a request for the OS default.
        "connect_timeout": env_int("DB_CONNECT_TIMEOUT", 3, minimum=2),
        "application_name": env_str("K_SERVICE", "django-gcp"),
        "options": session_options(),
    }
    if pool:
        options["pool"] = pool_options()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": env_str("DB_NAME", "app"),
        "USER": env_str("DB_USER", "app"),
        "PASSWORD": env_str("DB_PASSWORD"),
        # /cloudsql/<project>:<region>:<instance> on Cloud Run: libpq treats a leading
        # slash as a unix socket directory, which is where Cloud Run mounts the proxy.
        "HOST": env_str("DB_HOST"),
        "PORT": env_str("DB_PORT", "5432"),
        # Pooling and persistent connections are exclusive: the pool owns reuse.
        "CONN_MAX_AGE": 0,
        # With a pool Django turns this into the pool's check= (ConnectionPool.
        # check_connection): a connection that died with the server (failover,
        # maintenance) is replaced before a request gets it, instead of failing it.
        "CONN_HEALTH_CHECKS": pool,
        "OPTIONS": options,
    }
