"""Cloud Run: every container image is pinned by digest, so what was tested is what runs."""

from __future__ import annotations

import re

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from .props import walk

RUN_TYPES = re.compile(r"^gcp:cloudrun(v2)?/(service|job|workerPool):")
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
# "containers[0].image" anywhere in the template (service: template.containers, job:
# template.template.containers, v1: template.spec.containers).
IMAGE_PATH = re.compile(r"(^|\.)containers\[\d+\]\.image$")


def validate_images_pinned(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not RUN_TYPES.match(args.resource_type):
        return
    for path, value in walk(args.props):
        if IMAGE_PATH.search(path) and isinstance(value, str) and not DIGEST.search(value):
            report(
                f"{args.name}: {path} = {value!r} is not pinned by digest; deploy "
                "<registry>/<image>@sha256:<digest> (CD sets django-gcp:image to it)",
                None,
            )


IMAGES_PINNED_BY_DIGEST = ResourceValidationPolicy(
    name="cloud-run-images-pinned",
    description="Cloud Run services and jobs run images referenced by @sha256 digest.",
    validate=validate_images_pinned,
)
