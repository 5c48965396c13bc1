"""The state behind the fake Google APIs: Cloud Run services, revisions, jobs, traffic
history, and the requests each revision served, all on one injected clock.

Real semantics the release depends on: a revision name is immutable (a different template
under an existing name is a 409 conflict, as Cloud Run answers), executions take time,
metrics become visible only ``ingestion_delay`` seconds after they happen, and the next
``transient_failures`` API calls answer 503. Each SLO's error budget left is a scripted
timeline (``slo_budgets``), also visible only after the ingestion delay.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


class ConflictError(Exception):
    """Cloud Run: 409 ALREADY_EXISTS / FAILED_PRECONDITION on a changed immutable revision."""


class FakeClock:
    def __init__(self, start: float = 1_900_000_000.0) -> None:
        self.now_value = start

    def now(self) -> float:
        return self.now_value

    def sleep(self, seconds: float) -> None:
        self.now_value += seconds

    def monotonic(self) -> float:
        return self.now_value


@dataclass
class Revision:
    name: str
    fingerprint: str
    image: str
    commit: str
    created: float


@dataclass
class Service:
    name: str
    revisions: dict[str, Revision] = field(default_factory=dict)
    traffic: list[dict] = field(default_factory=list)  # {revision, percent, tag}
    latest: str = ""
    history: list[tuple[float, dict[str, int]]] = field(default_factory=list)


@dataclass
class Execution:
    name: str
    job: str
    commit: str
    started: float
    duration: float
    fails: bool


@dataclass
class World:
    clock: FakeClock
    project: str = "acme-django-prod"
    region: str = "europe-west1"
    requests_per_second: float = 2.0
    ingestion_delay: float = 180.0
    error_rate_by_commit: dict[str, float] = field(default_factory=dict)
    stable_error_rate: float = 0.0  # applied to every revision but the newest
    migration_seconds: float = 120.0
    failing_migrations: set[str] = field(default_factory=set)
    broken_smoke: set[str] = field(default_factory=set)
    private_services: dict[str, str] = field(default_factory=dict)  # name -> ID token audience
    transient_failures: int = 0
    transient_on: dict[str, int] = field(default_factory=dict)  # path fragment -> 503s left
    transient_log: list[str] = field(default_factory=list)
    services: dict[str, Service] = field(default_factory=dict)
    jobs: dict[str, str] = field(default_factory=dict)  # job -> commit of its image
    job_specs: dict[str, dict] = field(default_factory=dict)  # job -> task timeout, retries
    executions: dict[str, Execution] = field(default_factory=dict)
    backup_seconds: float = 300.0
    backups: dict[str, tuple[str, float]] = field(default_factory=dict)  # op -> instance, t
    objects: dict[str, bytes] = field(default_factory=dict)  # the state bucket
    # SLO name -> [(since epoch, fraction of the error budget left)], in time order
    slo_budgets: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    # SLOs some `pulumi up` created: a new SLO starts with its whole budget (1.0). Created
    # once, as Pulumi does; one deleted by hand afterwards (slo_budgets cleared) stays gone.
    created_slos: set[str] = field(default_factory=set)
    api_calls: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_transient(self, path: str = "") -> bool:
        with self.lock:
            for fragment, left in self.transient_on.items():
                if fragment in path and left > 0:
                    self.transient_on[fragment] = left - 1
                    self.transient_log.append(path)
                    return True
            if self.transient_failures > 0:
                self.transient_failures -= 1
                self.transient_log.append(path)
                return True
            return False

    # -- what the Pulumi stand-in applies ------------------------------------------------
    def apply_service(self, name: str, revision: Revision, traffic: list[dict]) -> None:
        service = self.services.setdefault(name, Service(name))
        existing = service.revisions.get(revision.name)
        if existing and existing.fingerprint != revision.fingerprint:
            raise ConflictError(f"Revision named '{revision.name}' with different configuration "
                           "already exists.")  # fmt: skip
        if not existing:
            service.revisions[revision.name] = revision
        service.latest = revision.name
        resolved = []
        for entry in traffic:
            target = entry.get("revision") or revision.name
            if target not in service.revisions:
                raise ConflictError(f"Revision '{target}' does not exist.")
            percent = int(entry.get("percent") or 0)
            resolved.append({"revision": target, "percent": percent, "tag": entry.get("tag") or ""})
        service.traffic = resolved
        shares: dict[str, int] = {}
        for entry in resolved:
            if entry["percent"] > 0:
                shares[entry["revision"]] = shares.get(entry["revision"], 0) + entry["percent"]
        service.history.append((self.clock.now(), shares))

    def apply_job(self, name: str, commit: str, timeout: str = "600s", retries: int = 0) -> None:
        self.jobs[name] = commit
        self.job_specs[name] = {"timeout": timeout, "maxRetries": retries}

    def start_execution(self, job: str) -> Execution:
        commit = self.jobs[job]
        name = f"{job}-{len(self.executions) + 1:05d}"
        execution = Execution(name, job, commit, self.clock.now(), self.migration_seconds,
                              commit in self.failing_migrations)  # fmt: skip
        self.executions[name] = execution
        return execution

    # -- traffic and metrics --------------------------------------------------------------
    def shares_now(self, service: str) -> dict[str, int]:
        history = self.services[service].history
        return history[-1][1] if history else {}

    def served(self, service: str, revision: str, start: float, end: float) -> tuple[int, int]:
        """(requests, 5xx) the revision served in [start, end), as far as ingested."""
        end = min(end, self.clock.now() - self.ingestion_delay)
        found = self.services.get(service)
        if found is None or end <= start:
            return 0, 0
        total = 0.0
        history = found.history
        for index, (since, shares) in enumerate(history):
            until = history[index + 1][0] if index + 1 < len(history) else end
            lo, hi = max(since, start), min(until, end)
            if hi > lo:
                total += (hi - lo) * self.requests_per_second * shares.get(revision, 0) / 100
        requests = int(total + 1e-9)
        rev = found.revisions.get(revision)
        rate = self.error_rate_by_commit.get(rev.commit, 0.0) if rev else 0.0
        if rev and revision != found.latest:
            rate = max(rate, self.stable_error_rate)
        return requests, int(requests * rate + 0.5)

    def create_slo(self, name: str) -> None:
        if name not in self.created_slos:
            self.created_slos.add(name)
            self.slo_budgets.setdefault(name, [(0.0, 1.0)])

    def budget_points(self, slo: str, start: float, end: float) -> list[tuple[float, float]]:
        """One (time, budget left) a minute in [start, end] as far as ingested, newest first,
        as timeSeries.list answers; nothing before the timeline's first entry."""
        timeline = self.slo_budgets[slo]
        end = min(end, self.clock.now() - self.ingestion_delay)
        points, t = [], end
        while t >= start:
            known = [value for since, value in timeline if since <= t]
            if not known:
                break
            points.append((t, known[-1]))
            t -= 60
        return points
