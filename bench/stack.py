"""The prod stack's process shape (workers, threads, pool), so the bench runs what prod runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bench.runtime import REPO

PROD_STACK = REPO / "Pulumi.prod.yaml"


@dataclass(frozen=True)
class ProcessShape:
    workers: int
    threads: int
    pool_max_size: int
    source: str

    @property
    def connection_budget(self) -> int:
        """Per-instance ceiling of server connections: GUNICORN_WORKERS x DB_POOL_MAX_SIZE."""
        return self.workers * self.pool_max_size


def prod_shape(stack_file: Path = PROD_STACK) -> ProcessShape:
    """Read ``django-gcp:gunicorn`` from the prod stack; the contract's defaults otherwise."""
    if not stack_file.exists():
        return ProcessShape(workers=2, threads=8, pool_max_size=8, source="defaults")
    config = (yaml.safe_load(stack_file.read_text()) or {}).get("config", {})
    gunicorn = config.get("django-gcp:gunicorn") or {}
    workers = int(gunicorn.get("workers", 2))
    threads = int(gunicorn.get("threads", 8))
    # DB_POOL_MAX_SIZE defaults to GUNICORN_THREADS in the app (contract).
    pool = int(gunicorn.get("dbPoolSize", threads))
    return ProcessShape(workers, threads, pool, source=f"{stack_file.name} django-gcp:gunicorn")
