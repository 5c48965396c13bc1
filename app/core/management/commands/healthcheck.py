from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.health import CheckResult, check_database, check_migrations, check_seeds


class Command(BaseCommand):
    help = "Check connectivity, migrations and seeds; exit 1 naming the first failed check."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        database = options["database"]
        results: list[CheckResult] = []
        for check in (check_database, check_migrations, check_seeds):
            result = check(using=database)
            results.append(result)
            mark = "ok  " if result.ok else "FAIL"
            self.stdout.write(f"{mark} {result.name}: {result.detail}")
            if not result.ok:
                # Later checks need the earlier ones (no tables without migrations).
                raise CommandError(f"healthcheck failed: {result.name}: {result.detail}")
