"""StateLocks (what AutomationStack uses for the gs:// backend) against the fake Cloud
Storage JSON API: Pulumi's lock files are seen, the holder record round-trips beside them
(never inside the locks folder), clearing twice is harmless, and a 503 is retried."""

from __future__ import annotations

import json

import pytest

from ops.clients.google_api import GoogleApiError
from ops.clients.pulumi_stack import Holder
from ops.clients.state_locks import StateLocks
from tests.release.harness import Release

LOCK = ".pulumi/locks/organization/django-gcp/prod/6f1c0b9e-0000-4000-8000-000000000001.json"


def test_lock_files_and_the_holder_record(release: Release) -> None:
    locks = StateLocks("gs://acme-pulumi-state", "django-gcp", "prod")
    objects = release.world.objects
    assert not locks.locked()
    assert locks.holder() is None
    holder = Holder(4242, 2, "https://github.com/acme/app/actions/runs/4242")
    locks.record(holder)
    assert json.loads(objects[".pulumi/ci-holders/django-gcp/prod.json"])["run_id"] == 4242
    assert not locks.locked()  # the record is not a lock
    objects[LOCK] = b'{"pid": 7, "username": "runner"}'  # what a killed `pulumi up` leaves
    objects[LOCK.replace("/prod/", "/staging/")] = b"{}"  # another stack's lock
    assert locks.locked()
    assert locks.holder() == holder
    release.world.transient_failures = 2
    locks.clear()
    locks.clear()
    assert locks.holder() is None
    assert release.world.transient_failures == 0


def test_a_prefixed_backend_and_bad_urls(release: Release) -> None:
    locks = StateLocks("gs://acme-pulumi-state/team-a", "django-gcp", "prod")
    release.world.objects["team-a/" + LOCK] = b"{}"
    assert locks.locked()
    with pytest.raises(ValueError, match="expected gs://<bucket>"):
        StateLocks("s3://bucket", "django-gcp", "prod")


def test_errors_other_than_not_found_surface(release: Release) -> None:
    locks = StateLocks("gs://acme-pulumi-state", "django-gcp", "prod")
    release.world.transient_failures = 50  # more than the retries: the API is down
    with pytest.raises(GoogleApiError, match="HTTP 503"):
        locks.holder()
    release.world.transient_failures = 0
