"""IAM on the Pulumi state bucket and the secrets key for the CI identities.

Run by ops.bootstrap once the first admin `pulumi up` has created the deployer and
previewer service accounts. add-iam-policy-binding is idempotent, so these always run.
"""

from __future__ import annotations

import shlex

# Deployers write state, history and lock files and encrypt new secrets; previewers only
# read state and decrypt (a self-managed backend's preview takes no lock).
BUCKET_ROLES = {"deployer": "roles/storage.objectAdmin", "previewer": "roles/storage.objectViewer"}
KEY_ROLES = {
    "deployer": "roles/cloudkms.cryptoKeyEncrypterDecrypter",
    "previewer": "roles/cloudkms.cryptoKeyDecrypter",
}


def state_access_grants(
    *,
    bucket_url: str,
    key: str,
    project: str,
    deployers: tuple[str, ...],
    previewers: tuple[str, ...],
) -> list[tuple[str, list[list[str]]]]:
    """(description, commands) per identity; `key` is "<key> --keyring <ring> --location ..."."""
    grants = []
    for kind, emails in (("deployer", deployers), ("previewer", previewers)):
        for email in emails:
            member = f"--member serviceAccount:{email}"
            bucket = (
                f"gcloud storage buckets add-iam-policy-binding {bucket_url} {member}"
                f" --role {BUCKET_ROLES[kind]} --project {project}"
            )
            kms = f"gcloud kms keys add-iam-policy-binding {key} {member} --role {KEY_ROLES[kind]}"
            grants.append(
                (
                    f"let {kind} {email} use the state bucket and the secrets key",
                    [shlex.split(bucket), shlex.split(kms)],
                )
            )
    return grants
