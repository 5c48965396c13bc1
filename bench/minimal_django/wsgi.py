"""WSGI entry point of the baseline (``bench.minimal_django.wsgi:application``)."""

import os

# The bench hands every server the image's environment, production settings included.
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.minimal_django.settings"

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
