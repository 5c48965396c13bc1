"""The variables production settings require, with throwaway values, for tests and benchmarks.

One place, so the tests, the drills and the benchmark start the app under the same
production configuration.
"""

from __future__ import annotations

import secrets


def production_settings_env(**overrides: str) -> dict[str, str]:
    """Production settings with a fresh test key and loopback hosts; ``overrides`` win."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://localhost,https://127.0.0.1",
        "DB_HOST": "/nonexistent",
        **overrides,
    }
