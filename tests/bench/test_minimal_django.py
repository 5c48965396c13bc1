"""The one-view Django baseline: same command line, only the WSGI target differs."""

from bench import runtime


def test_minimal_django_command_swaps_only_the_wsgi_target() -> None:
    command = ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi"]

    swapped = runtime.minimal_django_command(command)

    assert swapped == [*command[:3], "bench.minimal_django.wsgi:application"]


def test_the_baseline_has_one_view_no_database_and_no_apps() -> None:
    from bench.minimal_django import settings, urls

    assert settings.DATABASES == {}
    assert settings.INSTALLED_APPS == []
    assert settings.MIDDLEWARE == []
    assert [str(pattern.pattern) for pattern in urls.urlpatterns] == ["health/ready/"]
