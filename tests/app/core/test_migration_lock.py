from __future__ import annotations

from unittest import mock

from core.migration_lock import advisory_lock


def test_databases_without_advisory_locks_run_unlocked() -> None:
    # The local SQLite has a single writer anyway; nothing may be executed on it.
    connection = mock.Mock(vendor="sqlite")
    with advisory_lock(connection):
        pass
    connection.cursor.assert_not_called()
