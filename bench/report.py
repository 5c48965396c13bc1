"""Targets from the verification issue, the printed table and the JSON record."""

from __future__ import annotations

import json
import operator
import os
import platform
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    unit: str
    compare: Callable[[float, float], bool]
    symbol: str
    limit: float | None  # None: the limit is computed per run (the connection budget)


TARGETS = [
    Target("cold_start_ratio", "cold start, app / bare", "x", operator.le, "<=", 2.5),
    # Django's own floor (bench/minimal_django): what the project adds on top of Django.
    Target("cold_start_vs_django", "cold start, app / minimal Django", "x", operator.le, "<=", 1.3),
    Target("live_rps_ratio", "/health/live/ req/s, app / bare", "x", operator.ge, ">=", 0.8),
    Target("db_errors", "DB page errors at c=80", "", operator.eq, "==", 0),
    Target("db_p99_ms", "DB page p99 at c=80", "ms", operator.le, "<=", 250),
    Target("db_peak_connections", "peak server connections", "", operator.le, "<=", None),
    Target("deps_total_mb", "runtime dependencies", "MB", operator.le, "<=", 70),
]


def verdicts(figures: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for target in TARGETS:
        value = figures[target.key]
        limit = target.limit if target.limit is not None else figures["connection_budget"]
        rows.append(
            {
                "key": target.key,
                "label": target.label,
                "value": value,
                "target": f"{target.symbol} {limit:g}{target.unit}",
                "met": bool(target.compare(value, limit)),
            }
        )
    return rows


def machine() -> dict[str, Any]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_gb = 0.0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        first = meminfo.read_text().splitlines()[0].split()
        memory_gb = round(int(first[1]) / 1024 / 1024, 1)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        # Other work on the machine inflates tail latency: recorded so a run can be judged.
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def render_table(figures: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    detail = [
        ("cold start median, app", f"{figures['cold_start_app_s'] * 1000:.0f} ms"),
        ("cold start median, bare", f"{figures['cold_start_bare_s'] * 1000:.0f} ms"),
        ("cold start median, minimal Django", f"{figures['cold_start_django_s'] * 1000:.0f} ms"),
        ("/health/live/ req/s, app", f"{figures['live_rps_app']:.0f}"),
        ("/health/live/ req/s, bare", f"{figures['live_rps_bare']:.0f}"),
        (f"DB page {figures['db_path']} p50", f"{figures['db_p50_ms']:.1f} ms"),
        ("DB page req/s", f"{figures['db_rps']:.0f}"),
        ("connection budget (workers x pool)", f"{figures['connection_budget']}"),
        ("runtime deps without bytecode", f"{figures['deps_without_bytecode_mb']} MB"),
    ]
    if "image_mb" in figures:
        detail.append(("image size (stand-in base included)", f"{figures['image_mb']} MB"))
        start = figures["image_cold_start_s"] * 1000
        detail.append(("container cold start, podman start", f"{start:.0f} ms"))
    elif "image_skipped" in figures:
        detail.append(("image", f"not built: {figures['image_skipped']}"))
    lines = [f"{'figure':<40} {'value':>12}  {'target':<12} result"]
    lines.append("-" * len(lines[0]))
    for row in rows:
        value = row["value"]
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        result = "met" if row["met"] else "MISSED"
        lines.append(f"{row['label']:<40} {shown:>12}  {row['target']:<12} {result}")
    lines.append("")
    lines.extend(f"{label:<40} {value:>12}" for label, value in detail)
    return "\n".join(lines)


def write_json(path: Path, record: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
