"""Secret Manager: generated Django key, the DB password, and extra app secrets."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_random as random
from pulumi_gcp import secretmanager

from components import PROJECT, child_opts
from stack_config import AppSecret

ACCESSOR = "roles/secretmanager.secretAccessor"
# The secrets the program always declares (generated values); appSecrets come on top.
PROGRAM_SECRET_IDS = ("django-secret-key", "db-password")
# With `firstAdmin`: the superuser's password, added by an operator (README: first admin).
ADMIN_PASSWORD_SECRET_ID = "django-superuser-password"  # noqa: S105 (an id, not a secret)


@dataclass(frozen=True)
class SecretEnv:
    """An environment variable Cloud Run fills from a secret version."""

    env: str
    secret: pulumi.Input[str]
    version: pulumi.Input[str]


@dataclass(frozen=True)
class SecretsArgs:
    """Secrets to declare and the identities that may read them."""

    project: str
    db_password: pulumi.Input[str]
    app_secrets: tuple[AppSecret, ...]
    runtime_member: pulumi.Input[str]
    migrator_member: pulumi.Input[str]
    deletion_protection: bool
    first_admin: bool = False
    """Declare the admin password secret, empty, readable by the migrator only."""


class Secrets(pulumi.ComponentResource):
    """Each secret gets its own accessor bindings; nothing is granted project-wide."""

    def __init__(self, name: str, args: SecretsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{PROJECT}:secrets:Secrets", name, None, opts)
        self._name, self._args, self._opts = name, args, opts
        both = {"runtime": args.runtime_member, "migrator": args.migrator_member}
        secret_key = random.RandomPassword(
            f"{name}-django-secret-key-value",
            length=64,
            override_special="!@#%^&*(-_=+)",
            opts=child_opts(self, opts),
        )
        # The program owns these versions, so revisions reference the exact version number:
        # a new value only reaches a revision through a new `pulumi up` (and a new revision).
        self.runtime_env: list[SecretEnv] = []
        self.migrator_env: list[SecretEnv] = []
        values = dict(zip(PROGRAM_SECRET_IDS, (secret_key.result, args.db_password), strict=True))
        envs = {"django-secret-key": "DJANGO_SECRET_KEY", "db-password": "DB_PASSWORD"}
        for secret_id, value in values.items():
            env = envs[secret_id]
            secret = self._secret(secret_id, both)
            # A new value replaces the version resource. The old version must outlive that:
            # revisions from before a rotation (rollback targets) name it, and a revision
            # whose secret version is destroyed can no longer start. So neither Pulumi
            # (retain_on_delete) nor the provider (ABANDON) deletes or disables it; RUNBOOK
            # says when to disable versions no revision uses any more.
            version = secretmanager.SecretVersion(
                f"{name}-{secret_id}-version",
                secret=secret.id,
                secret_data=value,
                deletion_policy="ABANDON",
                opts=child_opts(self, opts, retain_on_delete=True),
            )
            ref = SecretEnv(env, secret.secret_id, version.version)
            self.runtime_env.append(ref)
            self.migrator_env.append(ref)
        # Extra secrets are created empty; their values are added out of band (README), so
        # the program does not own a version: revisions read the stack file's pinned
        # `version`, else `latest` at start.
        for extra in args.app_secrets:
            secret = self._secret(extra.secret_id, {"runtime": args.runtime_member})
            # Without `env` the secret exists (to receive its first value) but no revision
            # refers to it yet, so no deploy has to fail while it is empty.
            if extra.env is not None:
                version = str(extra.version) if extra.version is not None else "latest"
                self.runtime_env.append(SecretEnv(extra.env, secret.secret_id, version))
        # Only the admin job reads it (as the migrator), at `latest`: the operator adds the
        # value, so the program never holds the password, and a new version plus a rerun is
        # how a locked-out admin gets back in (RUNBOOK). The service never sees it.
        self.admin_password_env: SecretEnv | None = None
        if args.first_admin:
            secret = self._secret(ADMIN_PASSWORD_SECRET_ID, {"migrator": args.migrator_member})
            self.admin_password_env = SecretEnv(
                "DJANGO_SUPERUSER_PASSWORD", secret.secret_id, "latest"
            )
        self.register_outputs({"secrets": [ref.env for ref in self.runtime_env]})

    def _secret(
        self, secret_id: str, readers: dict[str, pulumi.Input[str]]
    ) -> secretmanager.Secret:
        name, args, opts = self._name, self._args, self._opts
        secret = secretmanager.Secret(
            f"{name}-{secret_id}",
            project=args.project,
            secret_id=secret_id,
            replication=secretmanager.SecretReplicationArgs(
                auto=secretmanager.SecretReplicationAutoArgs()
            ),
            deletion_protection=args.deletion_protection,
            labels={"app": "django-gcp"},
            opts=child_opts(self, opts),
        )
        for role_name, member in readers.items():
            secretmanager.SecretIamMember(
                f"{name}-{secret_id}-{role_name}-accessor",
                project=args.project,
                secret_id=secret.secret_id,
                role=ACCESSOR,
                member=member,
                opts=child_opts(self, opts),
            )
        return secret
