"""A PostgreSQL advisory lock so concurrent migration runs serialise instead of racing."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

# Any 64-bit constant works; this one is "djmigrat" in ASCII, unlikely to collide.
MIGRATION_LOCK_KEY = 0x646A6D6967726174


@contextmanager
def advisory_lock(connection: BaseDatabaseWrapper, key: int = MIGRATION_LOCK_KEY) -> Iterator[None]:
    """Hold a session-level advisory lock on ``connection`` for the ``with`` body.

    A second holder blocks until the first releases it (or its session ends, e.g. the job
    task died), so the second run then finds nothing left to migrate. Other databases
    (the local SQLite) have no concurrent runs to guard against.
    """
    if connection.vendor != "postgresql":
        yield
        return
    started = time.monotonic()
    logger.info("waiting for the migration lock %#x", key)
    with connection.cursor() as cursor:
        # The job's lock_timeout (migrationJob.lockTimeoutMs) is for table locks held by
        # traffic; waiting here for another job to finish is the point, so it must not cut
        # this wait. RESET returns to the session's value from the connection options.
        cursor.execute("SET lock_timeout = 0")
        try:
            cursor.execute("SELECT pg_advisory_lock(%s)", [key])
        finally:
            cursor.execute("RESET lock_timeout")
    logger.info("migration lock acquired after %.2fs", time.monotonic() - started)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        logger.info("migration lock released")
