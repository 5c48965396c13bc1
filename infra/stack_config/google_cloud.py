"""What Google Cloud accepts, so a bad value fails at `preview` instead of 10 minutes into `up`.

Each function returns None when the value is fine, else what would be right (a sentence the
model turns into an error naming the key and the value).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

_REGIONS = Path(__file__).with_name("regions.yaml")


@cache
def _region_table() -> dict[str, frozenset[str]]:
    data = yaml.safe_load(_REGIONS.read_text())
    return {"Cloud Run": frozenset(data["cloudRun"]), "Cloud SQL": frozenset(data["cloudSql"])}


def region_problem(region: str) -> str | None:
    missing = [product for product, regions in _region_table().items() if region not in regions]
    if not missing:
        return None
    both = sorted(set.intersection(*(set(r) for r in _region_table().values())))
    return (
        f"not a region where {' and '.join(missing)} run(s) (table: infra/stack_config/"
        f"regions.yaml); one of {', '.join(both)}"
    )


# --- Cloud Run ------------------------------------------------------------------------------

MEMORY = r"[1-9][0-9]*(Mi|Gi)"
# Whole CPUs and the memory range (MiB) each allows; the second-generation execution
# environment (which the service uses) needs at least 512 MiB.
_CPU_MEMORY_MIB = {
    "1": (512, 4096),
    "2": (512, 8192),
    "4": (2048, 16384),
    "6": (4096, 24576),
    "8": (4096, 32768),
}


def memory_mib(value: str) -> int:
    amount = int(value[:-2])
    return amount * 1024 if value.endswith("Gi") else amount


def cpu_memory_problem(cpu: str, memory: str, concurrency: int) -> tuple[str, str] | None:
    """(field, what would be right) for a cpu/memory/concurrency Cloud Run refuses."""
    mib = memory_mib(memory)
    if cpu in _CPU_MEMORY_MIB:
        lo, hi = _CPU_MEMORY_MIB[cpu]
        if not lo <= mib <= hi:
            return "memory", f"with cpu {cpu} (second generation) must be from {lo}Mi to {hi}Mi"
        return None
    try:
        fraction = float(cpu)
    except ValueError:
        fraction = 0.0
    if not 0.08 <= fraction < 1:
        return "cpu", f"must be one of {sorted(_CPU_MEMORY_MIB)} or a fraction 0.08-0.99"
    if mib != 512:
        return "memory", f"with fractional cpu {cpu} must be 512Mi (second generation: >= 512Mi)"
    if concurrency != 1:
        return "cpu", "below 1 CPU Cloud Run requires concurrency 1"
    return None


# --- Cloud SQL ------------------------------------------------------------------------------

_CUSTOM = re.compile(r"db-custom-([0-9]+)-([0-9]+)")
_PERF = re.compile(r"db-perf-optimized-N-(2|4|8|16|32|48|64|80|96|128)")
_SHARED_MIB = {"db-f1-micro": 614, "db-g1-small": 1740}
# Cloud SQL's default max_connections for an instance's memory (GiB lower bound -> value).
_DEFAULT_CONNECTIONS = (
    (120, 1000),
    (60, 800),
    (30, 600),
    (15, 500),
    (7.5, 400),
    (6, 200),
    (3.75, 100),
    (1.7, 50),
    (0, 25),
)
# max_connections may go up to this multiple of Cloud SQL's default for the memory: beyond
# it, per-connection memory (work_mem, catalog caches) makes out-of-memory restarts likely.
CONNECTION_HEADROOM = 2


def tier_problem(tier: str, edition: str) -> tuple[str, str] | None:
    """(field, what would be right) for a tier/edition pair Cloud SQL refuses."""
    custom = _CUSTOM.fullmatch(tier)
    if tier in _SHARED_MIB or custom:
        if edition != "ENTERPRISE":
            return "edition", f"tier {tier} needs edition ENTERPRISE"
    elif _PERF.fullmatch(tier):
        if edition != "ENTERPRISE_PLUS":
            return "edition", f"tier {tier} needs edition ENTERPRISE_PLUS"
    else:
        return "tier", (
            "must be db-f1-micro, db-g1-small, db-custom-<cpus>-<MiB> or db-perf-optimized-N-<cpus>"
        )
    if custom:
        cpus, mib = int(custom.group(1)), int(custom.group(2))
        if not (cpus == 1 or (cpus % 2 == 0 and cpus <= 96)):
            return "tier", "custom tiers need 1 or an even number (<= 96) of vCPUs"
        if mib % 256 or not max(3840, 922 * cpus) <= mib <= 6656 * cpus:
            return "tier", (
                "custom memory must be a multiple of 256 MiB, at least 3840 and "
                "0.9-6.5 GiB per vCPU"
            )
    return None


def tier_memory_gib(tier: str) -> float:
    custom = _CUSTOM.fullmatch(tier)
    if custom:
        return int(custom.group(2)) / 1024
    perf = _PERF.fullmatch(tier)
    if perf:
        return int(perf.group(1)) * 8.0  # perf-optimized: 8 GiB per vCPU
    return _SHARED_MIB[tier] / 1024


def connection_limit(tier: str) -> int:
    """The highest max_connections this program accepts for the tier."""
    if tier in _SHARED_MIB:  # shared-core tiers are capped by Cloud SQL itself
        return {"db-f1-micro": 25, "db-g1-small": 50}[tier]
    gib = tier_memory_gib(tier)
    default = next(value for floor, value in _DEFAULT_CONNECTIONS if gib >= floor)
    return default * CONNECTION_HEADROOM


def pitr_day_limit(edition: str) -> int:
    return 35 if edition == "ENTERPRISE_PLUS" else 7
