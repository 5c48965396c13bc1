"""The one place the stack configuration is read: Pulumi.<stack>.yaml -> StackConfig.

Components receive pieces of the frozen StackConfig and never read pulumi.Config, so every
difference between environments is visible in the stack files and validated here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import config_rules as rules
import pulumi
from config_rules import NAMESPACE, ConfigError, fail
from stack_sections import parse_sections
from stack_settings import (
    AccessSettings,
    AlertSettings,
    AppSecret,
    DatabaseSettings,
    DjangoSettings,
    GithubSettings,
    GunicornSettings,
    MigrationSettings,
    RegistrySettings,
    RunSettings,
    TrafficSettings,
)

ENVIRONMENTS = ("dev", "staging", "prod")
TRAFFIC_MODES = ("latest", "candidate", "canary", "pinned")
INGRESS = ("all", "internal", "internal-and-cloud-load-balancing")
# The loudly named escape hatch: the only way a prod stack may weaken data protection.
UNSAFE_PROD_OVERRIDE = "dangerouslyAllowUnprotectedProdDatabase"
_SECTIONS = (
    "access",
    "github",
    "run",
    "gunicorn",
    "migrationJob",
    "database",
    "registry",
    "django",
    "alerts",
    "rollout",
)


@dataclass(frozen=True)
class StackConfig:
    """Everything one stack declares, validated."""

    stack: str
    project: str
    region: str
    project_number: str
    environment: str
    service_name: str
    custom_domain: str | None
    deletion_protection: bool
    image: str | None
    access: AccessSettings
    github: GithubSettings
    run: RunSettings
    gunicorn: GunicornSettings
    migration: MigrationSettings
    database: DatabaseSettings
    registry: RegistrySettings
    app_secrets: tuple[AppSecret, ...]
    django: DjangoSettings
    alerts: AlertSettings
    rollout_steps: tuple[int, ...]
    traffic: TrafficSettings
    unsafe_prod_override: bool

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod" or self.stack == "prod"

    @property
    def registry_path(self) -> str:
        return f"{self.region}-docker.pkg.dev/{self.project}/{self.registry.repository_id}"

    @property
    def service_host(self) -> str:
        # Cloud Run's deterministic URL; known before the service exists, so Django's
        # ALLOWED_HOSTS never depends on an output of the service itself.
        return f"{self.service_name}-{self.project_number}.{self.region}.run.app"

    @property
    def candidate_host(self) -> str:
        return f"candidate---{self.service_host}"

    @property
    def migration_job_name(self) -> str:
        return f"{self.service_name}-migrate"


def load_stack_config() -> StackConfig:
    """Read this stack's configuration through Pulumi (call at program run time only)."""
    cfg = pulumi.Config(NAMESPACE)
    gcp = pulumi.Config("gcp")
    raw: dict[str, Any] = {section: cfg.get_object(section) for section in _SECTIONS}
    raw["appSecrets"] = cfg.get_object("appSecrets")
    for key in (
        "projectNumber",
        "environment",
        "serviceName",
        "customDomain",
        "image",
        "trafficMode",
        "stableRevision",
        "pinnedRevision",
        "deletionProtection",
        "canaryPercent",
        UNSAFE_PROD_OVERRIDE,
    ):
        raw[key] = cfg.get(key)
    return parse_stack_config(
        raw, stack=pulumi.get_stack(), project=gcp.get("project"), region=gcp.get("region")
    )


def _top(key: str) -> str:
    return f"{NAMESPACE}:{key}"


def _bool(raw: dict[str, Any], key: str, default: bool) -> bool:
    value = raw.get(key)
    if value is None:
        return default
    if str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    raise fail(_top(key), value, "must be true or false")


def _match(key: str, value: object, pattern: str, allowed: str) -> str:
    if value is None:
        raise ConfigError(f"{key} is required but not set ({allowed.removeprefix('must be ')})")
    if not isinstance(value, str) or not re.fullmatch(pattern, value):
        raise fail(key, value, allowed)
    return value


