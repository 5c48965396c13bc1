"""Cloud Run Admin API v2 through the official client (google-cloud-run), REST transport.

Only what the release reads or starts: a service's live traffic, its revisions, and the
migration job's executions. Every call retries transient errors with backoff
(ops.clients.retry); long-running operations are not awaited here: callers poll the
execution with their own deadline (the job's timeout, not the client's).
"""

from __future__ import annotations

from dataclasses import dataclass

from google.cloud import run_v2

from ops.clients.endpoints import Endpoint, credentials, endpoint
from ops.clients.retry import Backoff, api_retry

_TRAFFIC_TYPES = {1: "LATEST", 2: "REVISION"}


@dataclass(frozen=True)
class Split:
    revision: str
    percent: int


@dataclass(frozen=True)
class ServiceState:
    traffic: tuple[Split, ...]  # resolved revisions with percent > 0
    latest_ready: str | None
    uri: str

    @property
    def split(self) -> bool:
        return len(self.traffic) > 1


@dataclass(frozen=True)
class RevisionInfo:
    name: str
    create_time: str
    failed: bool


@dataclass(frozen=True)
class ExecutionState:
    name: str
    done: bool
    succeeded: int
    failed: int
    cancelled: int
    log_uri: str


def _short(name: str) -> str:
    return name.rsplit("/", 1)[-1]


class CloudRun:
    """One project/region. ``where``/``backoff`` are for the local fake in tests."""

    def __init__(
        self, project: str, region: str, *, where: Endpoint | None = None,
        backoff: Backoff | None = None,
    ) -> None:  # fmt: skip
        where = where or endpoint("run")
        options = {"credentials": credentials(where), "transport": "rest",
                   "client_options": where.client_options()}  # fmt: skip
        self._services = run_v2.ServicesClient(**options)
        self._revisions = run_v2.RevisionsClient(**options)
        self._jobs = run_v2.JobsClient(**options)
        self._executions = run_v2.ExecutionsClient(**options)
        self._parent = f"projects/{project}/locations/{region}"
        self._retry = api_retry(backoff)

    def service(self, name: str) -> ServiceState:
        found = self._services.get_service(
            name=f"{self._parent}/services/{name}", retry=self._retry
        )
        latest = _short(found.latest_ready_revision) if found.latest_ready_revision else None
        splits = []
        for status in found.traffic_statuses:
            kind = _TRAFFIC_TYPES.get(int(status.type_), "")
            revision = latest if kind == "LATEST" else status.revision
            if revision and status.percent > 0:
                splits.append(Split(revision, int(status.percent)))
        return ServiceState(tuple(splits), latest, found.uri)

    def revisions(self, service: str) -> list[RevisionInfo]:
        """Newest first."""
        pages = self._revisions.list_revisions(
            parent=f"{self._parent}/services/{service}", retry=self._retry
        )
        found = []
        for item in pages:
            failed = any(c.type_ == "Ready" and int(c.state) == 3 for c in item.conditions)
            created = item.create_time.isoformat() if item.create_time else ""  # type: ignore[union-attr]
            found.append(RevisionInfo(_short(item.name), created, failed))
        return sorted(found, key=lambda r: r.create_time, reverse=True)

    def job_limits(self, job: str) -> tuple[int, int]:
        """(task timeout seconds, max retries) as the job is configured now; an execution
        may run (retries + 1) x timeout before Cloud Run gives up on it."""
        found = self._jobs.get_job(name=f"{self._parent}/jobs/{job}", retry=self._retry)
        task = found.template.template
        timeout = task.timeout.total_seconds() if task.timeout else 0  # pyright: ignore[reportAttributeAccessIssue]
        return int(timeout), int(task.max_retries)

    def start_job(self, job: str) -> str:
        """Start an execution; returns its full name. The operation is not awaited."""
        operation = self._jobs.run_job(name=f"{self._parent}/jobs/{job}", retry=self._retry)
        metadata = operation.metadata
        if metadata is None or not metadata.name:
            raise RuntimeError(f"jobs.run for {job} returned no execution name")
        return str(metadata.name)

    def execution(self, name: str) -> ExecutionState:
        found = self._executions.get_execution(name=name, retry=self._retry)
        return ExecutionState(
            name=_short(found.name), done=found.completion_time is not None,
            succeeded=found.succeeded_count, failed=found.failed_count,
            cancelled=found.cancelled_count, log_uri=found.log_uri,
        )  # fmt: skip
