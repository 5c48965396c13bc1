"""Cloud SQL: TLS only, no IP allowlists; prod keeps deletion protection, backups and PITR."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from .props import DEFAULT_PROD_STACKS, dig, stack_of

INSTANCE_TYPE = "gcp:sql/databaseInstance:DatabaseInstance"
ENCRYPTED_MODES = ("ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED")


def validate_encrypted_no_networks(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != INSTANCE_TYPE:
        return
    ip = dig(args.props, "settings.ipConfiguration", {}) or {}
    mode = ip.get("sslMode")
    if mode not in ENCRYPTED_MODES:
        report(
            f"{args.name}: settings.ipConfiguration.sslMode is {mode!r}; must be one of "
            f"{ENCRYPTED_MODES} so no client connects in plain text",
            None,
        )
    networks = ip.get("authorizedNetworks") or []
    if networks:
        report(
            f"{args.name}: settings.ipConfiguration.authorizedNetworks must be empty (found "
            f"{len(networks)}); connect through the Cloud SQL connector with IAM instead",
            None,
        )


def validate_prod_protected(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != INSTANCE_TYPE:
        return
    prod_stacks = args.get_config().get("prodStacks", list(DEFAULT_PROD_STACKS))
    if stack_of(args.urn) not in prod_stacks:
        return
    required = {
        "deletionProtection": True,
        "settings.deletionProtectionEnabled": True,
        "settings.backupConfiguration.enabled": True,
        "settings.backupConfiguration.pointInTimeRecoveryEnabled": True,
    }
    if dig(args.props, "masterInstanceName"):
        # A read replica (disasterRecovery) cannot have backups or PITR of its own: Cloud
        # SQL takes them on the primary, which this policy checks. Protection still applies.
        required = {key: value for key, value in required.items() if "backup" not in key}
    for path, wanted in required.items():
        actual = dig(args.props, path)
        if actual is not wanted:
            report(
                f"{args.name}: {path} is {actual!r} in prod stack {stack_of(args.urn)!r}; "
                f"must be {wanted!r} (prod data must survive a bad change)",
                None,
            )


CLOUD_SQL_ENCRYPTED_NO_NETWORKS = ResourceValidationPolicy(
    name="cloud-sql-encrypted-no-networks",
    description="Cloud SQL accepts only encrypted connections and has no authorized networks.",
    validate=validate_encrypted_no_networks,
)
PROD_DATABASE_PROTECTED = ResourceValidationPolicy(
    name="prod-database-protected",
    description="Prod Cloud SQL keeps both deletion protections, backups and PITR on.",
    validate=validate_prod_protected,
)