def parse_stack_config(
    raw: dict[str, Any], *, stack: str, project: str | None, region: str | None
) -> StackConfig:
    """Validate raw config values (as Pulumi returns them) into a StackConfig."""
    project = _match(
        "gcp:project",
        project,
        rules.PROJECT_ID,
        "must be a Google Cloud project id: 6-30 lowercase letters, digits, "
        "hyphens, starting with a letter",
    )
    region = _match("gcp:region", region, rules.REGION, "must be a region like europe-west1")
    number = _match(
        _top("projectNumber"),
        raw.get("projectNumber"),
        rules.PROJECT_NUMBER,
        "must be the numeric project number (Console > project info)",
    )
    environment = raw.get("environment") or stack
    if environment not in ENVIRONMENTS:
        raise fail(_top("environment"), environment, f"must be one of {ENVIRONMENTS}")
    if stack in ENVIRONMENTS and environment != stack:
        raise fail(_top("environment"), environment, f"stack {stack!r} must be {stack!r}")
    service = _match(
        _top("serviceName"),
        raw.get("serviceName") or "django-app",
        rules.SERVICE_NAME,
        "must be 4-20 lowercase letters, digits and hyphens, starting with a letter",
    )
    domain = raw.get("customDomain")
    if domain is not None:
        _match(
            _top("customDomain"), domain, rules.DOMAIN, "must be a hostname like app.example.com"
        )
    image = raw.get("image")
    if image is not None:
        _match(
            _top("image"),
            image,
            rules.IMAGE,
            "must be a full image reference pinned by digest: <host>/<path>@sha256:<64 hex>",
        )

    sections = parse_sections(raw, environment=environment, service=service)
    traffic = _traffic(raw, service=service, has_image=image is not None)
    config = StackConfig(
        stack=stack,
        project=project,
        region=region,
        project_number=number,
        environment=environment,
        service_name=service,
        custom_domain=domain,
        deletion_protection=_bool(raw, "deletionProtection", True),
        image=image,
        traffic=traffic,
        unsafe_prod_override=_bool(raw, UNSAFE_PROD_OVERRIDE, False),
        **sections,
    )
    _check_prod_guardrails(config)
    return config


def _traffic(raw: dict[str, Any], *, service: str, has_image: bool) -> TrafficSettings:
    mode = raw.get("trafficMode") or "latest"
    if mode not in TRAFFIC_MODES:
        raise fail(_top("trafficMode"), mode, f"must be one of {TRAFFIC_MODES}")
    if mode != "latest" and not has_image:
        raise fail(_top("trafficMode"), mode, f"needs {_top('image')} to be set")
    revision = rf"{re.escape(service)}-[a-z0-9-]{{1,40}}"
    names = {}
    for key in ("stableRevision", "pinnedRevision"):
        value = raw.get(key)
        if value is not None:
            names[key] = _match(
                _top(key),
                value,
                revision,
                f"must be a revision of service {service!r} ({service}-...)",
            )
    percent_raw = raw.get("canaryPercent")
    percent = 0
    if percent_raw is not None:
        if not re.fullmatch(r"[0-9]{1,3}", str(percent_raw)) or int(percent_raw) > 100:
            raise fail(_top("canaryPercent"), percent_raw, "must be an integer from 0 to 100")
        percent = int(percent_raw)
    if mode in ("candidate", "canary") and "stableRevision" not in names:
        raise ConfigError(
            f"{_top('trafficMode')} = {mode!r} needs {_top('stableRevision')}: "
            "the revision that keeps the rest of the traffic"
        )
    if mode == "canary" and percent_raw is None:
        raise ConfigError(f"{_top('trafficMode')} = 'canary' needs {_top('canaryPercent')} (0-100)")
    if mode == "pinned" and "pinnedRevision" not in names:
        raise ConfigError(f"{_top('trafficMode')} = 'pinned' needs {_top('pinnedRevision')}")
    return TrafficSettings(
        mode=mode,
        stable_revision=names.get("stableRevision"),
        canary_percent=percent,
        pinned_revision=names.get("pinnedRevision"),
    )


def _check_prod_guardrails(config: StackConfig) -> None:
    """Prod keeps its data unless someone writes the override key into the stack file."""
    if not config.is_prod or config.unsafe_prod_override:
        return
    db = config.database
    weakened = {
        _top("deletionProtection"): (config.deletion_protection, True),
        _top("database.backupsEnabled"): (db.backups_enabled, True),
        _top("database.pitrEnabled"): (db.pitr_enabled, True),
        _top("database.availability"): (db.availability, "REGIONAL"),
    }
    for key, (value, required) in weakened.items():
        if value != required:
            raise ConfigError(
                f"{key} = {value!r} is not allowed in prod (must be {required!r}); set "
                f"{_top(UNSAFE_PROD_OVERRIDE)}: true only if losing prod data is intended"
            )
