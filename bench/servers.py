"""gunicorn gthread against granian (WSGI), same app, same process shape, interleaved.

``python -m bench --servers`` (``make bench BENCH_ARGS=--servers``) adds this phase. Both
servers run from one venv (the runtime set plus the ``bench`` group, which only adds
granian) and the same copy of the image's /app, so only the server differs. Figures:
cold start, /health/live/ and ``/`` at c=80 (ABBA rounds), SIGTERM with requests in
flight (time to exit; did they complete), and whether every log line is JSON.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

from bench import phases
from bench.server import Server
from tests.drills.traffic import get

# Cloud Run SIGKILLs 10 s after SIGTERM; gunicorn's graceful_timeout is 8 (config/gunicorn.py)
# and granian gets the same bound (it waits for its workers without limit unless told).
KILL_TIMEOUT_S = 8
CLOUD_RUN_SIGKILL_AFTER_S = 10.0
# The drill's way to hold a request in flight without test-only code: GET / reads this table.
LOCKED_TABLE = "core_currency"


def granian_command(
    *, workers: int, threads: int, log_config: Path, target: str = "config.wsgi:application"
) -> list[str]:
    """granian serving the app's WSGI callable in the prod shape (workers x threads)."""
    return [
        "granian",
        "--interface",
        "wsgi",
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--workers-kill-timeout",
        str(KILL_TIMEOUT_S),
        "--log-config",
        str(log_config),
        # The app writes one JSON request line itself, as under gunicorn.
        "--no-access-log",
        target,
    ]


