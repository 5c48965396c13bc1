"""`make run`: a developer machine. PostgreSQL when DB_HOST is set, else an embedded SQLite
file so the app runs with nothing else installed."""

from __future__ import annotations

from config.database import postgres_database
from config.env import env_bool, env_str
from config.settings.base import *  # noqa: F403
from config.settings.base import BASE_DIR

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
