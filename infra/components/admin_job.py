"""The Cloud Run v2 job that runs `manage.py ensure_superuser` (README: first admin).

Cloud Run has no shell, and an execution's overrides can set only args and plain env, never
a secret reference, so the admin's password cannot reach the migration job per execution.
This job is its own: the migration job's image, identity, database and settings, plus the
admin's name and e-mail as plain env and the password from its secret at `latest`.
A secret without a version only fails an execution, not a deploy, so the job can be
declared before the operator has added the password.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
from pulumi_gcp import cloudrunv2

from components import PROJECT, child_opts
from components.migration_job import database_job_template
from components.secrets import SecretEnv

COMMAND = ("python", "manage.py", "ensure_superuser")
# One statement and a password hash: minutes would already mean something is wrong.
TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class AdminJobArgs:
    """Everything the migration job gets, plus who the admin is and where its password is."""

    project: str
    region: str
    job_name: str
    image: str
    service_account: pulumi.Input[str]
    connection_name: pulumi.Input[str]
    env: Mapping[str, pulumi.Input[str]]
    """The migration job's plain env; DJANGO_SUPERUSER_USERNAME/EMAIL are added here."""
    secret_env: tuple[SecretEnv, ...]
    """The migration job's secrets plus DJANGO_SUPERUSER_PASSWORD."""
    username: str
    email: str
    deletion_protection: bool


class AdminJob(pulumi.ComponentResource):
    """One task, no retries: a refused password (Django's validators) fails the same way
    every time, and the operator reads the one execution's log instead of three."""

    def __init__(self, name: str, args: AdminJobArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{PROJECT}:admin:AdminJob", name, None, opts)
        env = {
            **args.env,
            "DJANGO_SUPERUSER_USERNAME": args.username,
            "DJANGO_SUPERUSER_EMAIL": args.email,
        }
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
                env=env,
                secret_env=args.secret_env,
                max_retries=0,
                timeout_seconds=TIMEOUT_SECONDS,
            ),
            opts=child_opts(self, opts),
        )
        self.register_outputs({"job": self.job.name})
