"""The media bucket under mocks: private by construction, used by the runtime identity only."""

from __future__ import annotations

import pytest

from components.media import media_env
from mock_run import ProgramRun, run_program

BUCKET = "gcp:storage/bucket:Bucket"
BUCKET_IAM = "gcp:storage/bucketIAMMember:BucketIAMMember"
SA_IAM = "gcp:serviceaccount/iAMMember:IAMMember"
RUNTIME = "serviceAccount:django-app-runtime@acme-django-{stack}.iam.gserviceaccount.com"


@pytest.fixture(scope="module")
def prod_media() -> ProgramRun:
    return run_program("prod", {"media": {"enabled": True, "nearlineAfterDays": 90}})


def test_committed_stacks_have_a_bucket_exactly_when_they_turn_media_on(
    runs: dict[str, ProgramRun],
):
    for run in runs.values():
        on = run.outputs["capabilities"]["media"] is not None
        assert len(run.of_type(BUCKET)) == (1 if on else 0), run.stack
        assert ("mediaBucket" in run.outputs) is on


def test_bucket_is_private_versioned_and_cleaned_up(prod_media: ProgramRun):
    (bucket,) = prod_media.of_type(BUCKET)
    inputs = bucket.inputs
    assert inputs["name"] == "acme-django-prod-media"
    assert inputs["location"] == "europe-west1"
    assert inputs["uniformBucketLevelAccess"] is True
    assert inputs["publicAccessPrevention"] == "enforced"
    assert inputs["versioning"] == {"enabled": True}
    assert inputs["forceDestroy"] is False  # prod: deletion protection on
    rules = {rule["action"]["type"]: rule["condition"] for rule in inputs["lifecycleRules"]}
    assert rules["AbortIncompleteMultipartUpload"] == {"age": 1}
    assert rules["Delete"] == {"daysSinceNoncurrentTime": 30, "withState": "ARCHIVED"}
    assert rules["SetStorageClass"] == {"age": 90, "matchesStorageClasses": ["STANDARD"]}
    assert prod_media.outputs["mediaBucket"] == "acme-django-prod-media"


def test_only_the_runtime_identity_gets_the_bucket_and_signs_as_itself(prod_media: ProgramRun):
    runtime = RUNTIME.format(stack="prod")
    grants = [g.inputs for g in prod_media.of_type(BUCKET_IAM)]
    assert grants == [
        {"bucket": "acme-django-prod-media", "role": "roles/storage.objectAdmin", "member": runtime}
    ]
    signers = [g.inputs for g in prod_media.of_type(SA_IAM)
               if g.inputs["role"] == "roles/iam.serviceAccountTokenCreator"
               and g.inputs["member"] == runtime]  # fmt: skip
    assert [s["serviceAccountId"] for s in signers] == [
        "projects/acme-django-prod/serviceAccounts/"
        "django-app-runtime@acme-django-prod.iam.gserviceaccount.com"
    ]
    # Nobody else is handed the bucket (no allUsers, no project-wide storage role).
    assert not [
        r for r in prod_media.resources if str(r.inputs.get("role", "")).startswith("roles/storage")
        and r.type != BUCKET_IAM
    ]  # fmt: skip


def test_dev_bucket_name_and_rules_follow_the_stack():
    media = {"enabled": True, "bucketName": "acme-dev-uploads", "versioning": False,
             "noncurrentDays": 3}  # fmt: skip
    run = run_program("dev", {"media": media})
    (bucket,) = run.of_type(BUCKET)
    assert bucket.inputs["name"] == "acme-dev-uploads"
    assert bucket.inputs["versioning"] == {"enabled": False}
    types = [rule["action"]["type"] for rule in bucket.inputs["lifecycleRules"]]
    assert types == ["AbortIncompleteMultipartUpload", "Delete"]  # no NEARLINE unless asked


def test_app_environment_for_the_bucket():
    assert media_env("b", 600) == {"DJANGO_MEDIA_BUCKET": "b", "DJANGO_MEDIA_URL_SECONDS": "600"}
