"""Cloud SQL for PostgreSQL: instance, application database and user."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_random as random
from pulumi_gcp import sql

from components import PROJECT, child_opts


def sql_settings(
    *,
    tier: str,
    edition: str,
    availability: str,
    disk_size_gb: int,
    max_connections: int,
    deletion_protection: bool,
    labels: dict[str, str],
    extra_flags: dict[str, str] | None = None,
    backup_configuration: sql.DatabaseInstanceSettingsBackupConfigurationArgs | None = None,
    maintenance_window: sql.DatabaseInstanceSettingsMaintenanceWindowArgs | None = None,
    insights_config: sql.DatabaseInstanceSettingsInsightsConfigArgs | None = None,
) -> sql.DatabaseInstanceSettingsArgs:
    """The settings the primary and its cross-region replica share, built in one place.

    What a promoted replica must match (shape, disk, network exposure, max_connections,
    which Cloud SQL requires to be at least the primary's on a replica) cannot drift;
    what only a primary has (backups, maintenance window, insights) is passed by it.
    """
    flags = {"max_connections": str(max_connections), **(extra_flags or {})}
    return sql.DatabaseInstanceSettingsArgs(
        tier=tier,
        edition=edition,
        availability_type=availability,
        disk_size=disk_size_gb,
        disk_type="PD_SSD",
        disk_autoresize=True,
        # Cloud SQL's own flag: refuse deleting the instance even through the console.
        deletion_protection_enabled=deletion_protection,
        # Only the Cloud SQL connector (the /cloudsql socket Cloud Run mounts) may
        # connect; with no authorized networks the public IP accepts nothing else.
        connector_enforcement="REQUIRED",
        ip_configuration=sql.DatabaseInstanceSettingsIpConfigurationArgs(
            ipv4_enabled=True,
            authorized_networks=[],
            ssl_mode="ENCRYPTED_ONLY",
        ),
        backup_configuration=backup_configuration,
        maintenance_window=maintenance_window,
        # max_connections explicit, so the connection budget is checked against a known
        # number rather than a tier-dependent default.
        database_flags=[
            sql.DatabaseInstanceSettingsDatabaseFlagArgs(name=name, value=value)
            for name, value in flags.items()
        ],
        insights_config=insights_config,
        user_labels=labels,
    )


@dataclass(frozen=True)
class DatabaseArgs:
    """Instance shape, protection and retention (one stack's `database` section)."""

    project: str
    region: str
    instance_name: str
    version: str
    tier: str
    edition: str
    availability: str
    disk_size_gb: int
    max_connections: int
    deletion_protection: bool
    backups_enabled: bool
    retained_backups: int
    pitr_enabled: bool
    transaction_log_retention_days: int
    backup_start_time: str
    maintenance_day: int
    maintenance_hour: int
    database_name: str
    user_name: str
    backup_location: str | None = None
    """A region or multi-region other than the instance's (disasterRecovery), or None."""


class Database(pulumi.ComponentResource):
    """An instance reachable only through the Cloud SQL connector, over TLS."""

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{PROJECT}:database:Database", name, None, opts)
        self.instance = self._create_instance(name, args, opts)
        self.connection_name: pulumi.Output[str] = self.instance.connection_name
        self.database = sql.Database(
            f"{name}-database",
            project=args.project,
            instance=self.instance.name,
            name=args.database_name,
            # ABANDON: with deletion protection off, `destroy` still never drops data itself.
            deletion_policy="ABANDON",
            opts=child_opts(self, opts),
        )
        # RandomPassword.result is a secret: encrypted in state, masked in previews.
        self.password = random.RandomPassword(
            f"{name}-password", length=32, special=False, opts=child_opts(self, opts)
        )
        self.user = sql.User(
            f"{name}-user",
            project=args.project,
            instance=self.instance.name,
            name=args.user_name,
            password=self.password.result,
            deletion_policy="ABANDON",
            opts=child_opts(self, opts),
        )
        self.register_outputs(
            {"instance": self.instance.name, "connection_name": self.connection_name}
        )

    def _create_instance(
        self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None
    ) -> sql.DatabaseInstance:
        settings = sql_settings(
            tier=args.tier,
            edition=args.edition,
            availability=args.availability,
            disk_size_gb=args.disk_size_gb,
            max_connections=args.max_connections,
            deletion_protection=args.deletion_protection,
            extra_flags={"log_connections": "on", "log_disconnections": "on"},
            backup_configuration=sql.DatabaseInstanceSettingsBackupConfigurationArgs(
                enabled=args.backups_enabled,
                start_time=args.backup_start_time,
                point_in_time_recovery_enabled=args.pitr_enabled,
                transaction_log_retention_days=args.transaction_log_retention_days,
                # None: Cloud SQL's default, the multi-region holding the instance's region.
                location=args.backup_location,
                backup_retention_settings=sql.DatabaseInstanceSettingsBackupConfigurationBackupRetentionSettingsArgs(
                    retained_backups=args.retained_backups, retention_unit="COUNT"
                ),
            ),
            maintenance_window=sql.DatabaseInstanceSettingsMaintenanceWindowArgs(
                day=args.maintenance_day, hour=args.maintenance_hour, update_track="stable"
            ),
            insights_config=sql.DatabaseInstanceSettingsInsightsConfigArgs(
                query_insights_enabled=True, record_application_tags=True
            ),
            labels={"app": "django-gcp"},
        )
        return sql.DatabaseInstance(
            f"{name}-instance",
            project=args.project,
            region=args.region,
            name=args.instance_name,
            database_version=args.version,
            # Pulumi's flag: refuse to delete or replace the instance from any `up`/`destroy`.
            deletion_protection=args.deletion_protection,
            settings=settings,
            opts=child_opts(self, opts),
        )
