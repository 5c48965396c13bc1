"""Pulumi program: stack config -> components -> stack outputs. See README, section infra."""

from __future__ import annotations

from dataclasses import asdict

import pulumi

from app_env import (
    CONTAINER_PORT,
    app_environment,
    database_limits,
    media_bucket_name,
    platform_environment,
)
from capabilities import capabilities
from components.admin_job import AdminJob, AdminJobArgs
from components.apis import REQUIRED_APIS, TRACING_APIS, Apis, ApisArgs
from components.audit import AuditAndRetention, AuditArgs
from components.cache import CacheArgs, RedisCache
from components.database import Database, DatabaseArgs
from components.disaster_recovery import CrossRegionReplica, ReplicaArgs
from components.federation import FederationArgs, GithubFederation
from components.front_door import FrontDoor, FrontDoorArgs, candidate_domain
from components.identity import Identity, IdentityArgs
from components.media import MediaArgs, MediaBucket
from components.migration_job import MigrationJob, MigrationJobArgs
from components.monitoring import Monitoring, MonitoringArgs
from components.registry import Registry, RegistryArgs
from components.secrets import Secrets, SecretsArgs
from components.service import CloudRunService, ServiceArgs
from components.slo import ServiceLevels, SloArgs
from revisions import revision_name, traffic_targets
from stack_config import connection_budget, load_stack_config

config = load_stack_config()
db_cfg, run_cfg, project = config.database, config.run, config.project
dr_cfg = config.disaster_recovery

tracing_apis = TRACING_APIS if config.tracing.enabled else ()
apis = Apis("apis", ApisArgs(project=project, services=(*REQUIRED_APIS, *tracing_apis)))
after_apis = pulumi.ResourceOptions(depends_on=apis.enabled)
identity = Identity(
    "identity",
    IdentityArgs(
        project=project,
        prefix=config.service_name,
        environment=config.environment,
        project_number=config.project_number,
        app_secret_ids=tuple(secret.secret_id for secret in config.app_secrets),
        tracing=config.tracing.enabled,
        first_admin=config.first_admin is not None,
    ),
    after_apis,
)
federation = GithubFederation(
    "github",
    FederationArgs(
        project=project,
        project_number=config.project_number,
        pool_id=config.github.workload_identity_pool_id,
        repository_id=config.github.repository_id,
        repository_owner_id=config.github.repository_owner_id,
        environment=config.environment,
        branch=config.branch,
        deployer_account=identity.deployer.name,
        previewer_account=identity.previewer.name,
    ),
    after_apis,
)
registry = Registry(
    "registry",
    RegistryArgs(
        project=project,
        region=config.region,
        repository_id=config.registry.repository_id,
        keep_recent=config.registry.keep_recent,
        delete_untagged_after_days=config.registry.delete_untagged_after_days,
        writers=(identity.deployer.member,),
        readers=config.registry.promotion_readers,
    ),
    after_apis,
)
database = Database(
    "database",
    DatabaseArgs(
        project=project,
        region=config.region,
        deletion_protection=config.deletion_protection,
        # Backups outside the region when the stack plans for losing it (else: the region's).
        backup_location=dr_cfg.backups_in if dr_cfg.enabled else None,
        **db_cfg.model_dump(exclude={"reserved_connections"}),
    ),
    after_apis,
)
secrets = Secrets(
    "secrets",
    SecretsArgs(
        project=project,
        db_password=database.password.result,
        app_secrets=config.app_secrets,
        runtime_member=identity.runtime.member,
        migrator_member=identity.migrator.member,
        deletion_protection=config.deletion_protection,
        first_admin=config.first_admin is not None,
    ),
    after_apis,
)

# Optional sections the service uses (stack_config/platform.py): declared before it.
if config.media.enabled:
    media = MediaBucket(
        "media",
        MediaArgs(
            project=project,
            region=config.region,
            bucket_name=media_bucket_name(config),
            versioning=config.media.versioning,
            noncurrent_days=config.media.noncurrent_days,
            nearline_after_days=config.media.nearline_after_days,
            runtime_account=identity.runtime.name,
            runtime_member=identity.runtime.member,
            deletion_protection=config.deletion_protection,
        ),
        after_apis,
    )
    pulumi.export("mediaBucket", media.bucket.name)
