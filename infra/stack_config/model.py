"""StackConfig: everything under a stack's config namespace, and the rules across sections.

Keys are exactly what Pulumi.<stack>.yaml holds (without the namespace), so a key path in an
error is the line to fix. Top-level scalars arrive from the Pulumi CLI as strings (hence
TextBool/Percent); sections arrive as JSON and are strict.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, PrivateAttr, ValidationInfo, model_validator

from stack_config.errors import RuleError
from stack_config.platform import (
    Audit,
    Cache,
    DisasterRecovery,
    FrontDoor,
    Media,
    Slo,
    Tracing,
)
from stack_config.rules import DEFAULT_BRANCHES, UNSAFE_PROD_OVERRIDE, cross_section_problems
from stack_config.sections import (
    Access,
    Alerts,
    AppSecret,
    Database,
    Django,
    FirstAdmin,
    Github,
    Gunicorn,
    MigrationJob,
    Registry,
    Rollout,
    Run,
)
from stack_config.types import (
    Commit,
    Domain,
    EnvName,
    Image,
    NumericId,
    Percent,
    ProjectId,
    Revision,
    ServiceName,
    Strict,
    Text,
    TextBool,
)


class StackConfig(Strict):
    """Everything one stack declares, validated once; components get pieces of it."""

    project: ProjectId = Field(alias="gcp:project")
    """Google Cloud project id (gcp:project)."""
    region: str = Field(alias="gcp:region")
    """Region of Cloud Run and Cloud SQL (gcp:region), checked against regions.yaml."""
    environment: Annotated[
        str,
        Text(r"[a-z][a-z0-9]{1,11}", "must be 2-12 lowercase letters/digits, e.g. dev, qa, prod"),
    ]
    """Environment name (GitHub environment too); stacks dev/staging/prod must use their name."""
    project_number: NumericId
    """Numeric project number (Console > project info), quoted."""
    service_name: ServiceName = "django-app"
    """Cloud Run service name (also prefixes identities and the job)."""
    custom_domain: Domain | None = None
    """Extra host for ALLOWED_HOSTS/CSRF only: routing the domain is not done by this program."""
    deletion_protection: TextBool = True
    """Protect the database, service, job and secrets from deletion (prod: required true)."""
    dangerously_allow_unprotected_prod_database: TextBool = Field(False, alias=UNSAFE_PROD_OVERRIDE)
    """The only way prod may weaken deletion protection, backups, PITR or HA."""

    access: Access
    github: Github
    run: Run
    gunicorn: Gunicorn
    migration: MigrationJob = Field(alias="migrationJob")
    database: Database
    registry: Registry = Registry()
    django: Django = Django()
    alerts: Alerts
    rollout: Rollout
    # Optional platform capabilities (platform.py): each off unless the stack turns it on.
    slo: Slo = Slo()
    audit: Audit = Audit()
    media: Media = Media()
    cache: Cache = Cache()
    front_door: FrontDoor = FrontDoor()
    disaster_recovery: DisasterRecovery = DisasterRecovery()
    tracing: Tracing = Tracing()
    first_admin: FirstAdmin | None = None
    """The first superuser: a job and an empty password secret (README: first admin)."""
    app_secrets: tuple[AppSecret, ...] = ()
    """Extra secrets ({secretId, env, version}) created empty; add a version before env."""
    app_env: dict[EnvName, Annotated[str, Field(max_length=32768)]] = Field(default_factory=dict)
    """Plain environment variables for the service and the job (NAME: "value")."""

    # Per-deploy keys: set by CD with `pulumi config set`, never committed.
    image: Image | None = None
    """Per deploy: image by digest; absent = bootstrap (no service or job yet)."""
    commit: Commit | None = None
    """Per deploy: git commit of the release (APP_VERSION, revision label, output commit)."""
    job_only: TextBool = False
    """Per deploy: declare the migration job but not the service (first deploy migrates first)."""
    traffic_mode: Literal["latest", "candidate", "canary", "pinned"] = "latest"
    """Per deploy: latest | candidate (new at 0%) | canary | pinned (rollback)."""
    stable_revision: Revision | None = None
    """Per deploy: the revision keeping the traffic in candidate/canary."""
    canary_percent: Percent | None = None
    """Per deploy: 0-100 to the new revision in canary."""
    pinned_revision: Revision | None = None
    """Per deploy: the revision getting 100% in pinned."""

    _stack: str = PrivateAttr("")

    @property
    def stack(self) -> str:
        """The Pulumi stack name (given by the loader as validation context, not a key)."""
        return self._stack

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod" or self.stack == "prod"

    @property
    def branch(self) -> str:
        return self.github.branch or DEFAULT_BRANCHES[self.environment]

    @property
    def registry_path(self) -> str:
        return f"{self.region}-docker.pkg.dev/{self.project}/{self.registry.repository_id}"

    @property
    def service_host(self) -> str:
        # Cloud Run's deterministic URL, known before the service exists.
        return f"{self.service_name}-{self.project_number}.{self.region}.run.app"

    @property
    def candidate_host(self) -> str:
        return f"candidate---{self.service_host}"

    @property
    def migration_job_name(self) -> str:
        return f"{self.service_name}-migrate"

    @property
    def admin_job_name(self) -> str:
        return f"{self.service_name}-admin"

    @model_validator(mode="after")
    def _across_sections(self, info: ValidationInfo) -> StackConfig:
        self._stack = str((info.context or {}).get("stack", ""))
        problems = cross_section_problems(self)
        if problems:
            raise RuleError(problems)
        return self
