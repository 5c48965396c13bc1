"""Django's own floor: the same Django, one view, no database, no apps, no middleware.

``make bench`` serves it with the image's gunicorn command line and config (only the WSGI
target differs) and times its cold start beside the app's, so the app's figure can be
split into what Django costs by itself and what the project adds on top.
"""