def granian_log_config() -> dict[str, Any]:
    """granian's own loggers through the app's JSON formatter, as config/gunicorn.py does."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "core.logging.JsonFormatter"}},
        "handlers": {"console": handler},
        "loggers": {
            "_granian": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "granian.access": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        },
    }


@dataclass(frozen=True)
class LogCensus:
    """What a server wrote: JSON lines (request lines among them) and anything else."""

    json_lines: int
    request_lines: int
    other_lines: int
    other_samples: list[str] = field(default_factory=list)

    @property
    def all_json(self) -> bool:
        return self.other_lines == 0 and self.json_lines > 0


def log_census(text: str, *, samples: int = 3) -> LogCensus:
    json_lines = request_lines = other = 0
    seen: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if isinstance(record, dict):
            json_lines += 1
            request_lines += "httpRequest" in record
            continue
        other += 1
        if len(seen) < samples:
            seen.append(line[:200])
    return LogCensus(json_lines, request_lines, other, seen)


@dataclass(frozen=True)
class Drain:
    """SIGTERM with ``in_flight`` requests held in the database for ``hold_s`` after it."""

    hold_s: float
    exit_s: float
    exit_code: int | None
    killed: bool
    completed: int
    outcomes: list[str]

    @property
    def bounded(self) -> bool:
        return not self.killed and self.exit_s < CLOUD_RUN_SIGKILL_AFTER_S


def _waiting_on_locks(observer: psycopg.Connection, database: str) -> int:
    row = observer.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
        (database,),
    ).fetchone()
    return int(row[0]) if row else 0


def _wait_for_exit(process: subprocess.Popen[bytes], until: float) -> float | None:
    while time.perf_counter() < until:
        if process.poll() is not None:
            return time.perf_counter()
        time.sleep(0.01)
    return None


def sigterm_drain(
    server: Server, *, conninfo: str, database: str, in_flight: int, hold_s: float
) -> Drain:
    """Start ``server``, hold ``in_flight`` GET / in a table lock, SIGTERM, let go after
    ``hold_s``; SIGKILL 15 s after the SIGTERM if it is still running."""
    server.start().wait_until_ok()
    process = server.process
    if process is None:
        raise RuntimeError("the server did not start")
    with (
        psycopg.connect(make_conninfo(conninfo, dbname=database)) as locker,
        psycopg.connect(conninfo, autocommit=True) as observer,
        ThreadPoolExecutor(in_flight) as pool,
    ):
        locker.execute(f"LOCK TABLE {LOCKED_TABLE} IN ACCESS EXCLUSIVE MODE")
        requests = [pool.submit(get, server.port, "/") for _ in range(in_flight)]
        deadline = time.perf_counter() + 10
        while _waiting_on_locks(observer, database) < in_flight:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{server.command[0]}: the held requests never reached the DB")
            time.sleep(0.02)
        signalled = time.perf_counter()
        process.send_signal(signal.SIGTERM)
        exited = _wait_for_exit(process, signalled + hold_s)
        locker.rollback()
        if exited is None:
            exited = _wait_for_exit(process, signalled + 15)
        killed = exited is None
        if killed:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            exited = time.perf_counter()
        outcomes = [request.result() for request in requests]
    return Drain(
        hold_s=hold_s,
        exit_s=round(exited - signalled, 3),
        exit_code=process.returncode,
        killed=killed,
        completed=sum(o.status == 200 and b"USD" in o.body for o in outcomes),
        outcomes=[o.label for o in outcomes],
    )


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 4)


def compare(
    servers: dict[str, Server],
    *,
    logs: Path,
    runs: int,
    live: dict[str, int],
    db: dict[str, int],
    conninfo: str,
    database: str,
) -> dict[str, Any]:
    """Every figure of the comparison; ``servers`` is {"gunicorn": ..., "granian": ...}."""
    for name in servers:
        (logs / f"{name}.log").write_bytes(b"")
    named = {
        name: Server(s.command, s.cwd, s.env, log_path=logs / f"{name}.log")
        for name, s in servers.items()
    }
    print(f"servers: cold starts, {runs} each", flush=True)
    cold = phases.cold_starts(named, runs, logs)
    print("servers: /health/live/", flush=True)
    live_rounds = phases.paired_load(
        named,
        "/health/live/",
        rounds=live["rounds"],
        seconds=live["seconds"],
        connections=live["connections"],
    )
    print(f"servers: / at c={db['connections']}", flush=True)
    db_rounds = phases.paired_load(
        named,
        "/",
        rounds=db["rounds"],
        seconds=db["seconds"],
        connections=db["connections"],
        ready_path="/health/ready/",
    )
    drains: dict[str, list[Drain]] = {}
    for name, server in named.items():
        print(f"servers: SIGTERM drain, {name}", flush=True)
        # Held requests must wait for the lock, not give up at the web default of 2 s.
        held = Server(
            server.command,
            server.cwd,
            server.env | {"DB_LOCK_TIMEOUT_MS": "30000"},
            log_path=server.log_path,
        )
        drains[name] = [
            sigterm_drain(held, conninfo=conninfo, database=database, in_flight=4, hold_s=hold)
            for hold in (1.0, 12.0)
        ]
    result: dict[str, Any] = {"commands": {name: s.command for name, s in named.items()}}
    for name in named:
        text = (logs / f"{name}.log").read_text(errors="replace")
        census = log_census(text)
        result[name] = {
            "cold_start_runs": cold[name],
            "cold_start_s": _median(cold[name]),
            "live_rps": _median([r[name].requests_per_second for r in live_rounds]),
            "db_rps": _median([r[name].requests_per_second for r in db_rounds]),
            "db_p50_ms": _median([r[name].p50_ms for r in db_rounds]),
            "db_p99_ms": _median([r[name].p99_ms for r in db_rounds]),
            "db_errors": sum(r[name].errors for r in db_rounds),
            "drains": [asdict(d) | {"bounded": d.bounded} for d in drains[name]],
            "logs": asdict(census) | {"all_json": census.all_json},
            # granian's words when its kill timeout ends a worker's graceful stop (seen on
            # plain stops with nothing in flight, not only in the drain).
            "forced_worker_kills": text.count("refused to gracefully stop"),
        }
    first, second = named
    result["ratios"] = {
        f"live_rps_{second}_over_{first}": _ratio(
            live_rounds, second, first, "requests_per_second"
        ),
        f"db_rps_{second}_over_{first}": _ratio(db_rounds, second, first, "requests_per_second"),
        f"db_p99_{second}_over_{first}": _ratio(db_rounds, second, first, "p99_ms"),
        f"cold_start_{second}_over_{first}": round(
            statistics.median(b / a for a, b in zip(cold[first], cold[second], strict=True)), 2
        ),
    }
    result["rounds"] = {
        "live": [{n: r.as_dict() for n, r in pair.items()} for pair in live_rounds],
        "db": [{n: r.as_dict() for n, r in pair.items()} for pair in db_rounds],
    }
    return result


def _ratio(rounds: list[dict[str, Any]], top: str, bottom: str, figure: str) -> float:
    """Median of per-round ratios (each pair ran back to back)."""
    return round(
        statistics.median(getattr(r[top], figure) / getattr(r[bottom], figure) for r in rounds),
        2,
    )


def render(comparison: dict[str, Any]) -> str:
    names = [name for name in comparison["commands"]]
    rows = [
        ("cold start median", lambda s: f"{s['cold_start_s'] * 1000:.0f} ms"),
        ("/health/live/ req/s", lambda s: f"{s['live_rps']:.0f}"),
        ("/ at c=80: req/s", lambda s: f"{s['db_rps']:.0f}"),
        ("/ at c=80: p50 / p99", lambda s: f"{s['db_p50_ms']:.0f} / {s['db_p99_ms']:.0f} ms"),
        ("/ at c=80: errors", lambda s: str(s["db_errors"])),
    ]
    lines = [f"{'server comparison':<34}" + "".join(f"{n:>20}" for n in names)]
    lines.append("-" * len(lines[0]))
    for label, shown in rows:
        lines.append(f"{label:<34}" + "".join(f"{shown(comparison[n]):>20}" for n in names))
    for index in range(2):
        hold = comparison[names[0]]["drains"][index]["hold_s"]
        label = f"SIGTERM, {hold:g} s in flight: exit"

        def drained(s: dict[str, Any], i: int = index) -> str:
            d = s["drains"][i]
            return f"{d['exit_s']:.1f} s, {d['completed']}/{len(d['outcomes'])} ok"

        lines.append(f"{label:<34}" + "".join(f"{drained(comparison[n]):>20}" for n in names))

    def json_logs(s: dict[str, Any]) -> str:
        return "all JSON" if s["logs"]["all_json"] else f"{s['logs']['other_lines']} not JSON"

    lines.append(f"{'log lines':<34}" + "".join(f"{json_logs(comparison[n]):>20}" for n in names))
    lines.extend(f"  {key}: {value}" for key, value in comparison["ratios"].items())
    return "\n".join(lines)
