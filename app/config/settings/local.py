"""`make run` and manage.py on a developer machine.

Reads the git-ignored `.env` first (DJANGO_ENV_FILE moves it); variables already in the
environment win. PostgreSQL when DB_HOST is set (`make run` starts a cluster under .local/
and sets it), else an embedded SQLite file. Logs are plain text lines: JSON is for Cloud
Logging, and mixed with runserver's plain output it is unreadable.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_REPO = Path(__file__).resolve().parents[3]


def read_env_file(path: Path) -> dict[str, str]:
    """NAME=value lines (optionally `export`-prefixed, value optionally quoted), # comments."""
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.removeprefix("export ").partition("=")
        name, value = name.strip(), value.strip()
        if not equals or not name.isidentifier():
            raise ImproperlyConfigured(f"{path}:{number}: expected NAME=value, found {raw!r}")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = value
    return values


_ENV_FILE = Path(os.environ.get("DJANGO_ENV_FILE", "").strip() or _REPO / ".env")
if _ENV_FILE.is_file():
    for _name, _value in read_env_file(_ENV_FILE).items():
        os.environ.setdefault(_name, _value)

# After .env: base reads the environment when imported.
from config.database import postgres_database  # noqa: E402
from config.email import email_settings  # noqa: E402
from config.env import env_bool, env_str  # noqa: E402
from config.settings.base import *  # noqa: F403, E402
from config.settings.base import BASE_DIR, LOGGING  # noqa: E402

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or "local-development-only-never-deployed"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

if env_str("DB_HOST"):
    DATABASES = {"default": postgres_database(pool=True)}
else:
    # Under the repository's git-ignored .local/, never inside app/ (the image's context).
    _LOCAL_DB = BASE_DIR.parent / ".local" / "db.sqlite3"
    _LOCAL_DB.parent.mkdir(exist_ok=True)
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": _LOCAL_DB}}

# E-MAIL: https://docs.djangoproject.com/en/5.2/topics/email/ (config/email.py). Printed to
# the console unless DJANGO_EMAIL_URL says otherwise, so the admin's password reset works
# under `make run` and its link appears in the terminal.
globals().update(email_settings(local=True))

# LOGGING: https://docs.djangoproject.com/en/5.2/topics/logging/
LOGGING = {
    **LOGGING,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)-7s %(name)s: %(message)s"}},
    "handlers": {
        **LOGGING["handlers"],
        "stdout": {**LOGGING["handlers"]["stdout"], "formatter": "plain"},
    },
}
