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


_Env = cloudrunv2.JobTemplateTemplateContainerEnvArgs
_Source = cloudrunv2.JobTemplateTemplateContainerEnvValueSourceArgs
_SecretRef = cloudrunv2.JobTemplateTemplateContainerEnvValueSourceSecretKeyRefArgs


def container_env(
    env: Mapping[str, pulumi.Input[str]], secret_env: tuple[SecretEnv, ...]
) -> list[cloudrunv2.JobTemplateTemplateContainerEnvArgs]:
    plain = [_Env(name=key, value=value) for key, value in env.items()]
    secret = [
        _Env(
            name=ref.env,
            value_source=_Source(secret_key_ref=_SecretRef(secret=ref.secret, version=ref.version)),
        )
        for ref in secret_env
    ]
    return plain + secret


def database_job_template(
    *,
    command: tuple[str, ...],
    image: str,
    service_account: pulumi.Input[str],
    connection_name: pulumi.Input[str],
    env: Mapping[str, pulumi.Input[str]],
    secret_env: tuple[SecretEnv, ...],
    max_retries: int,
    timeout_seconds: int,
) -> cloudrunv2.JobTemplateArgs:
    """One task of the app's image on the Cloud SQL socket: the migration and admin jobs."""
    container = cloudrunv2.JobTemplateTemplateContainerArgs(
        image=image,
        commands=[command[0]],
        args=list(command[1:]),
        envs=container_env(env, secret_env),
        resources=cloudrunv2.JobTemplateTemplateContainerResourcesArgs(
            limits={"cpu": "1", "memory": "512Mi"}
        ),
        volume_mounts=[
            cloudrunv2.JobTemplateTemplateContainerVolumeMountArgs(
                name="cloudsql", mount_path="/cloudsql"
            )
        ],
    )
    volume = cloudrunv2.JobTemplateTemplateVolumeArgs(
        name="cloudsql",
        cloud_sql_instance=cloudrunv2.JobTemplateTemplateVolumeCloudSqlInstanceArgs(
            instances=[connection_name]
        ),
    )
    return cloudrunv2.JobTemplateArgs(
        task_count=1,
        parallelism=1,
        template=cloudrunv2.JobTemplateTemplateArgs(
            service_account=service_account,
            max_retries=max_retries,
            timeout=f"{timeout_seconds}s",
            containers=[container],
            volumes=[volume],
        ),
    )


class MigrationJob(pulumi.ComponentResource):
    """One task, no parallelism: the command takes an advisory lock anyway, but a second
    concurrent task would only wait and burn a connection."""

    def __init__(
        self, name: str, args: MigrationJobArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__(f"{PROJECT}:migration:MigrationJob", name, None, opts)
        self.job = cloudrunv2.Job(
            f"{name}-job",
            project=args.project,
            location=args.region,
            name=args.job_name,
            deletion_protection=args.deletion_protection,
            template=database_job_template(
                command=COMMAND,
                image=args.image,
                service_account=args.service_account,
                connection_name=args.connection_name,
                env=args.env,
                secret_env=args.secret_env,
                max_retries=args.max_retries,
                timeout_seconds=args.timeout_seconds,
            ),
            opts=child_opts(self, opts),
        )
        self.register_outputs({"job": self.job.name})
