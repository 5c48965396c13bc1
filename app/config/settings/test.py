"""pytest: real PostgreSQL (tests/conftest.py points HOST/PORT at a throwaway cluster)."""

from __future__ import annotations

from config.database import postgres_database
from config.settings.base import *  # noqa: F403

SECRET_KEY = "test-only-key-not-used-anywhere-else"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Plain connections: pytest-django swaps the database name to test_<name> after settings
# load, and the pool's behaviour is tested through gunicorn under production settings.
DATABASES = {"default": postgres_database(pool=False)}
# Hashing speed matters in tests, not strength.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The password-reset routes exist (core/password_reset.py); pytest-django swaps the backend
# for the in-memory outbox, so nothing leaves the process.
PASSWORD_RESET_ENABLED = True
