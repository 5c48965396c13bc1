"""The image's size and the container's cold start, when podman can build it here.

Same build as tests/image (the Dockerfile over a local stand-in base, only its FROM lines
substituted) and the same run (runc, the service's environment, PostgreSQL mounted at
/cloudsql/...). Where podman, runc or debootstrap are missing the figures say why not.
"""

from __future__ import annotations

import secrets
import statistics
from typing import Any

from tests.image.builder import (
    build_app,
    build_standin,
    head_commit,
    image_size_mb,
    missing_tools,
    podman,
)
from tests.image.container import run_args, service_env, timed_start
from tests.support.gunicorn import free_port
from tests.support.postgres import PostgresCluster


def measure_image(cluster: PostgresCluster, database: str, *, runs: int) -> dict[str, Any]:
    """Image size (MB, base included) and the median of ``runs`` container cold starts."""
    reason = missing_tools()
    if reason is not None:
        return {"image_skipped": reason}
    build_standin()
    image = build_app(head_commit())
    starts = []
    for _ in range(runs):
        port = free_port()
        name = f"django-gcp-bench-{secrets.token_hex(4)}"
        podman(
            "create",
            "--name",
            name,
            *run_args(service_env(cluster, database, port), cluster),
            image,
        )
        try:
            starts.append(timed_start(name, port))
        finally:
            podman("rm", "--force", name, check=False)
    return {
        "image_mb": image_size_mb(image),
        "image_cold_start_runs": [round(seconds, 4) for seconds in starts],
        "image_cold_start_s": round(statistics.median(starts), 4),
    }
