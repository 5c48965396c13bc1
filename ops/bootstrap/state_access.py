"""Who may use each stack's state bucket and secrets key: that environment's CI identities.

One bucket and one KMS key per stack (not one shared bucket with IAM conditions on object
prefixes): Pulumi's self-managed backend lists objects (`.pulumi/locks/<org>/<project>/
<stack>/` before every update, `.pulumi/stacks/` at login), and Cloud Storage checks
`storage.objects.list` on the bucket, where a resource-name prefix condition cannot scope
it. A bucket per stack needs no condition at all, and `gs://` URLs differ per environment,
so a dev job cannot even name prod's state. SECURITY.md has the whole matrix.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import yaml

# Deployers read and write state, history, backups and lock objects and encrypt new secret
# values; previewers read state and decrypt (a self-managed backend's preview takes no
# lock). objectUser, not objectAdmin: no IAM permissions on objects.
STATE_ROLES = {
    "deployer": ("roles/storage.objectUser", "roles/cloudkms.cryptoKeyEncrypterDecrypter"),
    "previewer": ("roles/storage.objectViewer", "roles/cloudkms.cryptoKeyDecrypter"),
}
NAMESPACE = "django-gcp"


def ci_identities(stack: str, root: Path) -> dict[str, str]:
    """{"deployer": email, "previewer": email} of a stack, from its stack file.

    The program names accounts `<serviceName>-<role>@<project>.iam.gserviceaccount.com`
    (infra/components/identity.py); tests/governance/test_access_matrix.py checks this
    against the mocked program's outputs, so the two cannot drift.
    """
    path = root / f"Pulumi.{stack}.yaml"
    try:
        config: dict[str, Any] = (yaml.safe_load(path.read_text()) or {}).get("config") or {}
    except (OSError, yaml.YAMLError) as error:
        raise ValueError(f"cannot read {path.name}: {error}") from None
    project, service = config.get("gcp:project"), config.get(f"{NAMESPACE}:serviceName")
    if not isinstance(project, str) or not isinstance(service, str):
        raise ValueError(f"{path.name} needs gcp:project and {NAMESPACE}:serviceName")
    return {role: f"{service}-{role}@{project}.iam.gserviceaccount.com" for role in STATE_ROLES}


def state_access_grants(
    *, bucket_url: str, key_flags: str, identities: dict[str, str]
) -> list[tuple[str, list[list[str]]]]:
    """(description, commands) per identity, on this stack's bucket and key only.

    `key_flags` is "<key> --keyring <ring> --location <loc> --project <p>".
    """
    grants = []
    for kind, email in identities.items():
        bucket_role, key_role = STATE_ROLES[kind]
        member = f"--member serviceAccount:{email}"
        bucket = (
            f"gcloud storage buckets add-iam-policy-binding {bucket_url} {member}"
            f" --role {bucket_role}"
        )
        kms = f"gcloud kms keys add-iam-policy-binding {key_flags} {member} --role {key_role}"
        grants.append(
            (
                f"let {kind} {email} use {bucket_url} and its key",
                [shlex.split(bucket), shlex.split(kms)],
            )
        )
    return grants
