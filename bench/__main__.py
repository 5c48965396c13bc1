"""``python -m bench``: build the image's runtime, start PostgreSQL, measure, report."""

from __future__ import annotations

import argparse
import secrets
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from bench import report
from bench.load import run_load
from bench.pgstat import ConnectionSampler, conninfo_from_env
from bench.runtime import (
    REPO,
    build_runtime_venv,
    dependency_size_mb,
    hello_command,
)
from bench.server import Server, build_image_root, get_status, hello_env, server_env
from bench.stack import ProcessShape, prod_shape
from tests.support.gunicorn import image_command
from tests.support.postgres import PostgresCluster

RESULTS = REPO / "bench" / "results"
# Cloud Run's front end terminates TLS and says so in this header; the app trusts it.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="cold starts per app (>= 7)")
    shape = prod_shape()
    parser.add_argument("--workers", type=int, default=shape.workers, help=shape.source)
    parser.add_argument("--threads", type=int, default=shape.threads, help=shape.source)
    parser.add_argument("--pool-size", type=int, default=shape.pool_max_size, help=shape.source)
    parser.add_argument("--live-seconds", type=int, default=10)
    parser.add_argument("--live-connections", type=int, default=32)
    parser.add_argument("--db-seconds", type=int, default=60)
    parser.add_argument("--db-connections", type=int, default=80)
    parser.add_argument("--db-path", default="/", help="a page that queries the database")
    parser.add_argument("--output", type=Path, default=None, help="JSON path")
    return parser.parse_args()


def _production_env(cluster: PostgresCluster, database: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://127.0.0.1",
        **cluster.env(database),
    }


def _cold_starts(app: Server, bare: Server, runs: int, logs: Path) -> dict[str, list[float]]:
    """Alternate app and bare starts so drift on the machine hits both alike."""
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


def _measure(args: argparse.Namespace, cluster: PostgresCluster) -> dict[str, Any]:
    logs = RESULTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    venv = build_runtime_venv(RESULTS / "runtime-venv")
    sizes = dependency_size_mb(venv)
    cluster.create_database("bench")
    extra = _production_env(cluster, "bench") | {"DB_POOL_MAX_SIZE": str(args.pool_size)}
    env = server_env(venv, workers=args.workers, threads=args.threads, extra=extra)
    image_root = build_image_root(venv, RESULTS / "image" / "app", env)
    migrate = [str(venv.python), "manage.py", "migrate_and_seed"]
    subprocess.run(migrate, cwd=image_root, env=env, check=True)  # noqa: S603

    command = image_command()
    app = Server(command, image_root, env, log_path=logs / "app.log")
    bare = Server(hello_command(command), image_root, hello_env(env), log_path=logs / "bare.log")
    print(f"cold starts: {args.runs} runs each of {' '.join(command)}", flush=True)
    cold = _cold_starts(app, bare, args.runs, logs)

    figures: dict[str, Any] = {"cold_start_runs": cold}
    live: dict[str, Any] = {}
    for name, server in (("bare", bare), ("app", app)):
        server.start().wait_until_ok()
        print(f"/health/live/ load on {name} for {args.live_seconds} s", flush=True)
        live[name] = run_load(
            f"{server.base_url}/health/live/",
            connections=args.live_connections,
            seconds=args.live_seconds,
            headers=PROXY_HEADERS,
        )
        if name == "bare":
            server.stop()
    status = get_status(app.port, args.db_path, PROXY_HEADERS)
    if status != 200:
        raise RuntimeError(f"{args.db_path} answered {status}, not 200: choose --db-path")
    print(f"{args.db_path} at c={args.db_connections} for {args.db_seconds} s", flush=True)
    with ConnectionSampler(conninfo_from_env(env), "bench") as sampler:
        db = run_load(
            f"{app.base_url}{args.db_path}",
            connections=args.db_connections,
            seconds=args.db_seconds,
            headers=PROXY_HEADERS,
        )
    app.stop()

    shape = ProcessShape(args.workers, args.threads, args.pool_size, source="this run")
    cold_app, cold_bare = statistics.median(cold["app"]), statistics.median(cold["bare"])
    figures |= {
        "cold_start_app_s": round(cold_app, 4),
        "cold_start_bare_s": round(cold_bare, 4),
        "cold_start_ratio": round(cold_app / cold_bare, 2),
        "live_rps_app": live["app"].requests_per_second,
        "live_rps_bare": live["bare"].requests_per_second,
        "live_rps_ratio": round(
            live["app"].requests_per_second / live["bare"].requests_per_second, 2
        ),
        "live_load": {name: result.as_dict() for name, result in live.items()},
        "db_path": args.db_path,
        "db_load": db.as_dict(),
        "db_errors": db.errors,
        "db_p50_ms": db.p50_ms,
        "db_p99_ms": db.p99_ms,
        "db_rps": db.requests_per_second,
        "db_peak_connections": sampler.peak,
        "connection_budget": shape.connection_budget,
        "deps_total_mb": sizes["total_mb"],
        "deps_without_bytecode_mb": sizes["without_bytecode_mb"],
        "command": command,
        "workers": args.workers,
        "threads": args.threads,
        "pool_max_size": args.pool_size,
    }
    return figures


def main() -> int:
    args = _arguments()
    if args.runs < 7:
        raise SystemExit(f"--runs {args.runs}: the median needs at least 7 cold starts")
    cluster = PostgresCluster().start()
    try:
        figures = _measure(args, cluster)
    finally:
        cluster.destroy()
    rows = report.verdicts(figures)
    print(report.render_table(figures, rows))
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    record = {"when": stamp, "machine": report.machine(), "figures": figures, "targets": rows}
    output = args.output or RESULTS / f"bench-{stamp}.json"
    report.write_json(output, record)
    report.write_json(RESULTS / "latest.json", record)
    print(f"\nJSON: {output}")
    return 0 if all(row["met"] for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