cache: RedisCache | None = None
if config.cache.enabled:
    cache = RedisCache(
        "cache",
        CacheArgs(
            project=project,
            region=config.region,
            instance_name=f"{config.service_name}-cache",
            tier=config.cache.tier,
            memory_size_gb=config.cache.memory_size_gb,
            redis_version=config.cache.redis_version,
            network=config.cache.network,
            runtime_member=identity.runtime.member,
            deletion_protection=config.deletion_protection,
        ),
        after_apis,
    )
    pulumi.export("cacheUrl", cache.url)
    pulumi.export("cacheAuthSecret", cache.secret_id)

# The revision's name follows its template, secret versions included, so a rotation rolls a
# new revision instead of a changed template under an existing name (which Cloud Run refuses).
runtime_secret_env = [*secrets.runtime_env, *([cache.password_env] if cache else [])]
versions = pulumi.Output.all(*(ref.version for ref in runtime_secret_env))
latest_revision = versions.apply(lambda v: revision_name(config, v))
traffic = latest_revision.apply(lambda name: traffic_targets(config, name))
service_declared = config.image is not None and not config.job_only
if config.image is not None:
    env = app_environment(config, database.connection_name)
    # The revision may only start once its secrets are readable by its identity.
    after_secrets = pulumi.ResourceOptions(depends_on=[*apis.enabled, secrets])
    if service_declared:
        CloudRunService(
            "service",
            ServiceArgs(
                project=project,
                region=config.region,
                service_name=config.service_name,
                image=config.image,
                revision=latest_revision.apply(str),  # an image is set: never None
                service_account=identity.runtime.email,
                connection_name=database.connection_name,
                env={
                    **env,
                    **database_limits(config, job=False),
                    **platform_environment(config, cache.url if cache else None),
                },
                secret_env=tuple(runtime_secret_env),
                cpu=run_cfg.cpu,
                memory=run_cfg.memory,
                concurrency=run_cfg.concurrency,
                timeout_seconds=run_cfg.timeout_seconds,
                min_instances=run_cfg.min_instances,
                max_instances=run_cfg.max_instances,
                port=CONTAINER_PORT,
                traffic=traffic,
                ingress=config.access.ingress,
                public=config.access.public,
                invokers=config.access.invokers,
                deletion_protection=config.deletion_protection,
                vpc_egress=(config.cache.network, config.cache.subnetwork) if cache else None,
            ),
            after_secrets,
        )
    MigrationJob(
        "migration",
        MigrationJobArgs(
            project=project,
            region=config.region,
            job_name=config.migration_job_name,
            image=config.image,
            service_account=identity.migrator.email,
            connection_name=database.connection_name,
            env={**env, **database_limits(config, job=True)},
            secret_env=tuple(secrets.migrator_env),
            timeout_seconds=config.migration.timeout_seconds,
            max_retries=config.migration.max_retries,
            deletion_protection=config.deletion_protection,
        ),
        after_secrets,
    )
    # firstAdmin: `make first-admin` runs this job (README: first admin).
    if config.first_admin is not None and secrets.admin_password_env is not None:
        admin_job = AdminJob(
            "admin",
            AdminJobArgs(
                project=project,
                region=config.region,
                job_name=config.admin_job_name,
                image=config.image,
                service_account=identity.migrator.email,
                connection_name=database.connection_name,
                env={**env, **database_limits(config, job=True)},
                secret_env=(*secrets.migrator_env, secrets.admin_password_env),
                username=config.first_admin.username,
                email=config.first_admin.email,
                deletion_protection=config.deletion_protection,
            ),
            after_secrets,
        )
        pulumi.export("adminJobName", admin_job.job.name)
if secrets.admin_password_env is not None:
    pulumi.export("adminPasswordSecret", secrets.admin_password_env.secret)

alerts = config.alerts
monitoring = Monitoring(
    "monitoring",
    MonitoringArgs(
        project=project,
        environment=config.environment,
        service_name=config.service_name,
        service_host=config.service_host,
        uptime_check=config.access.public and config.access.ingress == "all",
        job_name=config.migration_job_name,
        database_id=f"{project}:{db_cfg.instance_name}",
        emails=alerts.emails,
        error_rate=alerts.error_rate,
        latency_p95_ms=alerts.latency_p95_ms,
        cpu_utilization=alerts.cpu_utilization,
        memory_utilization=alerts.memory_utilization,
        sql_cpu_utilization=alerts.sql_cpu_utilization,
        sql_disk_utilization=alerts.sql_disk_utilization,
        max_connections=db_cfg.max_connections,
        connections_fraction=alerts.connections_fraction,
        service_declared=service_declared,
        job_declared=config.image is not None,
    ),
    after_apis,
)

