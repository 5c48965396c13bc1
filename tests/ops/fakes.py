"""Stack outputs and a scripted HTTP session for the ops unit tests (tests/release has the
fakes of the Google APIs served over HTTP)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SERVICE = "django-app"
STABLE = "django-app-aaaaaaaaaaaa-111111"
CANDIDATE = "django-app-bbbbbbbbbbbb-222222"
OLDER = "django-app-cccccccccccc-333333"
IMAGE = "europe-west1-docker.pkg.dev/acme-django-prod/django/app@sha256:" + "b" * 64
OLD_IMAGE = "europe-west1-docker.pkg.dev/acme-django-prod/django/app@sha256:" + "a" * 64


def outputs(**overrides: Any) -> dict[str, Any]:
    """Stack outputs as `pulumi stack output --json` prints them, STABLE serving 100%."""
    base: dict[str, Any] = {
        "projectId": "acme-django-prod",
        "region": "europe-west1",
        "serviceName": SERVICE,
        "serviceUrl": "https://django-app-161803398874.europe-west1.run.app",
        "candidateUrl": "https://candidate---django-app-161803398874.europe-west1.run.app",
        "registryPath": "europe-west1-docker.pkg.dev/acme-django-prod/django",
        "image": OLD_IMAGE,
        "latestRevision": STABLE,
        "traffic": [
            {"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100},
            {
                "type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION",
                "percent": 0,
                "revision": STABLE,
                "tag": "candidate",
            },
        ],
        "migrationJobName": "django-app-migrate",
        "workloadIdentityProvider": "projects/161803398874/locations/global/"
        "workloadIdentityPools/github-actions/providers/github",
        "deployerServiceAccount": "deployer@acme-django-prod.iam.gserviceaccount.com",
        "previewerServiceAccount": "previewer@acme-django-prod.iam.gserviceaccount.com",
        "dbInstanceName": "django-app-pg",
        "dbConnectionName": "acme-django-prod:europe-west1:django-app-pg",
        "rolloutSteps": [10, 50, 100],
        "errorRateThreshold": 0.01,
        "latencyP95ThresholdMs": 1000,
    }
    base.update(overrides)
    return base


def candidate_outputs() -> dict[str, Any]:
    """After the candidate phase: CANDIDATE exists at 0%, STABLE keeps 100%."""
    return outputs(
        image=IMAGE,
        latestRevision=CANDIDATE,
        traffic=[
            {"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION", "percent": 100, "revision": STABLE},
            {
                "type": "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION",
                "percent": 0,
                "revision": CANDIDATE,
                "tag": "candidate",
            },
        ],
    )


def write_json(path: Path, data: dict[str, Any]) -> str:
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


@dataclass
class FakeResponse:
    status_code: int = 200
    payload: Any = None

    @property
    def text(self) -> str:
        return "" if self.payload is None else json.dumps(self.payload)

    def json(self) -> Any:
        if self.payload is None:
            raise ValueError("no body")
        return self.payload


@dataclass
class FakeSession:
    """Answers requests from a script of (method, url substring, response) in order."""

    script: list[tuple[str, str, FakeResponse]]
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def request(self, method: str, url: str, **kwargs: Any) -> FakeResponse:
        self.calls.append((method, url, kwargs))
        if not self.script:
            raise AssertionError(f"unexpected request {method} {url}")
        want_method, want_url, response = self.script.pop(0)
        assert (method, want_url in url) == (want_method, True), (method, url, want_url)
        return response
