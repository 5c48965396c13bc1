"""Workload Identity: a GitHub provider trusts one repository by its numeric ids only.

Names (`acme/django-gcp`) can be re-registered after a rename or deletion; the numeric
repository_id and repository_owner_id cannot, so the provider condition pins both.
"""

from __future__ import annotations

import re

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from .props import dig

PROVIDER_TYPE = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"


def _pins(condition: str, claim: str) -> bool:
    pattern = rf"(assertion|attribute)\.{claim}\s*==\s*(['\"])[0-9]+\2"
    return re.search(pattern, condition) is not None


def validate_wif_condition(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != PROVIDER_TYPE:
        return
    if dig(args.props, "oidc.issuerUri") != GITHUB_ISSUER:
        return
    condition = args.props.get("attributeCondition") or ""
    missing = [c for c in ("repository_id", "repository_owner_id") if not _pins(condition, c)]
    if missing:
        report(
            f"{args.name}: attributeCondition {condition!r} must compare {missing} with "
            "numeric ids, e.g. assertion.repository_id == '812345678' && "
            "assertion.repository_owner_id == '91234567'",
            None,
        )
    # An `||` would let a token satisfying either side through, defeating the pin.
    if "||" in condition:
        report(f"{args.name}: attributeCondition must be a conjunction (&&), found '||'", None)


WIF_CONDITION_ON_NUMERIC_IDS = ResourceValidationPolicy(
    name="wif-condition-numeric-ids",
    description="GitHub OIDC providers pin repository_id and repository_owner_id (numeric).",
    validate=validate_wif_condition,
)
