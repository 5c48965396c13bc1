"""Settings shared by every environment. Environment-specific modules import * from here.

https://docs.djangoproject.com/en/5.2/ref/settings/
"""

from __future__ import annotations

from pathlib import Path
from tempfile import gettempdir

from config.env import env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# GENERAL
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#debug
DEBUG = False
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Which code and which Cloud Run revision answered: shown by /health/ready/ and in logs.
# APP_VERSION is the git sha baked into the image at build time.
APP_VERSION = env_str("APP_VERSION", "dev")
K_REVISION = env_str("K_REVISION", "local")
# Cloud Logging links a log line to its trace only as projects/<id>/traces/<trace id>.
GOOGLE_CLOUD_PROJECT = env_str("GOOGLE_CLOUD_PROJECT")

# APPS
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#installed-apps
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "core",
    # The example of a team's own app (README "Your own apps"): add yours below it.
    "catalog",
]

# MIDDLEWARE
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/http/middleware/
MIDDLEWARE = [
    # First: it times and logs every request, including probes and redirects.
    "core.middleware.RequestLogMiddleware",
    # Before SecurityMiddleware and CommonMiddleware: Cloud Run's probes reach the container
    # over plain HTTP with whatever Host header, so only the health paths skip the SSL
    # redirect and the ALLOWED_HOSTS check.
    "core.middleware.HealthProbeMiddleware",
    # A view's OperationalError (database restarting, pool exhausted, lock_timeout) is a
    # 503 with Retry-After, not a 500.
    "core.db_unavailable.DatabaseUnavailableMiddleware",
    "core.security_headers.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # After CSRF: a forged login POST is refused before it counts against anyone.
    "core.login_throttle.LoginThrottleMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# TEMPLATES
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#templates
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# PASSWORDS
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/auth/passwords/#password-validation
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

# AUTHENTICATION
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#login-url
# The admin is the only login page: the reset flow's "log in" link points at it.
LOGIN_URL = "admin:login"

# E-MAIL AND PASSWORD RESET
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/email/ and config/email.py. Off here: each
# environment's settings turn it on from DJANGO_EMAIL_URL (production) or the console
# (local). Without e-mail the admin offers no password reset (core/password_reset.py).
PASSWORD_RESET_ENABLED = False
EMAIL_TIMEOUT = 10
# A reset link is a login for whoever reads the mail: an hour, not Django's three days.
PASSWORD_RESET_TIMEOUT = 3600

# STATIC FILES
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/howto/static-files/ and
# https://whitenoise.readthedocs.io/en/stable/django.html
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# CACHES
# ------------------------------------------------------------------------------
# Admin login attempts (core/login_throttle.py): files under /tmp are shared by all of an
# instance's gunicorn workers and need no Redis.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "login_throttle": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": env_str(
            "LOGIN_THROTTLE_CACHE_DIR", str(Path(gettempdir()) / "django-gcp-login-throttle")
        ),
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    },
}

# LOGGING
# ------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/logging/ and
# https://cloud.google.com/logging/docs/structured-logging
LOG_LEVEL = env_str("DJANGO_LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "core.logging.JsonFormatter"}},
    "filters": {"as_warning": {"()": "core.logging.AsWarningWithoutTraceback"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
        },
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # The request line is ours (core.request); Django's would repeat it for 4xx/5xx.
        "django.request": {"level": "ERROR"},
        "django.server": {"handlers": [], "propagate": False},
        # A foreign Host header is a scanner, not a fault: WARNING, one line, no traceback.
        "django.security.DisallowedHost": {"filters": ["as_warning"]},
    },
}
