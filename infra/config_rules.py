"""Validation primitives for the stack configuration.

Every error names the full config key, the bad value and what would be valid, so that a
failed `pulumi preview` (or `make plan`) says exactly which line of Pulumi.<stack>.yaml
to fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

NAMESPACE = "django-gcp"


class ConfigError(ValueError):
    """A stack configuration value is missing or not allowed."""


def fail(key: str, value: object, allowed: str) -> ConfigError:
    return ConfigError(f"{key} = {value!r} is invalid: {allowed}")


class Section:
    """Typed reads from one structured config value, rejecting keys nobody reads.

    Unknown keys are errors because a misspelled key would otherwise silently fall back to
    its default (e.g. `pitrEnabeld: true` leaving PITR off).
    """

    def __init__(self, key: str, raw: object) -> None:
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            raise fail(f"{NAMESPACE}:{key}", raw, "must be a mapping of settings")
        self.key = key
        self.raw: Mapping[str, Any] = raw
        self.read: set[str] = set()

    def name(self, field: str) -> str:
        return f"{NAMESPACE}:{self.key}.{field}"

    def value(self, field: str, default: object = None, *, required: bool = False) -> Any:
        self.read.add(field)
        if field not in self.raw or self.raw[field] is None:
            if required:
                raise ConfigError(f"{self.name(field)} is required but not set")
            return default
        return self.raw[field]

    def integer(
        self, field: str, default: int | None = None, *, lo: int, hi: int, required: bool = False
    ) -> int:
        value = self.value(field, default, required=default is None or required)
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise fail(self.name(field), value, f"must be an integer from {lo} to {hi}")
        return value

    def number(self, field: str, default: float, *, lo: float, hi: float) -> float:
        value = self.value(field, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not lo < value <= hi:
            raise fail(self.name(field), value, f"must be a number greater than {lo} and <= {hi}")
        return float(value)

    def flag(self, field: str, default: bool) -> bool:
        value = self.value(field, default)
        if not isinstance(value, bool):
            raise fail(self.name(field), value, "must be true or false")
        return value

    def text(self, field: str, default: str | None = None, *, pattern: str, allowed: str) -> str:
        value = self.value(field, default, required=default is None)
        if not isinstance(value, str) or not re.fullmatch(pattern, value):
            raise fail(self.name(field), value, allowed)
        return value

    def choice(self, field: str, default: str | None, options: tuple[str, ...]) -> str:
        return self.text(
            field, default, pattern="|".join(map(re.escape, options)), allowed=f"one of {options}"
        )

    def finish(self) -> None:
        unknown = sorted(set(self.raw) - self.read)
        if unknown:
            raise ConfigError(
                f"{NAMESPACE}:{self.key} has unknown setting(s) {unknown}; "
                f"known settings are {sorted(self.read)}"
            )


# --- Google Cloud naming rules -----------------------------------------------------------

PROJECT_ID = r"[a-z][a-z0-9-]{4,28}[a-z0-9]"
REGION = r"[a-z]+-[a-z]+[0-9]"
PROJECT_NUMBER = r"[1-9][0-9]{5,19}"
NUMERIC_ID = r"[1-9][0-9]{0,19}"
# Short enough that "<service>-previewer" fits the 30-character service-account id limit and
# revision names ("<service>-<12 hex>-<6 hex>") stay well inside 63 characters.
SERVICE_NAME = r"[a-z][a-z0-9-]{2,18}[a-z0-9]"
EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
DOMAIN = r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}"
IMAGE = r"[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+@sha256:[0-9a-f]{64}"
SECRET_ID = r"[a-zA-Z0-9_-]{1,255}"  # noqa: S105 (a pattern, not a secret)
ENV_NAME = r"[A-Z][A-Z0-9_]*"

# --- Cloud Run ---------------------------------------------------------------------------

_MEMORY = re.compile(r"([1-9][0-9]*)(Mi|Gi)")
# Whole CPUs and, per Cloud Run's limits, the memory range each allows (MiB).
_CPU_MEMORY_MIB = {
    "1": (128, 4096),
    "2": (128, 8192),
    "4": (2048, 16384),
    "6": (4096, 24576),
    "8": (4096, 32768),
}


def memory_mib(key: str, value: str) -> int:
    match = _MEMORY.fullmatch(value)
    if not match:
        raise fail(key, value, "must be a memory size like 512Mi or 2Gi")
    amount = int(match.group(1))
    return amount * 1024 if match.group(2) == "Gi" else amount


def check_cpu_memory(
    cpu_key: str, cpu: str, memory_key: str, memory: str, concurrency: int
) -> None:
    """Reject combinations Cloud Run refuses at deploy time, before a 10-minute `up` does."""
    mib = memory_mib(memory_key, memory)
    if cpu in _CPU_MEMORY_MIB:
        lo, hi = _CPU_MEMORY_MIB[cpu]
        if not lo <= mib <= hi:
            raise fail(memory_key, memory, f"with cpu {cpu} must be from {lo}Mi to {hi}Mi")
        return
    try:
        fraction = float(cpu)
    except ValueError:
        fraction = 0.0
    if not 0.08 <= fraction < 1:
        raise fail(
            cpu_key, cpu, f"must be one of {sorted(_CPU_MEMORY_MIB)} or a fraction 0.08-0.99"
        )
    if mib > 512:
        raise fail(memory_key, memory, f"with fractional cpu {cpu} must be at most 512Mi")
    if concurrency != 1:
        raise fail(cpu_key, cpu, "below 1 CPU Cloud Run requires concurrency 1")


# --- Cloud SQL ---------------------------------------------------------------------------

_CUSTOM_TIER = re.compile(r"db-custom-([0-9]+)-([0-9]+)")
_PERF_TIER = re.compile(r"db-perf-optimized-N-(2|4|8|16|32|48|64|80|96|128)")
_SHARED_CORE_MAX_CONNECTIONS = {"db-f1-micro": 25, "db-g1-small": 50}


def check_tier(tier_key: str, tier: str, edition_key: str, edition: str) -> None:
    """Shared-core and custom tiers exist only in ENTERPRISE; perf-optimized only in PLUS."""
    custom = _CUSTOM_TIER.fullmatch(tier)
    if tier in _SHARED_CORE_MAX_CONNECTIONS or custom:
        if edition != "ENTERPRISE":
            raise fail(edition_key, edition, f"tier {tier} needs edition ENTERPRISE")
    elif _PERF_TIER.fullmatch(tier):
        if edition != "ENTERPRISE_PLUS":
            raise fail(edition_key, edition, f"tier {tier} needs edition ENTERPRISE_PLUS")
    else:
        raise fail(
            tier_key,
            tier,
            "must be db-f1-micro, db-g1-small, db-custom-<cpus>-<MiB> or "
            "db-perf-optimized-N-<cpus>",
        )
    if custom:
        cpus, mib = int(custom.group(1)), int(custom.group(2))
        if not (cpus == 1 or (cpus % 2 == 0 and cpus <= 96)):
            raise fail(tier_key, tier, "custom tiers need 1 or an even number (<= 96) of vCPUs")
        if mib % 256 or not max(3840, 922 * cpus) <= mib <= 6656 * cpus:
            raise fail(
                tier_key,
                tier,
                "custom memory must be a multiple of 256 MiB, at least "
                "3840 and 0.9-6.5 GiB per vCPU",
            )


def shared_core_connection_limit(tier: str) -> int | None:
    return _SHARED_CORE_MAX_CONNECTIONS.get(tier)


def pitr_day_limit(edition: str) -> int:
    return 35 if edition == "ENTERPRISE_PLUS" else 7
