"""Fakes for Google APIs and the Pulumi CLI (the only things ops tests replace)."""

from __future__ import annotations

import json
from collections.abc import Sequence
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


@dataclass
class FakePulumi:
    """A Runner for PulumiStack: records argv, answers `stack output` and `config --json`."""

    outputs_after_up: dict[str, Any] = field(default_factory=dict)
    config: dict[str, str] = field(default_factory=dict)
    fail_on_up: set[int] = field(default_factory=set)  # 1-based indexes of failing `up`s
    calls: list[list[str]] = field(default_factory=list)
    ups: int = 0

    def __call__(self, argv: Sequence[str], capture: bool) -> str:
        import subprocess

        args = list(argv)
        self.calls.append(args)
        verb = args[1:3]
        if verb == ["stack", "output"]:
            return json.dumps(self.outputs_after_up)
        if verb == ["config", "--json"]:
            return json.dumps({k: {"value": v} for k, v in self.config.items()})
        if verb == ["config", "set"]:
            self.config[args[3]] = args[4]
        elif verb == ["config", "rm"]:
            del self.config[args[3]]
        elif args[1] == "up":
            self.ups += 1
            if self.ups in self.fail_on_up:
                raise subprocess.CalledProcessError(255, args)
        return ""

    def traffic_history(self) -> list[dict[str, str]]:
        """The per-deploy config at each `pulumi up` (not tracked: rebuilt from calls)."""
        history, config = [], {}
        for args in self.calls:
            if args[1:3] == ["config", "set"]:
                config[args[3].split(":", 1)[1]] = args[4]
            elif args[1:3] == ["config", "rm"]:
                config.pop(args[3].split(":", 1)[1], None)
            elif args[1] == "up":
                history.append(dict(config))
        return history
