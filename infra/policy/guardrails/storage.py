"""Cloud Storage and the front door: no public buckets; Cloud Armor on every backend.

Buckets hold user uploads (components/media.py): public access prevention must be enforced
(Cloud Storage then refuses any public grant itself) and no IAM binding or ACL may name
allUsers/allAuthenticatedUsers. A backend service is only ever the front door's: without a
security policy it would take traffic past the WAF and the per-client throttle.
"""

from __future__ import annotations

import json
from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

BUCKET = "gcp:storage/bucket:Bucket"
PUBLIC = ("allUsers", "allAuthenticatedUsers")
# Bucket grants by member(s), by whole policy document, and object/bucket ACL entities.
MEMBER_TYPES = ("gcp:storage/bucketIAMMember:BucketIAMMember",)
MEMBERS_TYPES = ("gcp:storage/bucketIAMBinding:BucketIAMBinding",)
POLICY_TYPES = ("gcp:storage/bucketIAMPolicy:BucketIAMPolicy",)
ACL_TYPES = (
    "gcp:storage/bucketAccessControl:BucketAccessControl",
    "gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl",
    "gcp:storage/objectAccessControl:ObjectAccessControl",
)
BACKEND = "gcp:compute/backendService:BackendService"


def _public_members(args: ResourceValidationArgs) -> list[str]:
    props: Any = args.props
    typ = args.resource_type
    if typ in MEMBER_TYPES:
        members = [props.get("member", "")]
    elif typ in MEMBERS_TYPES:
        members = list(props.get("members") or [])
    elif typ in POLICY_TYPES:
        document = json.loads(props.get("policyData") or "{}")
        members = [m for b in document.get("bindings", []) for m in b.get("members", [])]
    elif typ in ACL_TYPES:
        members = [str(props.get("entity", ""))]
    else:
        return []
    return [m for m in members if any(m == p or m.startswith(p) for p in PUBLIC)]


def validate_no_public_buckets(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == BUCKET:
        prevention = args.props.get("publicAccessPrevention")
        if prevention != "enforced":
            report(
                f"{args.name}: publicAccessPrevention = {prevention!r}; set it to 'enforced' "
                "(objects are served through signed URLs, never publicly)",
                None,
            )
        if args.props.get("uniformBucketLevelAccess") is not True:
            report(f"{args.name}: uniformBucketLevelAccess must be true (no object ACLs)", None)
    for member in _public_members(args):
        report(
            f"{args.name}: grants {member} on a bucket; buckets are private (hand out signed "
            "URLs, or grant a named identity)",
            None,
        )


def validate_armor_attached(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == BACKEND and not args.props.get("securityPolicy"):
        report(
            f"{args.name}: a backend service without a Cloud Armor securityPolicy bypasses the "
            "WAF and the per-client throttle; attach the front door's policy",
            None,
        )


NO_PUBLIC_BUCKETS = ResourceValidationPolicy(
    name="no-public-buckets",
    description="Buckets enforce public access prevention; no grant or ACL names allUsers.",
    validate=validate_no_public_buckets,
)
ARMOR_ON_EVERY_BACKEND = ResourceValidationPolicy(
    name="armor-on-every-backend",
    description="Every load balancer backend service has a Cloud Armor policy attached.",
    validate=validate_armor_attached,
)
