"""The app's environment variables, derived from the stack config (README: configuration)."""

from __future__ import annotations

import pulumi

from components.cache import cache_env
from components.front_door import candidate_domain
from components.media import media_env
from stack_config import StackConfig

CLOUDSQL_MOUNT = "/cloudsql"
CONTAINER_PORT = 8080


def allowed_hosts(config: StackConfig) -> list[str]:
    """The deterministic URL, the candidate tag's URL, the custom domain and the front
    door's domains and its candidate host (the load balancer forwards the Host header
    unchanged)."""
    hosts = [config.service_host, config.candidate_host]
    if config.custom_domain:
        hosts.append(config.custom_domain)
    if config.front_door.enabled:
        hosts.extend(config.front_door.domains)
        hosts.append(candidate_domain(config.front_door.domains))
    return list(dict.fromkeys(hosts))


def media_bucket_name(config: StackConfig) -> str:
    return config.media.bucket_name or f"{config.project}-media"


def _flag(value: bool) -> str:
    return "true" if value else "false"


def app_environment(
    config: StackConfig, connection_name: pulumi.Input[str]
) -> dict[str, pulumi.Input[str]]:
    """Plain (non-secret) variables shared by the service and the migration job."""
    hosts = allowed_hosts(config)
    django = config.django
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_ALLOWED_HOSTS": ",".join(hosts),
        "DJANGO_CSRF_TRUSTED_ORIGINS": ",".join(f"https://{host}" for host in hosts),
        "DJANGO_SECURE_SSL_REDIRECT": "true",
        "DJANGO_SECURE_HSTS_SECONDS": str(django.hsts_seconds),
        "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": _flag(django.hsts_include_subdomains),
        "DJANGO_SECURE_HSTS_PRELOAD": _flag(django.hsts_preload),
        "DJANGO_SECURE_COOKIES": "true",
        # Cloud Run terminates TLS and forwards the scheme in X-Forwarded-Proto: trust it.
        "DJANGO_SECURE_PROXY_SSL_HEADER": "true",
        "DJANGO_LOG_LEVEL": django.log_level,
        "DB_NAME": config.database.database_name,
        "DB_USER": config.database.user_name,
        "DB_HOST": pulumi.Output.concat(CLOUDSQL_MOUNT, "/", connection_name),
        "DB_PORT": "5432",
        "DB_CONNECT_TIMEOUT": "5",
        "DB_POOL_MAX_SIZE": str(config.gunicorn.db_pool_size),
        "GUNICORN_WORKERS": str(config.gunicorn.workers),
        "GUNICORN_THREADS": str(config.gunicorn.threads),
        # Trace links in the logs (logging.googleapis.com/trace) need the project id.
        "GOOGLE_CLOUD_PROJECT": config.project,
        # The release's commit, when CD gives it (otherwise the image's build-time value).
        **({"APP_VERSION": config.commit} if config.commit else {}),
        **config.app_env,
    }


def database_limits(config: StackConfig, *, job: bool) -> dict[str, pulumi.Input[str]]:
    """PostgreSQL session limits (app/config/database.py reads them at connect time): the
    service's from `run`, the migration job's from `migrationJob`, so a migration waiting
    behind traffic fails and retries instead of every request queueing behind its lock."""
    if job:
        statement, lock = config.migration.statement_timeout_ms, config.migration.lock_timeout_ms
    else:
        statement, lock = config.run.db_statement_timeout_ms, config.run.db_lock_timeout_ms
    return {"DB_STATEMENT_TIMEOUT_MS": str(statement), "DB_LOCK_TIMEOUT_MS": str(lock)}


def platform_environment(
    config: StackConfig, cache_url: pulumi.Input[str] | None
) -> dict[str, pulumi.Input[str]]:
    """Plain variables of the optional sections, for the service only: the migrator holds
    none of their grants (bucket, AUTH secret, Cloud Trace), so the job runs without them.
    The cache's AUTH string arrives as the secret env DJANGO_CACHE_PASSWORD (components/
    cache.py), never here. Names are the ones app/config/{media,cache,tracing}.py read."""
    env: dict[str, pulumi.Input[str]] = {}
    if config.media.enabled:
        env |= media_env(media_bucket_name(config), config.media.signed_url_seconds)
    if config.cache.enabled and cache_url is not None:
        env |= cache_env(cache_url)
    if config.tracing.enabled:
        env["DJANGO_TRACE_SAMPLE_RATE"] = repr(config.tracing.sample_rate)
    return env
