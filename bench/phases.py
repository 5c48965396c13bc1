"""The timed phases. Each alternates app and bare where it compares them, so load
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


def rotation(names: list[str], run: int) -> list[str]:
    """The start order for round ``run``: each name leads in turn, so none is always first."""
    shift = run % len(names)
    return names[shift:] + names[:shift]


def cold_starts(servers: dict[str, Server], runs: int, logs: Path) -> dict[str, list[float]]:
    """Seconds from process start to the first 200 on /health/ready/, ``runs`` each.

    Servers start one at a time, in an order that rotates each round (a start right
    after another process exits can find a warmer or busier machine).
    """
    timings: dict[str, list[float]] = {name: [] for name in servers}
    for run in range(runs + 1):  # run 0 warms the page cache and is discarded
        for name in rotation(list(servers), run):
            template = servers[name]
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
    numerator: str = "app"
    denominator: str = "bare"

    def median_rps(self, name: str) -> float:
        return statistics.median(r[name].requests_per_second for r in self.rounds)

    def median(self, name: str, figure: str) -> float:
        return statistics.median(getattr(r[name], figure) for r in self.rounds)

    @property
    def ratio(self) -> float:
        """Median over rounds of numerator/denominator, each pair measured back to back."""
        return statistics.median(
            r[self.numerator].requests_per_second / r[self.denominator].requests_per_second
            for r in self.rounds
        )

    def as_dict(self) -> list[dict[str, Any]]:
        return [{name: result.as_dict() for name, result in r.items()} for r in self.rounds]


def abba_order(first: str, second: str, rounds: int) -> list[tuple[str, str]]:
    """Pairs in ABBA order: a drift that is linear in time falls on both sides alike."""
    return [(second, first) if index % 2 == 0 else (first, second) for index in range(rounds)]


def paired_load(
    servers: dict[str, Server],
    path: str,
    *,
    rounds: int,
    seconds: int,
    connections: int,
    ready_path: str = "/health/live/",
) -> list[dict[str, LoadResult]]:
    """``path`` on two running-together servers, in ABBA rounds; started and stopped here."""
    first, second = servers
    for server in servers.values():
        server.start()
    try:
        for server in servers.values():
            server.wait_until_ok(ready_path)
        return [
            {
                name: run_load(
                    f"{servers[name].base_url}{path}",
                    connections=connections,
                    seconds=seconds,
                    headers=PROXY_HEADERS,
                )
                for name in order
            }
            for order in abba_order(first, second, rounds)
        ]
    finally:
        for server in servers.values():
            server.stop()


def live_throughput(
    app: Server, bare: Server, *, rounds: int, seconds: int, connections: int
) -> Throughput:
    """/health/live/ on both servers, in ABBA order so a linear drift cancels out."""
    results = paired_load(
        {"app": app, "bare": bare},
        "/health/live/",
        rounds=rounds,
        seconds=seconds,
        connections=connections,
    )
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
