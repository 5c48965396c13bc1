"""Google APIs the stack needs; everything else depends on this component."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_gcp import projects

from components import PROJECT, child_opts

REQUIRED_APIS = (
    "cloudresourcemanager.googleapis.com",  # first: the others are enabled through it
    "serviceusage.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",  # service-account impersonation from GitHub
    "sts.googleapis.com",  # Workload Identity Federation token exchange
    "run.googleapis.com",
    "artifactregistry.googleapis.com",
    "containerscanning.googleapis.com",  # Artifact Registry vulnerability scanning
    "sqladmin.googleapis.com",
    "secretmanager.googleapis.com",
    "monitoring.googleapis.com",
    "logging.googleapis.com",
)
# With tracing on: spans go to the Telemetry API's OTLP endpoint and are kept by Cloud Trace.
TRACING_APIS = ("telemetry.googleapis.com", "cloudtrace.googleapis.com")


@dataclass(frozen=True)
class ApisArgs:
    """Which project gets which APIs."""

    project: str
    services: tuple[str, ...] = REQUIRED_APIS


class Apis(pulumi.ComponentResource):
    """Enables the APIs; `self.enabled` is what other components depend on."""

    def __init__(self, name: str, args: ApisArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{PROJECT}:apis:Apis", name, None, opts)
        first = args.services[0]
        root = self._enable(name, args.project, first, opts, [])
        self.enabled: list[pulumi.Resource] = [root]
        for service in args.services[1:]:
            self.enabled.append(self._enable(name, args.project, service, opts, [root]))
        self.register_outputs({"services": list(args.services)})

    def _enable(
        self,
        name: str,
        project: str,
        service: str,
        opts: pulumi.ResourceOptions | None,
        after: list[pulumi.Resource],
    ) -> projects.Service:
        return projects.Service(
            f"{name}-{service.split('.')[0]}",
            project=project,
            service=service,
            # Destroying a stack must not switch off APIs other workloads in the project use.
            disable_on_destroy=False,
            disable_dependent_services=False,
            opts=child_opts(self, opts, depends_on=after),
        )
