"""The first admin, where there is no shell (a Cloud Run job execution, README "app").

Django's ``createsuperuser --noinput`` fails when the user exists, so it cannot be re-run,
and never updates a password. This command creates or updates the superuser from the same
variables ``createsuperuser`` reads: DJANGO_SUPERUSER_USERNAME, DJANGO_SUPERUSER_EMAIL and
DJANGO_SUPERUSER_PASSWORD (on Cloud Run, a Secret Manager secret mounted as that variable).
Running it again with the same values changes nothing; the password is never printed.
"""

from __future__ import annotations

import os
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

USERNAME = "DJANGO_SUPERUSER_USERNAME"
PASSWORD = "DJANGO_SUPERUSER_PASSWORD"  # noqa: S105 (a variable name, not a password)


class Command(BaseCommand):
    help = "Create or update the superuser from DJANGO_SUPERUSER_* variables; idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        # Literal names: tests/governance/test_env_example.py finds reads by their literal.
        parser.add_argument(
            "--username", default=os.environ.get("DJANGO_SUPERUSER_USERNAME", "").strip()
        )
        parser.add_argument("--email", default=os.environ.get("DJANGO_SUPERUSER_EMAIL", "").strip())
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        email: str = options["email"]
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        if not username:
            raise CommandError(f"{USERNAME} (or --username) is not set: the admin's user name")
        if not password:
            raise CommandError(
                f"{PASSWORD} is not set: give the job the password from Secret Manager "
                "(README: first admin); it is never taken from the command line"
            )
        model = get_user_model()
        manager = model._default_manager.db_manager(options["database"])
        with transaction.atomic(using=options["database"]):
            user = manager.select_for_update().filter(**{model.USERNAME_FIELD: username}).first()
            created = user is None
            if user is None:
                user = model(**{model.USERNAME_FIELD: username})
            try:
                validate_password(password, user)
            except ValidationError as invalid:
                raise CommandError(f"{PASSWORD} refused: {' '.join(invalid.messages)}") from None
            changed = self._apply(user, email=email, password=password)
            if changed:
                user.save(using=options["database"])
        state = (
            "created" if created else ("updated: " + ", ".join(changed) if changed else "unchanged")
        )
        self.stdout.write(f"superuser {username}: {'created' if created else state}")

    @staticmethod
    def _apply(user: Any, *, email: str, password: str) -> list[str]:
        """Set what differs; returns the names of what changed."""
        changed = [
            flag for flag in ("is_active", "is_staff", "is_superuser") if not getattr(user, flag)
        ]
        for flag in changed:
            setattr(user, flag, True)
        if email and user.email != email:
            user.email = email
            changed.append("email")
        if not user.check_password(password):
            user.set_password(password)
            changed.append("password")
        return changed
