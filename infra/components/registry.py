"""Artifact Registry Docker repository for the service image."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_gcp import artifactregistry

from components import PROJECT, child_opts

_DAY = 86400


@dataclass(frozen=True)
class RegistryArgs:
    """Repository location, retention and who may push."""

    project: str
    region: str
    repository_id: str
    keep_recent: int
    delete_untagged_after_days: int
    writers: tuple[pulumi.Input[str], ...]
    # Downstream deployers that copy images by digest (promotion); images only.
    readers: tuple[pulumi.Input[str], ...] = ()


class Registry(pulumi.ComponentResource):
    """Immutable-tag, scanned repository that cleans up after itself."""

    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{PROJECT}:registry:Registry", name, None, opts)
        self.repository = artifactregistry.Repository(
            f"{name}-repository",
            project=args.project,
            location=args.region,
            repository_id=args.repository_id,
            format="DOCKER",
            description="Django service images, deployed by digest",
            # A tag, once pushed, always means the same image: a commit-sha tag can be trusted.
            docker_config=artifactregistry.RepositoryDockerConfigArgs(immutable_tags=True),
            vulnerability_scanning_config=artifactregistry.RepositoryVulnerabilityScanningConfigArgs(
                enablement_config="INHERITED"
            ),
            cleanup_policy_dry_run=False,
            cleanup_policies=[
                # KEEP wins over DELETE, so recent images (rollback targets) always survive.
                artifactregistry.RepositoryCleanupPolicyArgs(
                    id="keep-recent",
                    action="KEEP",
                    most_recent_versions=artifactregistry.RepositoryCleanupPolicyMostRecentVersionsArgs(
                        keep_count=args.keep_recent
                    ),
                ),
                artifactregistry.RepositoryCleanupPolicyArgs(
                    id="delete-untagged",
                    action="DELETE",
                    condition=artifactregistry.RepositoryCleanupPolicyConditionArgs(
                        tag_state="UNTAGGED",
                        older_than=f"{args.delete_untagged_after_days * _DAY}s",
                    ),
                ),
            ],
            opts=child_opts(self, opts),
        )
        for index, member in enumerate(args.writers):
            artifactregistry.RepositoryIamMember(
                f"{name}-writer-{index}",
                project=args.project,
                location=args.region,
                repository=self.repository.repository_id,
                role="roles/artifactregistry.writer",
                member=member,
                opts=child_opts(self, opts),
            )
        for index, member in enumerate(args.readers):
            artifactregistry.RepositoryIamMember(
                f"{name}-promotion-reader-{index}",
                project=args.project,
                location=args.region,
                repository=self.repository.repository_id,
                role="roles/artifactregistry.reader",
                member=member,
                opts=child_opts(self, opts),
            )
        self.register_outputs({"repository": self.repository.id})
