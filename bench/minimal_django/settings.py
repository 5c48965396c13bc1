"""Settings for the one-view baseline: the least Django will start with."""

import os

# Never a real key: nothing here signs anything that leaves the benchmark.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "bench-minimal-django-not-a-secret" * 2)
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "bench.minimal_django.urls"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True
WSGI_APPLICATION = "bench.minimal_django.wsgi.application"
