"""The migration gate of `make test` / `make migrations-check`: models and migrations agree,
and no migration drops or renames what the running revision still reads.

Deploys run the migration job while the previous revision still serves (expand, deploy,
contract), so a destructive operation (drop/rename column, drop table, NOT NULL without a
default, ...) is only safe in a release made after no serving code uses the old shape.
Such a migration says so by its name: `manage.py makemigrations <app> --name
contract_<what>` gives `NNNN_contract_<what>.py`, which the linter then lets through.
"""

from __future__ import annotations

import contextlib
import io

from django.core.management import call_command
from django_migration_linter import MigrationLinter

CONTRACT_MARK = "_contract_"


def missing_migrations() -> str:
    """'' when every model change has a migration, else makemigrations' description."""
    out = io.StringIO()
    try:
        call_command("makemigrations", check=True, dry_run=True, stdout=out, stderr=out)
    except SystemExit as exit_:
        if exit_.code:
            return out.getvalue() or "makemigrations --check found model changes"
    return ""


def lint_migrations(*, database: str = "default") -> tuple[bool, str]:
    """(ok, linter output) for every project migration (Django's own apps are skipped)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        linter = MigrationLinter(
            ignore_name_contains=CONTRACT_MARK,
            database=database,
            no_cache=True,
        )
        linter.lint_all_migrations()
        linter.print_summary()
    return not linter.has_errors, out.getvalue()
