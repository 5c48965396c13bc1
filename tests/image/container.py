"""Running the built image as Cloud Run would: the service's environment (infra/app_env.py's
variables, the secrets, Cloud Run's own), PostgreSQL's socket mounted where Cloud Run
mounts Cloud SQL's, podman under runc. Shared by tests/image and ``make bench``."""

from __future__ import annotations

import secrets
import time

import requests

from tests.image.builder import podman
from tests.support.postgres import PostgresCluster

CONNECTION = "acme-django-test:europe-west1:django-app-pg"
SERVICE_HOST = "django-app-161803398874.europe-west1.run.app"


def service_env(cluster: PostgresCluster, database: str, port: int) -> dict[str, str]:
    """What infra/app_env.py sets (prod's shape), the secrets, and Cloud Run's own."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_ALLOWED_HOSTS": SERVICE_HOST,
        "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://{SERVICE_HOST}",
        "DJANGO_SECURE_SSL_REDIRECT": "true",
        "DJANGO_SECURE_HSTS_SECONDS": "31536000",
        "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "DJANGO_SECURE_HSTS_PRELOAD": "true",
        "DJANGO_SECURE_COOKIES": "true",
        "DJANGO_SECURE_PROXY_SSL_HEADER": "true",
        "DJANGO_LOG_LEVEL": "INFO",
        "DB_NAME": database,
        "DB_USER": "postgres",
        "DB_HOST": f"/cloudsql/{CONNECTION}",
        # The test cluster's socket is .s.PGSQL.<its port>; Cloud SQL's is 5432.
        "DB_PORT": str(cluster.port),
        "DB_CONNECT_TIMEOUT": "5",
        "DB_POOL_MAX_SIZE": "4",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "4",
        "GOOGLE_CLOUD_PROJECT": "acme-django-test",
        # Secrets (Secret Manager on Cloud Run).
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DB_PASSWORD": "",
        # Cloud Run's own.
        "PORT": str(port),
        "K_SERVICE": "django-app",
        "K_REVISION": "django-app-00001-abc",
        "K_CONFIGURATION": "django-app",
    }


def run_args(env: dict[str, str], cluster: PostgresCluster) -> list[str]:
    args = ["--runtime", "runc", "--network", "host"]
    # podman's rootful defaults raise both limits to the maximum, which the container init
    # may not set inside a sandboxed VM ("error setting rlimit ... operation not
    # permitted"); explicit limits below the host's work everywhere.
    args += ["--ulimit", "nofile=8192:8192", "--ulimit", "nproc=4096:4096"]
    args += ["--mount", f"type=bind,source={cluster.socket_dir},target=/cloudsql/{CONNECTION}"]
    for name, value in env.items():
        args += ["--env", f"{name}={value}"]
    return args


def wait_for(url: str, timeout: float = 60.0) -> None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.02)
    raise TimeoutError(f"{url} not 200 within {timeout} s")


def timed_start(name: str, port: int) -> float:
    """``podman start`` of a created container to its first 200 from /health/ready/."""
    started = time.monotonic()
    podman("start", name)
    wait_for(f"http://127.0.0.1:{port}/health/ready/")
    return time.monotonic() - started
