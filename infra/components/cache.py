"""Memorystore for Redis on the stack's VPC, its AUTH string in Secret Manager.

Private connectivity only: the instance has an address on `network` and no public one; the
service reaches it through Direct VPC egress on that network (no connector to pay for).
AUTH is on, so reaching the network is not enough to read the cache; the AUTH string is
readable by the runtime identity alone. The app degrades when the cache is down
(app/config/cache.py), so a BASIC instance's maintenance does not take the site down.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_gcp import projects, redis, secretmanager

from components import PROJECT, child_opts
from components.secrets import SecretEnv

ACCESSOR = "roles/secretmanager.secretAccessor"


@dataclass(frozen=True)
class CacheArgs:
    project: str
    region: str
    instance_name: str
    tier: str
    memory_size_gb: int
    redis_version: str
    network: str
    runtime_member: pulumi.Input[str]
    deletion_protection: bool


class RedisCache(pulumi.ComponentResource):
    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{PROJECT}:cache:RedisCache", name, None, opts)
        api = projects.Service(
            f"{name}-api",
            project=args.project,
            service="redis.googleapis.com",
            disable_on_destroy=False,
            opts=child_opts(self, opts),
        )
        self.instance = redis.Instance(
            f"{name}-instance",
            project=args.project,
            region=args.region,
            name=args.instance_name,
            tier=args.tier,
            memory_size_gb=args.memory_size_gb,
            redis_version=args.redis_version,
            authorized_network=f"projects/{args.project}/global/networks/{args.network}",
            connect_mode="DIRECT_PEERING",
            auth_enabled=True,
            deletion_protection=args.deletion_protection,
            # A cache: losing it loses nothing, so no persistence to pay for.
            persistence_config=redis.InstancePersistenceConfigArgs(persistence_mode="DISABLED"),
            labels={"purpose": "cache"},
            opts=child_opts(self, opts, depends_on=[api]),
        )
        secret = secretmanager.Secret(
            f"{name}-auth",
            project=args.project,
            secret_id=f"{args.instance_name}-auth",
            replication=secretmanager.SecretReplicationArgs(
                auto=secretmanager.SecretReplicationAutoArgs()
            ),
            opts=child_opts(self, opts),
        )
        self.auth_version = secretmanager.SecretVersion(
            f"{name}-auth-version",
            secret=secret.id,
            secret_data=self.instance.auth_string,
            opts=child_opts(self, opts),
        )
        secretmanager.SecretIamMember(
            f"{name}-auth-runtime",
            project=args.project,
            secret_id=secret.secret_id,
            role=ACCESSOR,
            member=args.runtime_member,
            opts=child_opts(self, opts),
        )
        self.secret_id = f"{args.instance_name}-auth"
        # The runtime reads it at start; the exact version, so a new AUTH string (instance
        # replaced) rolls a new revision instead of changing a running one's template.
        self.password_env = SecretEnv(
            "DJANGO_CACHE_PASSWORD", secret.secret_id, self.auth_version.version
        )
        # Memorystore for Redis always listens on 6379.
        self.url = pulumi.Output.concat("redis://", self.instance.host, ":6379/0")
        self.register_outputs({"url": self.url})


def cache_env(url: pulumi.Input[str]) -> dict[str, pulumi.Input[str]]:
    """Plain env for the service; DJANGO_CACHE_PASSWORD comes from the secret `secret_id`."""
    return {"DJANGO_CACHE_URL": url}
