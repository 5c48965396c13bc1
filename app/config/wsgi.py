"""WSGI entry point gunicorn loads (`config.wsgi`); the image sets the production settings."""

import os

from config.database import apply_web_timeouts

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
# Only the web server gets statement/lock timeouts by default (config/database.py).
apply_web_timeouts(os.environ)

from django.conf import settings  # noqa: E402 - the environment above comes first
from django.core.wsgi import get_wsgi_application  # noqa: E402

from config.wsgi_fastpath import LiveProbeFastPath, live_body  # noqa: E402

django_application = get_wsgi_application()
# The liveness probe is answered here, before Django (config/wsgi_fastpath.py).
application = LiveProbeFastPath(
    django_application, live_body(version=settings.APP_VERSION, revision=settings.K_REVISION)
)
