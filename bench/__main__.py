"""``python -m bench``: build the image's runtime, start PostgreSQL, measure, report."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from bench import phases, report, servers
from bench.image import measure_image
from bench.pgstat import conninfo_from_env
from bench.runtime import (
    REPO,
    RuntimeVenv,
    build_runtime_venv,
    dependency_size_mb,
    hello_command,
    minimal_django_command,
)
from bench.server import Server, build_image_root, hello_env, server_env
from bench.stack import ProcessShape, prod_shape
from tests.support.environment import production_settings_env
from tests.support.gunicorn import image_command
from tests.support.postgres import PostgresCluster

RESULTS = REPO / "bench" / "results"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="cold starts per app (>= 7)")
    shape = prod_shape()
    parser.add_argument("--workers", type=int, default=shape.workers, help=shape.source)
    parser.add_argument("--threads", type=int, default=shape.threads, help=shape.source)
    parser.add_argument("--pool-size", type=int, default=shape.pool_max_size, help=shape.source)
    parser.add_argument("--live-seconds", type=int, default=5, help="per server per round")
    parser.add_argument("--live-rounds", type=int, default=4)
    parser.add_argument("--live-connections", type=int, default=32)
    parser.add_argument("--db-seconds", type=int, default=60)
    parser.add_argument("--db-connections", type=int, default=80)
    parser.add_argument("--db-path", default="/", help="a page that queries the database")
    parser.add_argument(
        "--image-runs", type=int, default=3, help="container cold starts (0: skip the image)"
    )
    parser.add_argument("--output", type=Path, default=None, help="JSON path")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--servers", action="store_true", help="also compare gunicorn with granian (~5 min)"
    )
    parser.add_argument(
        "--servers-only", action="store_true", help="only the server comparison (no targets)"
    )
    parser.add_argument("--server-db-seconds", type=int, default=30, help="per server per round")
    parser.add_argument("--server-db-rounds", type=int, default=2)
    return parser.parse_args()


def _production_env(cluster: PostgresCluster, database: str) -> dict[str, str]:
    return production_settings_env(**cluster.env(database))


def _prepare(
    args: argparse.Namespace, cluster: PostgresCluster, venv_name: str, groups: tuple[str, ...]
) -> tuple[RuntimeVenv, dict[str, str], Path]:
    """A synced venv, the server environment and a migrated copy of the image's /app."""
    venv = build_runtime_venv(RESULTS / venv_name, groups=groups)
    extra = _production_env(cluster, "bench") | {"DB_POOL_MAX_SIZE": str(args.pool_size)}
    env = server_env(venv, workers=args.workers, threads=args.threads, extra=extra)
    image_root = build_image_root(venv, RESULTS / "image" / "app", env)
    migrate = [str(venv.python), "manage.py", "migrate_and_seed", "--verbosity", "0"]
    subprocess.run(migrate, cwd=image_root, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    return venv, env, image_root


def _compare_servers(args: argparse.Namespace, cluster: PostgresCluster) -> dict[str, Any]:
    logs = RESULTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    _, env, image_root = _prepare(args, cluster, "servers-venv", ("bench",))
    log_config = RESULTS / "granian-logging.json"
    log_config.write_text(json.dumps(servers.granian_log_config()))
    granian = servers.granian_command(
        workers=args.workers, threads=args.threads, log_config=log_config
    )
    return servers.compare(
        {
            "gunicorn": Server(image_command(), image_root, env),
            "granian": Server(granian, image_root, env),
        },
        logs=logs,
        runs=args.runs,
        live={
            "rounds": args.live_rounds,
            "seconds": args.live_seconds,
            "connections": args.live_connections,
        },
        db={
            "rounds": args.server_db_rounds,
            "seconds": args.server_db_seconds,
            "connections": args.db_connections,
        },
        conninfo=conninfo_from_env(env),
        database="bench",
    )


def _measure(args: argparse.Namespace, cluster: PostgresCluster) -> dict[str, Any]:
    logs = RESULTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    venv, env, image_root = _prepare(args, cluster, "runtime-venv", ())
    sizes = dependency_size_mb(venv)

    command = image_command()
    app = Server(command, image_root, env, log_path=logs / "app.log")
    bare = Server(hello_command(command), image_root, hello_env(env), log_path=logs / "bare.log")
    django = Server(minimal_django_command(command), image_root, hello_env(env))
    print(
        f"cold starts: {args.runs} each of {' '.join(command)}, the bare app and a one-view Django",
        flush=True,
    )
    cold = phases.cold_starts({"app": app, "bare": bare, "minimal_django": django}, args.runs, logs)
    print(f"/health/live/: {args.live_rounds} rounds of {args.live_seconds} s each", flush=True)
    live = phases.live_throughput(
        app,
        bare,
        rounds=args.live_rounds,
        seconds=args.live_seconds,
        connections=args.live_connections,
    )
    print(f"{args.db_path} at c={args.db_connections} for {args.db_seconds} s", flush=True)
    db, sampler = phases.db_page(
        app,
        args.db_path,
        connections=args.db_connections,
        seconds=args.db_seconds,
        conninfo=conninfo_from_env(env),
        database="bench",
    )

    image: dict[str, Any] = {"image_skipped": "--image-runs 0"}
    if args.image_runs > 0:
        print(f"the image: build with podman, {args.image_runs} container cold starts", flush=True)
        image = measure_image(cluster, "bench", runs=args.image_runs)

    shape = ProcessShape(args.workers, args.threads, args.pool_size, source="this run")
    cold_app, cold_bare = statistics.median(cold["app"]), statistics.median(cold["bare"])
    cold_django = statistics.median(cold["minimal_django"])
    return {
        "cold_start_runs": cold,
        "cold_start_app_s": round(cold_app, 4),
        "cold_start_bare_s": round(cold_bare, 4),
        "cold_start_ratio": round(cold_app / cold_bare, 2),
        "cold_start_django_s": round(cold_django, 4),
        "cold_start_vs_django": round(cold_app / cold_django, 2),
        "live_rps_app": live.median_rps("app"),
        "live_rps_bare": live.median_rps("bare"),
        "live_rps_ratio": round(live.ratio, 2),
        "live_load": live.as_dict(),
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
        **image,
    }


def main() -> int:
    args = _arguments()
    if args.runs < 7:
        raise SystemExit(f"--runs {args.runs}: the median needs at least 7 cold starts")
    machine_before = report.machine()
    cluster = PostgresCluster().start()
    figures: dict[str, Any] = {}
    comparison: dict[str, Any] | None = None
    try:
        cluster.create_database("bench")
        if not args.servers_only:
            figures = _measure(args, cluster)
        if args.servers or args.servers_only:
            comparison = _compare_servers(args, cluster)
    finally:
        cluster.destroy()
    rows = report.verdicts(figures) if figures else []
    if figures:
        print(report.render_table(figures, rows))
    if comparison is not None:
        print("\n" + servers.render(comparison))
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    machine = machine_before | {"load_average_1m_after": report.machine()["load_average_1m"]}
    record: dict[str, Any] = {"when": stamp, "machine": machine, "figures": figures}
    record["targets"] = rows
    if comparison is not None:
        record["servers"] = comparison
    output = args.output or RESULTS / f"bench-{stamp}.json"
    report.write_json(output, record)
    if figures:  # latest.json is the targets' record; a comparison alone does not replace it
        report.write_json(RESULTS / "latest.json", record)
    print(
        f"\nmachine: {machine['cores']} x {machine['cpu']}, load average "
        f"{machine['load_average_1m']} before, {machine['load_average_1m_after']} after"
    )
    print(f"JSON: {output}")
    missed = [row["label"] for row in rows if not row["met"]]
    if missed:
        print(f"missed: {'; '.join(missed)} (causes and plans: BENCHMARKS.md)")
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
