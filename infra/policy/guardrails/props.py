"""Reading resource inputs as the engine hands them to a policy (camelCase, nested dicts)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

# Stacks whose data must survive mistakes; policy config `prodStacks` overrides.
DEFAULT_PROD_STACKS = ("prod",)


def dig(props: Mapping[str, Any], path: str, default: Any = None) -> Any:
    """props["a"]["b"] for path "a.b"; default when any step is missing."""
    value: Any = props
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return default
        value = value[part]
    return value


def stack_of(urn: str) -> str:
    """The stack name from a URN: urn:pulumi:<stack>::<project>::<type>::<name>."""
    parts = urn.split(":")
    return parts[2] if len(parts) > 2 and parts[0] == "urn" else ""


def walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (dotted path, value) pair below `value`, lists indexed as [i]."""
    yield path, value
    if isinstance(value, Mapping):
        for key, child in value.items():
            yield from walk(child, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, child in enumerate(value):
            yield from walk(child, f"{path}[{index}]")
