"""Production (Cloud Run): every knob is an environment variable; refuse to start without
the ones that have no safe default.

https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from config.cache import redis_cache
from config.database import pool_max_size, postgres_database
from config.email import email_settings
from config.env import env_bool, env_int, env_list, env_required
from config.media import media_storage
from config.settings.base import *  # noqa: F403
from config.tracing import sample_rate

# SECRETS
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key
_KEY_HINT = (
    "set it to at least 50 random characters from Secret Manager, e.g. "
    "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
)


def _real_secret_key(name: str, value: str) -> str:
    # The same test as check --deploy's security.W009, but fatal: a guessable key signs
    # sessions and password reset links.
    if len(value) < 50 or len(set(value)) < 5 or value.startswith("django-insecure"):
        raise ImproperlyConfigured(f"{name} is not a real secret key: {_KEY_HINT}")
    return value


SECRET_KEY = _real_secret_key("DJANGO_SECRET_KEY", env_required("DJANGO_SECRET_KEY", _KEY_HINT))
# Rotation: the new key goes in DJANGO_SECRET_KEY, the old one here until sessions expire.
SECRET_KEY_FALLBACKS = [
    _real_secret_key("DJANGO_SECRET_KEY_FALLBACKS", key)
    for key in env_list("DJANGO_SECRET_KEY_FALLBACKS")
]

# HOSTS AND ORIGINS
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#allowed-hosts
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS is not set: give the service's host names, comma separated, "
        "e.g. myservice-abc123-ew.a.run.app,www.example.com"
    )
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            f"DJANGO_CSRF_TRUSTED_ORIGINS has {_origin!r}: each origin needs its scheme, "
            "e.g. https://www.example.com"
        )

# HTTPS
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/middleware/#http-strict-transport-security
# Cloud Run terminates TLS and forwards plain HTTP with X-Forwarded-Proto; its front end
# overwrites that header, so trusting it is safe there (turn off anywhere it is not).
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", True):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
# A year, subdomains and preload by default: *.run.app is under the preloaded .app TLD
# anyway; a custom domain that cannot commit to HSTS opts out explicitly.
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# E-MAIL
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/email/#smtp-backend
# EMAIL_*, DEFAULT_FROM_EMAIL, SERVER_EMAIL and PASSWORD_RESET_ENABLED from the
# DJANGO_EMAIL_URL secret (config/email.py): STARTTLS or implicit TLS to a provider, plain
# SMTP to loopback only; unset means no mail and no password reset.
globals().update(email_settings(local=False))

# DATABASES
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/databases/#connection-pool
env_required("DB_HOST", "give a host name, or /cloudsql/<project>:<region>:<instance>")
DATABASES = {"default": postgres_database(pool=True)}
# The per-process connection ceiling the infra budgets against Cloud SQL's max_connections
# (per instance: GUNICORN_WORKERS x this).
DB_POOL_MAX_SIZE = pool_max_size()

# STATIC FILES
# ------------------------------------------------------------------------------
# Hashed, compressed files collected at image build; WhiteNoise serves them with
# far-future cache headers. https://whitenoise.readthedocs.io/en/stable/django.html
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploads go to the stack's media bucket when it has one (config/media.py).
if _media := media_storage():
    STORAGES["default"] = _media
# The stack's Redis, when it has one (config/cache.py): sessions are read from it and
# written through to the database, so a cache outage logs nobody out.
if _cache := redis_cache():
    CACHES = {**CACHES, "default": _cache}  # noqa: F405
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Tracing to Cloud Trace when the stack sets a sample rate (config/tracing.py). The bridge
# goes first; OpenTelemetry's own middleware is put in front of it at start-up.
if sample_rate() > 0:
    INSTALLED_APPS = [*INSTALLED_APPS, "config.tracing.TracingConfig"]  # noqa: F405
    MIDDLEWARE = ["config.tracing.LogTraceBridge", *MIDDLEWARE]  # noqa: F405
