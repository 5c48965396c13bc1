from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.seeds import apply_seeds


class Command(BaseCommand):
    help = "Create or correct the reference rows; running it again changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        report = apply_seeds(using=options["database"])
        self.stdout.write(f"seeds: {report}")
