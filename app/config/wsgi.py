"""WSGI entry point gunicorn loads (`config.wsgi`); the image sets the production settings."""

import gc
import os

# No garbage collection while Django and the app import: the collector's passes over the
# import's ever-growing heap were ~10% of the import's CPU (~25 ms of ~270 ms, make bench).
# Everything imported is then frozen (gc.freeze: never scanned again, and gunicorn's forked
# workers stop dirtying the pages they share with the arbiter by scanning it) before
# collection resumes, as the gc docs advise for a pre-fork server.
gc.disable()
try:
    from config.database import apply_web_timeouts

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    # Only the web server gets statement/lock timeouts by default (config/database.py).
    apply_web_timeouts(os.environ)

    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    from config.wsgi_fastpath import LiveProbeFastPath, live_body

    django_application = get_wsgi_application()
    # The liveness probe is answered here, before Django (config/wsgi_fastpath.py).
    application = LiveProbeFastPath(
        django_application, live_body(version=settings.APP_VERSION, revision=settings.K_REVISION)
    )
finally:
    gc.freeze()
    gc.enable()
