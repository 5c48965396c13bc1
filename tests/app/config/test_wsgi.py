from __future__ import annotations


def test_wsgi_application_is_what_gunicorn_loads() -> None:
    from config.wsgi import application

    assert callable(application)
