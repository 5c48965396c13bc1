"""A cross-region read replica of the database, promotable when the primary region is lost.

Asynchronous replication keeps the replica seconds behind the primary, which is what makes
an RPO of minutes possible without restoring a backup; promoting it and pointing the service
at it (RUNBOOK, "Lose a region") is the RTO path. The replica's settings come from the same
`sql_settings` as the primary's (database.py), so shape, disk, max_connections (Cloud SQL
requires a replica's to be at least the primary's) and exposure (only the Cloud SQL
connector, over TLS) cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_gcp import sql

from components import PROJECT, child_opts
from components.database import sql_settings


@dataclass(frozen=True)
class ReplicaArgs:
    project: str
    region: str  # the replica's, not the primary's
    primary_name: pulumi.Input[str]
    replica_name: str
    version: str
    tier: str
    edition: str
    disk_size_gb: int
    max_connections: int
    deletion_protection: bool


class CrossRegionReplica(pulumi.ComponentResource):
    def __init__(self, name: str, args: ReplicaArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{PROJECT}:database:CrossRegionReplica", name, None, opts)
        settings = sql_settings(
            tier=args.tier,
            edition=args.edition,
            # One zone is enough for a standby; it becomes REGIONAL after promotion (RUNBOOK).
            availability="ZONAL",
            disk_size_gb=args.disk_size_gb,
            max_connections=args.max_connections,
            deletion_protection=args.deletion_protection,
            labels={"app": "django-gcp", "role": "dr-replica"},
        )
        self.instance = sql.DatabaseInstance(
            f"{name}-instance",
            project=args.project,
            region=args.region,
            name=args.replica_name,
            database_version=args.version,
            master_instance_name=args.primary_name,
            replica_configuration=sql.DatabaseInstanceReplicaConfigurationArgs(
                failover_target=False
            ),
            deletion_protection=args.deletion_protection,
            settings=settings,
            opts=child_opts(self, opts),
        )
        self.register_outputs({"replica": self.instance.name})
