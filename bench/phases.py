"""The three timed phases. Each alternates app and bare where it compares them, so load
from anything else on the machine (it is shared) drifts onto both sides alike."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.load import LoadResult, run_load
from bench.pgstat import ConnectionSampler
from bench.server import Server

# Cloud Run's front end terminates TLS and says so in this header; the app trusts it.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def cold_starts(app: Server, bare: Server, runs: int, logs: Path) -> dict[str, list[float]]:
    """Seconds from process start to the first 200 on /health/ready/, ``runs`` each."""
    timings: dict[str, list[float]] = {"app": [], "bare": []}
    for run in range(runs + 1):  # run 0 warms the page cache and is discarded
        for name, template in (("app", app), ("bare", bare)):
            server = Server(
                template.command, template.cwd, template.env, log_path=logs / f"{name}.log"
            )
            try:
                seconds = server.start().wait_until_ok()
            finally:
                server.stop()
            if run:
                timings[name].append(seconds)
    return timings


@dataclass(frozen=True)
class Throughput:
    rounds: list[dict[str, LoadResult]]

    def median_rps(self, name: str) -> float:
        return statistics.median(r[name].requests_per_second for r in self.rounds)

    @property
    def ratio(self) -> float:
        """Median over rounds of app/bare, each round's pair measured back to back."""
        return statistics.median(
            r["app"].requests_per_second / r["bare"].requests_per_second for r in self.rounds
        )

    def as_dict(self) -> list[dict[str, Any]]:
        return [{name: result.as_dict() for name, result in r.items()} for r in self.rounds]


def live_throughput(
    app: Server, bare: Server, *, rounds: int, seconds: int, connections: int
) -> Throughput:
    """/health/live/ on both servers, in ABBA order so a linear drift cancels out."""
    servers = {"app": app.start(), "bare": bare.start()}
    try:
        for server in servers.values():
            server.wait_until_ok("/health/live/")
        results = []
        for index in range(rounds):
            order = ("bare", "app") if index % 2 == 0 else ("app", "bare")
            results.append(
                {
                    name: run_load(
                        f"{servers[name].base_url}/health/live/",
                        connections=connections,
                        seconds=seconds,
                        headers=PROXY_HEADERS,
                    )
                    for name in order
                }
            )
    finally:
        for server in servers.values():
            server.stop()
    return Throughput(results)


def db_page(
    app: Server, path: str, *, connections: int, seconds: int, conninfo: str, database: str
) -> tuple[LoadResult, ConnectionSampler]:
    """``path`` at ``connections`` for ``seconds`` while pg_stat_activity is sampled."""
    app.start().wait_until_ok()
    try:
        status = app.status(path, PROXY_HEADERS)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}, not 200: choose --db-path")
        with ConnectionSampler(conninfo, database) as sampler:
            result = run_load(
                f"{app.base_url}{path}",
                connections=connections,
                seconds=seconds,
                headers=PROXY_HEADERS,
            )
    finally:
        app.stop()
    return result, sampler
