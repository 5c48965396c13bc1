"""IAM: no primitive roles, secret payload access only per secret, no long-lived keys, no
role that lets an identity grant itself more, no grant across environments (projects)."""

from __future__ import annotations

import json
import re

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from .github_claims import CelError, evaluate

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
# may hold secretmanager.admin on the project, and only under a condition that names the
# stack's own secrets; the pattern matches infra's naming.
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


def _condition(args: ResourceValidationArgs) -> str:
    condition = args.props.get("condition")
    return str(condition.get("expression") or "") if isinstance(condition, dict) else ""


def _reaches_a_foreign_secret(expression: str) -> bool:
    """Does the IAM condition let the grant apply to a secret the stack does not declare?"""
    for name in ("projects/0/secrets/not-this-stacks", "projects/0/secrets/x/versions/1"):
        resource = {"name": name, "type": "secretmanager.googleapis.com/Secret"}
        try:
            if evaluate(expression, resource, variable="resource") is not False:
                return True
        except CelError:
            return True
    return False


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
            expression = _condition(args)
            scoped = bool(expression) and not _reaches_a_foreign_secret(expression)
            if role == "roles/secretmanager.admin" and admin.match(member) and scoped:
                continue
            report(
                f"{args.name} grants {role} to {member} on the whole project"
                f"{' (its condition admits other secrets)' if expression else ''}, which "
                "reads every secret: grant roles/secretmanager.secretAccessor on each secret "
                "(gcp.secretmanager.SecretIamMember), or secret admin to the deployer with a "
                "condition naming only the stack's secrets",
                None,
            )


# Roles that grant roles, mint credentials, impersonate or change identity-pool trust.
# serviceAccountUser/workloadIdentityUser are fine on ONE account; on a project they reach
# every account in it.
ESCALATION_ROLES = {
    "roles/resourcemanager.projectIamAdmin",
    "roles/iam.securityAdmin",
    "roles/iam.serviceAccountAdmin",
    "roles/iam.serviceAccountKeyAdmin",
    "roles/iam.serviceAccountTokenCreator",
    "roles/iam.serviceAccountUser",
    "roles/iam.workloadIdentityPoolAdmin",
    "roles/iam.workloadIdentityUser",
    "roles/iam.roleAdmin",
}
SA_EMAIL = re.compile(r"^serviceAccount:[^@]+@([a-z0-9-]+)\.iam\.gserviceaccount\.com$")


def validate_no_escalation(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not BROAD_IAM_TYPES.match(args.resource_type):
        return
    for role, members in _grants(args):
        if role in ESCALATION_ROLES:
            report(
                f"{args.name} grants {role} to {members} on the whole project: a holder can "
                "grant itself more (roles, keys, tokens, identity providers). Grant it on the "
                "single resource that needs it, or leave it to the admin-run bootstrap",
                None,
            )


# The one read across environments: a downstream deployer pulls the upstream registry's
# images to copy them by digest (promotion). Images only: no state, secrets or keys.
PROMOTION_READ = ("gcp:artifactregistry/repositoryIamMember:RepositoryIamMember",
                  "roles/artifactregistry.reader")  # fmt: skip


def validate_same_environment(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Each environment is one project: a grant to another project's account crosses them."""
    project = args.props.get("project")
    account = args.props.get("serviceAccountId")
    if not isinstance(project, str) and isinstance(account, str):
        match = re.search(r"@([a-z0-9-]+)\.iam\.gserviceaccount\.com$", account)
        project = match.group(1) if match else None
    if not isinstance(project, str):
        return
    for role, members in _grants(args):
        if (args.resource_type, role) == PROMOTION_READ:
            continue
        for member in members:
            match = SA_EMAIL.match(member)
            if match and match.group(1) != project:
                report(
                    f"{args.name} grants {role} in project {project} to {member}, an identity "
                    f"of project {match.group(1)}: environments never reach each other",
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
NO_ESCALATION = ResourceValidationPolicy(
    name="no-escalation",
    description="No project-wide role that grants roles, keys, tokens or provider trust.",
    validate=validate_no_escalation,
)
NO_CROSS_ENVIRONMENT_GRANTS = ResourceValidationPolicy(
    name="no-cross-environment-grants",
    description="Grants in an environment's project go only to that project's identities.",
    validate=validate_same_environment,
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

__all__ = [
    "NO_CROSS_ENVIRONMENT_GRANTS",
    "NO_ESCALATION",
    "NO_PRIMITIVE_ROLES",
    "NO_SERVICE_ACCOUNT_KEYS",
    "SECRET_ACCESS_PER_SECRET",
]
