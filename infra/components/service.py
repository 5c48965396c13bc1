"""The Cloud Run v2 service: one revision per image+settings, traffic from config."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
from pulumi_gcp import cloudrunv2

from components import PROJECT, child_opts
from components.secrets import SecretEnv
from revisions import TrafficTarget

HEALTH_LIVE = "/health/live/"
INGRESS = {
    "all": "INGRESS_TRAFFIC_ALL",
    "internal": "INGRESS_TRAFFIC_INTERNAL_ONLY",
    "internal-and-cloud-load-balancing": "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
}


@dataclass(frozen=True)
class ServiceArgs:
    """Everything the revision template and traffic block need."""

    project: str
    region: str
    service_name: str
    image: str
    revision: pulumi.Input[str]  # changes whenever the template does (infra/revisions.py)
    service_account: pulumi.Input[str]
    connection_name: pulumi.Input[str]
    env: Mapping[str, pulumi.Input[str]]
    secret_env: tuple[SecretEnv, ...]
    cpu: str
    memory: str
    concurrency: int
    timeout_seconds: int
    min_instances: int
    max_instances: int
    port: int
    traffic: pulumi.Input[Sequence[TrafficTarget]]
    ingress: str
    public: bool
    invokers: tuple[str, ...]
    deletion_protection: bool
    vpc_egress: tuple[str, str] | None = None
    """(network, subnetwork) for Direct VPC egress: set when the cache is on (Memorystore
    has a private address only)."""


def _vpc_access(args: ServiceArgs) -> cloudrunv2.ServiceTemplateVpcAccessArgs | None:
    if args.vpc_egress is None:
        return None
    network, subnetwork = args.vpc_egress
    return cloudrunv2.ServiceTemplateVpcAccessArgs(
        network_interfaces=[
            cloudrunv2.ServiceTemplateVpcAccessNetworkInterfaceArgs(
                network=network, subnetwork=subnetwork
            )
        ],
        # Only private addresses go through the VPC: Google APIs and the internet keep the
        # default path, so the VPC needs no Cloud NAT and the cache adds no egress cost.
        egress="PRIVATE_RANGES_ONLY",
    )


def _env(args: ServiceArgs) -> list[cloudrunv2.ServiceTemplateContainerEnvArgs]:
    plain = [
        cloudrunv2.ServiceTemplateContainerEnvArgs(name=k, value=v) for k, v in args.env.items()
    ]
    secret = [
        cloudrunv2.ServiceTemplateContainerEnvArgs(
            name=ref.env,
            value_source=cloudrunv2.ServiceTemplateContainerEnvValueSourceArgs(
                secret_key_ref=cloudrunv2.ServiceTemplateContainerEnvValueSourceSecretKeyRefArgs(
                    secret=ref.secret, version=ref.version
                )
            ),
        )
        for ref in args.secret_env
    ]
    return plain + secret


def _container(args: ServiceArgs) -> cloudrunv2.ServiceTemplateContainerArgs:
    http = cloudrunv2.ServiceTemplateContainerStartupProbeHttpGetArgs(
        path=HEALTH_LIVE, port=args.port
    )
    return cloudrunv2.ServiceTemplateContainerArgs(
        image=args.image,
        ports=cloudrunv2.ServiceTemplateContainerPortsArgs(container_port=args.port, name="http1"),
        envs=_env(args),
        resources=cloudrunv2.ServiceTemplateContainerResourcesArgs(
            limits={"cpu": args.cpu, "memory": args.memory},
            cpu_idle=True,
            startup_cpu_boost=True,
        ),
        # Startup checks liveness, not readiness: a new revision must come up before its
        # migrations ran (they run after it is deployed at 0% traffic), so /health/ready/
        # (which fails on unapplied migrations) would deadlock the deploy.
        startup_probe=cloudrunv2.ServiceTemplateContainerStartupProbeArgs(
            http_get=http,
            initial_delay_seconds=0,
            period_seconds=2,
            timeout_seconds=2,
            failure_threshold=30,
        ),
        liveness_probe=cloudrunv2.ServiceTemplateContainerLivenessProbeArgs(
            http_get=cloudrunv2.ServiceTemplateContainerLivenessProbeHttpGetArgs(
                path=HEALTH_LIVE, port=args.port
            ),
            period_seconds=30,
            timeout_seconds=5,
            failure_threshold=3,
        ),
        volume_mounts=[
            cloudrunv2.ServiceTemplateContainerVolumeMountArgs(
                name="cloudsql", mount_path="/cloudsql"
            )
        ],
    )


class CloudRunService(pulumi.ComponentResource):
    """The service plus who may invoke it."""

    def __init__(self, name: str, args: ServiceArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{PROJECT}:service:CloudRunService", name, None, opts)
        self.service = cloudrunv2.Service(
            f"{name}-service",
            project=args.project,
            location=args.region,
            name=args.service_name,
            ingress=INGRESS[args.ingress],
            deletion_protection=args.deletion_protection,
            invoker_iam_disabled=False,
            template=cloudrunv2.ServiceTemplateArgs(
                revision=args.revision,
                service_account=args.service_account,
                max_instance_request_concurrency=args.concurrency,
                timeout=f"{args.timeout_seconds}s",
                execution_environment="EXECUTION_ENVIRONMENT_GEN2",
                scaling=cloudrunv2.ServiceTemplateScalingArgs(
                    min_instance_count=args.min_instances, max_instance_count=args.max_instances
                ),
                containers=[_container(args)],
                vpc_access=_vpc_access(args),
                volumes=[
                    cloudrunv2.ServiceTemplateVolumeArgs(
                        name="cloudsql",
                        cloud_sql_instance=cloudrunv2.ServiceTemplateVolumeCloudSqlInstanceArgs(
                            instances=[args.connection_name]
                        ),
                    )
                ],
            ),
            traffics=pulumi.Output.from_input(args.traffic).apply(
                lambda targets: [
                    cloudrunv2.ServiceTrafficArgs(
                        type=t.type, percent=t.percent, revision=t.revision, tag=t.tag
                    )
                    for t in targets
                ]
            ),
            opts=child_opts(self, opts),
        )
        members = ("allUsers",) if args.public else args.invokers
        for index, member in enumerate(members):
            cloudrunv2.ServiceIamMember(
                f"{name}-invoker-{index}",
                project=args.project,
                location=args.region,
                name=self.service.name,
                role="roles/run.invoker",
                member=member,
                opts=child_opts(self, opts),
            )
        self.uri: pulumi.Output[str] = self.service.uri
        self.register_outputs({"service": self.service.name, "uri": self.uri})
