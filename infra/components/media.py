"""User uploads: one private bucket per environment, used by the runtime identity only.

Private by construction: uniform bucket-level access (no object ACLs to get wrong) and
public access prevention enforced (an allUsers grant is refused by Cloud Storage itself).
The app reads and writes with the runtime identity's own credentials (no keys) and hands
out V4 signed URLs, signed through the IAM Credentials signBlob API: that needs
serviceAccountTokenCreator, granted on the runtime account itself and to it alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_gcp import projects, serviceaccount, storage

from components import PROJECT, child_opts

S = storage


@dataclass(frozen=True)
class MediaArgs:
    project: str
    region: str
    bucket_name: str
    versioning: bool
    noncurrent_days: int
    nearline_after_days: int | None
    runtime_account: pulumi.Input[str]  # projects/<p>/serviceAccounts/<email>
    runtime_member: pulumi.Input[str]
    deletion_protection: bool


def lifecycle(args: MediaArgs) -> list[S.BucketLifecycleRuleArgs]:
    rules = [
        # Uploads cut off mid-way are never readable but are billed: drop them after a day.
        S.BucketLifecycleRuleArgs(
            action=S.BucketLifecycleRuleActionArgs(type="AbortIncompleteMultipartUpload"),
            condition=S.BucketLifecycleRuleConditionArgs(age=1),
        ),
        S.BucketLifecycleRuleArgs(
            action=S.BucketLifecycleRuleActionArgs(type="Delete"),
            condition=S.BucketLifecycleRuleConditionArgs(
                days_since_noncurrent_time=args.noncurrent_days, with_state="ARCHIVED"
            ),
        ),
    ]
    if args.nearline_after_days is not None:
        rules.append(
            S.BucketLifecycleRuleArgs(
                action=S.BucketLifecycleRuleActionArgs(
                    type="SetStorageClass", storage_class="NEARLINE"
                ),
                condition=S.BucketLifecycleRuleConditionArgs(
                    age=args.nearline_after_days, matches_storage_classes=["STANDARD"]
                ),
            )
        )
    return rules


class MediaBucket(pulumi.ComponentResource):
    def __init__(self, name: str, args: MediaArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{PROJECT}:storage:MediaBucket", name, None, opts)
        api = projects.Service(
            f"{name}-api",
            project=args.project,
            service="storage.googleapis.com",
            disable_on_destroy=False,
            opts=child_opts(self, opts),
        )
        self.bucket = S.Bucket(
            f"{name}-bucket",
            project=args.project,
            name=args.bucket_name,
            location=args.region,
            storage_class="STANDARD",
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            versioning=S.BucketVersioningArgs(enabled=args.versioning),
            lifecycle_rules=lifecycle(args),
            # Uploads are user data: a non-empty bucket is only deleted with protection off.
            force_destroy=not args.deletion_protection,
            labels={"purpose": "media"},
            opts=child_opts(self, opts, depends_on=[api]),
        )
        S.BucketIAMMember(
            f"{name}-runtime-objects",
            bucket=self.bucket.name,
            role="roles/storage.objectAdmin",
            member=args.runtime_member,
            opts=child_opts(self, opts),
        )
        # Signing a URL as itself, nothing more: the grant is on the runtime account only.
        serviceaccount.IAMMember(
            f"{name}-runtime-signs-as-itself",
            service_account_id=args.runtime_account,
            role="roles/iam.serviceAccountTokenCreator",
            member=args.runtime_member,
            opts=child_opts(self, opts),
        )
        self.register_outputs({"bucket": self.bucket.name})


def media_env(bucket_name: str, signed_url_seconds: int) -> dict[str, str]:
    """What the app reads (app/config/settings/platform.py) to put uploads in the bucket."""
    return {
        "DJANGO_MEDIA_BUCKET": bucket_name,
        "DJANGO_MEDIA_URL_SECONDS": str(signed_url_seconds),
    }
