"""The Cloud Run v2 job that runs `manage.py migrate_and_seed` before traffic moves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
from pulumi_gcp import cloudrunv2

from components import PROJECT, child_opts
from components.secrets import SecretEnv

COMMAND = ("python", "manage.py", "migrate_and_seed")


@dataclass(frozen=True)
class MigrationJobArgs:
    """Same image and settings as the service, one task at a time."""

    project: str
    region: str
    job_name: str
    image: str
    service_account: pulumi.Input[str]
    connection_name: pulumi.Input[str]
    env: Mapping[str, pulumi.Input[str]]
    secret_env: tuple[SecretEnv, ...]
    timeout_seconds: int
    max_retries: int
    deletion_protection: bool


class MigrationJob(pulumi.ComponentResource):
    """One task, no parallelism: the command takes an advisory lock anyway, but a second
    concurrent task would only wait and burn a connection."""

    def __init__(
        self, name: str, args: MigrationJobArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__(f"{PROJECT}:migration:MigrationJob", name, None, opts)
        envs = [
            cloudrunv2.JobTemplateTemplateContainerEnvArgs(name=key, value=value)
            for key, value in args.env.items()
        ] + [
            cloudrunv2.JobTemplateTemplateContainerEnvArgs(
                name=ref.env,
                value_source=cloudrunv2.JobTemplateTemplateContainerEnvValueSourceArgs(
                    secret_key_ref=cloudrunv2.JobTemplateTemplateContainerEnvValueSourceSecretKeyRefArgs(
                        secret=ref.secret, version=ref.version
                    )
                ),
            )
            for ref in args.secret_env
        ]
        self.job = cloudrunv2.Job(
            f"{name}-job",
            project=args.project,
            location=args.region,
            name=args.job_name,
            deletion_protection=args.deletion_protection,
            template=cloudrunv2.JobTemplateArgs(
                task_count=1,
                parallelism=1,
                template=cloudrunv2.JobTemplateTemplateArgs(
                    service_account=args.service_account,
                    max_retries=args.max_retries,
                    timeout=f"{args.timeout_seconds}s",
                    containers=[
                        cloudrunv2.JobTemplateTemplateContainerArgs(
                            image=args.image,
                            commands=[COMMAND[0]],
                            args=list(COMMAND[1:]),
                            envs=envs,
                            resources=cloudrunv2.JobTemplateTemplateContainerResourcesArgs(
                                limits={"cpu": "1", "memory": "512Mi"}
                            ),
                            volume_mounts=[
                                cloudrunv2.JobTemplateTemplateContainerVolumeMountArgs(
                                    name="cloudsql", mount_path="/cloudsql"
                                )
                            ],
                        )
                    ],
                    volumes=[
                        cloudrunv2.JobTemplateTemplateVolumeArgs(
                            name="cloudsql",
                            cloud_sql_instance=cloudrunv2.JobTemplateTemplateVolumeCloudSqlInstanceArgs(
                                instances=[args.connection_name]
                            ),
                        )
                    ],
                ),
            ),
            opts=child_opts(self, opts),
        )
        self.register_outputs({"job": self.job.name})
