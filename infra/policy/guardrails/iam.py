"""IAM: no primitive roles, secret payload access only per secret, no long-lived keys."""

from __future__ import annotations

import json
import re

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

PRIMITIVE_ROLES = {"roles/owner", "roles/editor", "roles/viewer"}
# Roles that can read secret payloads (secretmanager.versions.access).
SECRET_PAYLOAD_ROLES = {
    "roles/secretmanager.secretAccessor",
    "roles/secretmanager.secretVersionAccessor",
    "roles/secretmanager.admin",
    "roles/secretmanager.secretVersionManager",
}
# Project/folder/organisation-level grants: they reach every secret in the scope.
BROAD_IAM_TYPES = re.compile(
    r"^gcp:(projects|folder|organizations)/iAM(Member|Binding|Policy):IAM(Member|Binding|Policy)$"
)
# The deployer creates secrets and their generated versions, so it is the one identity that
# may hold secretmanager.admin on the project; the pattern matches infra's naming.
DEPLOYER_MEMBER_PATTERN = (
    r"^serviceAccount:[a-z][a-z0-9-]*-deployer@[a-z0-9-]+\.iam\.gserviceaccount\.com$"
)
CREDENTIAL_TYPES = {
    "gcp:serviceaccount/key:Key": "service-account keys",
    "gcp:storage/hmacKey:HmacKey": "HMAC keys (service-account credentials for Cloud Storage)",
}


def _grants(args: ResourceValidationArgs) -> list[tuple[str, list[str]]]:
    """(role, members) pairs of any IAM resource: member/binding inputs or policy_data JSON."""
    props = args.props
    if isinstance(props.get("role"), str):
        members = props.get("members") or [props.get("member")]
        return [(props["role"], [m for m in members if isinstance(m, str)])]
    policy_data = props.get("policyData")
    if isinstance(policy_data, str):
        try:
            bindings = json.loads(policy_data).get("bindings", [])
        except (ValueError, AttributeError):
            return []
        return [(b.get("role", ""), list(b.get("members", []))) for b in bindings]
    return []


def validate_no_primitive_roles(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for role, members in _grants(args):
        if role in PRIMITIVE_ROLES:
            report(
                f"{args.name} grants the primitive role {role} to {members}: grant the "
                "narrowest predefined role instead (see infra/components/identity.py)",
                None,
            )


def validate_secret_access_per_secret(
    args: ResourceValidationArgs, report: ReportViolation
) -> None:
    if not BROAD_IAM_TYPES.match(args.resource_type):
        return
    admin = re.compile(args.get_config().get("secretAdminMember", DEPLOYER_MEMBER_PATTERN))
    for role, members in _grants(args):
        if role not in SECRET_PAYLOAD_ROLES:
            continue
        for member in members:
            if role == "roles/secretmanager.admin" and admin.match(member):
                continue
            report(
                f"{args.name} grants {role} to {member} on the whole project, which reads "
                "every secret: grant roles/secretmanager.secretAccessor on each secret "
                "(gcp.secretmanager.SecretIamMember) instead",
                None,
            )


def validate_no_credential_keys(args: ResourceValidationArgs, report: ReportViolation) -> None:
    kind = CREDENTIAL_TYPES.get(args.resource_type)
    if kind:
        report(
            f"{args.name}: {kind} are not allowed; CI authenticates keylessly through "
            "Workload Identity Federation and workloads use their attached service account",
            None,
        )


def validate_members_are_not_public(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """allUsers/allAuthenticatedUsers only on the Cloud Run invoker role (a public site)."""
    for role, members in _grants(args):
        public = [m for m in members if m in ("allUsers", "allAuthenticatedUsers")]
        if public and role != "roles/run.invoker":
            report(f"{args.name} grants {role} to {public}: only run.invoker may be public", None)


NO_PRIMITIVE_ROLES = ResourceValidationPolicy(
    name="no-primitive-roles",
    description="No owner/editor/viewer grants (or public members outside run.invoker).",
    validate=[validate_no_primitive_roles, validate_members_are_not_public],
)
SECRET_ACCESS_PER_SECRET = ResourceValidationPolicy(
    name="secret-access-per-secret",
    description="Secret payload roles are granted per secret, never project-wide.",
    validate=validate_secret_access_per_secret,
)
NO_SERVICE_ACCOUNT_KEYS = ResourceValidationPolicy(
    name="no-service-account-keys",
    description="No service-account keys or HMAC keys: keyless identities only.",
    validate=validate_no_credential_keys,
)

__all__ = ["NO_PRIMITIVE_ROLES", "NO_SERVICE_ACCOUNT_KEYS", "SECRET_ACCESS_PER_SECRET"]