pulumi.export("projectId", project)
pulumi.export("region", config.region)
pulumi.export("serviceName", config.service_name)
# With the front door, ingress refuses the run.app URLs: the door's hosts are the way in.
if config.front_door.enabled:
    pulumi.export("serviceUrl", f"https://{config.front_door.domains[0]}")
    pulumi.export("candidateUrl", f"https://{candidate_domain(config.front_door.domains)}")
else:
    pulumi.export("serviceUrl", f"https://{config.service_host}")
    pulumi.export("candidateUrl", f"https://{config.candidate_host}")
pulumi.export("registryPath", config.registry_path)
pulumi.export("image", config.image)
pulumi.export("latestRevision", latest_revision if service_declared else None)
pulumi.export("traffic", traffic.apply(lambda targets: [asdict(t) for t in targets]))
pulumi.export("migrationJobName", config.migration_job_name)
pulumi.export("workloadIdentityProvider", federation.provider_name)
pulumi.export("deployerServiceAccount", identity.deployer.email)
pulumi.export("previewerServiceAccount", identity.previewer.email)
pulumi.export("dbInstanceName", database.instance.name)
pulumi.export("dbConnectionName", database.connection_name)
pulumi.export("rolloutSteps", list(config.rollout.steps))
pulumi.export("errorRateThreshold", config.rollout.max_error_rate)
pulumi.export("latencyP95ThresholdMs", config.rollout.max_latency_p95_ms)
pulumi.export("rolloutPolicy", config.rollout.model_dump(mode="json", by_alias=True))
pulumi.export("connectionBudget", connection_budget(config))
pulumi.export("commit", config.commit)
pulumi.export("serviceDeclared", service_declared)
pulumi.export("servicePublic", config.access.public)
pulumi.export("migrationTimeoutSeconds", config.migration.timeout_seconds)
pulumi.export("migrationMaxRetries", config.migration.max_retries)
pulumi.export("capabilities", capabilities(config))

# Optional platform capabilities (infra/stack_config/platform.py): each off unless turned on.
channels = [channel.name for channel in monitoring.channels]
if config.slo.enabled and service_declared:
    slos = ServiceLevels(
        "slo",
        SloArgs(
            project=project,
            environment=config.environment,
            service_name=config.service_name,
            database_id=f"{project}:{db_cfg.instance_name}",
            availability_goal=config.slo.availability_goal,
            latency_goal=config.slo.latency_goal,
            latency_threshold_ms=config.slo.latency_threshold_ms,
            window_days=config.slo.window_days,
            min_instances=run_cfg.min_instances,
            channels=channels,
        ),
        after_apis,
    )
    pulumi.export("sloNames", slos.slo_names)
if config.audit.enabled:
    audit = AuditAndRetention(
        "audit",
        AuditArgs(
            project=project,
            environment=config.environment,
            service_name=config.service_name,
            job_name=config.migration_job_name,
            data_access_logs=config.audit.data_access_logs,
            log_retention_days=config.audit.log_retention_days,
            error_lines_threshold=config.audit.error_lines_threshold,
            channels=channels,
        ),
        after_apis,
    )
    pulumi.export("errorLogMetric", audit.metric_name)
if config.front_door.enabled:
    door = config.front_door
    front_door = FrontDoor(
        "front-door",
        FrontDoorArgs(
            project=project,
            region=config.region,
            environment=config.environment,
            service_name=config.service_name,
            domains=door.domains,
            cdn=door.cdn,
            waf_rules=door.waf_rules,
            waf_sensitivity=door.waf_sensitivity,
            waf_preview=door.waf_preview,
            requests_per_minute=door.requests_per_minute,
            service_declared=service_declared,
            channels=channels,
        ),
        after_apis,
    )
    pulumi.export("frontDoorIp", front_door.address.address)
    pulumi.export("frontDoorDomains", list(door.domains))
if config.disaster_recovery.enabled:
    dr = config.disaster_recovery
    replica = CrossRegionReplica(
        "dr",
        ReplicaArgs(
            project=project,
            region=dr.replica_region,
            primary_name=database.instance.name,
            replica_name=f"{db_cfg.instance_name}-{dr.replica_region}",
            version=db_cfg.version,
            tier=db_cfg.tier,
            edition=db_cfg.edition,
            disk_size_gb=db_cfg.disk_size_gb,
            max_connections=db_cfg.max_connections,
            deletion_protection=config.deletion_protection,
        ),
        after_apis,
    )
    pulumi.export(
        "disasterRecovery",
        {"rpoMinutes": dr.rpo_minutes, "rtoMinutes": dr.rto_minutes,
         "replicaRegion": dr.replica_region, "replica": replica.instance.name},
    )  # fmt: skip
