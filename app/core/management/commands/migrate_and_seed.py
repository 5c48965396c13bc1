from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections

from core.migration_lock import advisory_lock
from core.seeds import apply_seeds


class Command(BaseCommand):
    help = (
        "The migration job: migrate and seed under a PostgreSQL advisory lock, so two "
        "concurrent runs (a retried job, two deploys) serialise instead of racing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        database = options["database"]
        with advisory_lock(connections[database]):
            call_command(
                "migrate",
                database=database,
                interactive=False,
                verbosity=options["verbosity"],
                stdout=self.stdout,
            )
            report = apply_seeds(using=database)
        self.stdout.write(f"seeds: {report}")
