"""User uploads (Django's default storage) in the stack's Cloud Storage bucket, if it has one.

The infra's media section sets DJANGO_MEDIA_BUCKET (infra/components/media.py). Objects
are private; `storage.url(name)` is a V4 signed URL valid DJANGO_MEDIA_URL_SECONDS. On
Cloud Run the credentials are the runtime identity's token from the metadata server, which
holds no private key: signing goes through IAM signBlob as that identity (it may sign as
itself only). STORAGE_EMULATOR_HOST (a local emulator) uses anonymous credentials instead.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from config.env import env_int, env_str

BACKEND = "storages.backends.gcloud.GoogleCloudStorage"
V4_MAX_SECONDS = 604_800  # Cloud Storage refuses V4 signatures valid longer than 7 days


def media_storage() -> dict[str, Any] | None:
    """The STORAGES["default"] entry for the bucket, or None without one (local files)."""
    bucket = env_str("DJANGO_MEDIA_BUCKET")
    if not bucket:
        return None
    seconds = env_int("DJANGO_MEDIA_URL_SECONDS", 3600, minimum=60)
    if seconds > V4_MAX_SECONDS:
        raise ImproperlyConfigured(
            f"DJANGO_MEDIA_URL_SECONDS={seconds} is above {V4_MAX_SECONDS} (7 days), the "
            "longest a V4 signed URL may live"
        )
    return {
        "BACKEND": BACKEND,
        "OPTIONS": {
            "bucket_name": bucket,
            "querystring_auth": True,  # private objects: every URL is signed
            "expiration": timedelta(seconds=seconds),
            # Two uploads with the same name never replace each other.
            "file_overwrite": False,
            "iam_sign_blob": not env_str("STORAGE_EMULATOR_HOST"),
        },
    }
