"""Turn validation failures into one line per problem: stack, full key, value, what is right."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from typing import Any

import pulumi
from pydantic import BaseModel, ValidationError


class ConfigError(pulumi.RunError, ValueError):
    """The stack configuration is invalid. A RunError: Pulumi prints it without a traceback."""


class RuleError(ValueError):
    """Several problems found by one validator: (key relative to the model, value, right)."""

    def __init__(self, problems: Sequence[tuple[str, object, str]]) -> None:
        super().__init__("; ".join(f"{key}: {right}" for key, _, right in problems))
        self.problems = list(problems)


NO_VALUE = object()


def problem_line(key: str, value: object, right: str) -> str:
    if value is NO_VALUE:
        return f"{key} {right}"
    return f"{key} = {value!r} is invalid: {right}"


def key_path(namespace: str, loc: Sequence[str | int]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text if ":" in str(loc[0]) else f"{namespace}:{text}"


def _inner(annotation: Any) -> Any:
    """The model (or element type) behind Optional/tuple/list/Annotated wrappers."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _inner(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        models = [a for a in map(_inner, typing.get_args(annotation)) if _is_model(a)]
        return models[0] if models else annotation
    if origin in (tuple, list):
        return _inner(typing.get_args(annotation)[0])
    return annotation


def _is_model(candidate: Any) -> bool:
    return isinstance(candidate, type) and issubclass(candidate, BaseModel)


def _model_at(model: type[BaseModel], loc: Sequence[str | int]) -> Any:
    current: Any = model
    for part in loc:
        if isinstance(part, int) or not _is_model(current):
            continue
        fields = {f.alias or name: f for name, f in current.model_fields.items()}
        current = _inner(fields[part].annotation) if part in fields else None
    return current


def known_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The keys the model accepts at `loc` (for "did you mean")."""
    current = _model_at(model, loc)
    if not _is_model(current):
        return []
    return [f.alias or name for name, f in current.model_fields.items()]


def _doc(model: type[BaseModel], loc: Sequence[str | int]) -> str:
    """What the key at `loc` is: its docstring, or its section's."""
    parent = _model_at(model, loc[:-1])
    if not _is_model(parent):
        return ""
    fields = {f.alias or name: f for name, f in parent.model_fields.items()}
    field = fields.get(str(loc[-1]))
    if field is None:
        return ""
    inner = _inner(field.annotation)
    text = field.description or (inner.__doc__ if _is_model(inner) else "") or ""
    return f" ({text.strip().splitlines()[0].rstrip('.')})" if text else ""


def _quoted(value: object) -> str | None:
    if isinstance(value, str):
        for kind, parse in (("number", float), ("true/false", {"true": 1, "false": 0}.__getitem__)):
            try:
                parse(value.lower())
            except (ValueError, KeyError):
                continue
            return f"is the quoted string {value!r}; write the {kind} without quotes"
    return None


def _reason(error: Any, model: type[BaseModel], namespace: str) -> tuple[object, str]:
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input", NO_VALUE)
    if kind == "missing":
        return NO_VALUE, "is required but not set" + _doc(model, error["loc"])
    if kind == "extra_forbidden":
        loc = error["loc"]
        parent = key_path(namespace, loc[:-1]) if len(loc) > 1 else f"{namespace}:"
        return NO_VALUE, unknown_key(parent, str(loc[-1]), known_keys(model, loc[:-1]))
    if kind in ("int_type", "float_type", "bool_type") and (quoted := _quoted(value)):
        return NO_VALUE, quoted
    rights = {
        "int_type": "must be a whole number",
        "float_type": "must be a number",
        "bool_type": "must be true or false",
        "string_type": "must be a string",
        "model_type": "must be a mapping of settings (indented key: value lines)",
        "dict_type": "must be a mapping",
        "tuple_type": "must be a list",
        "list_type": "must be a list",
        "too_short": "must not be empty",
        "literal_error": f"must be one of {ctx.get('expected')}",
        "greater_than_equal": f"must be >= {ctx.get('ge')}",
        "less_than_equal": f"must be <= {ctx.get('le')}",
        "greater_than": f"must be > {ctx.get('gt')}",
    }
    return value, rights.get(kind) or str(error["msg"])


def did_you_mean(key: str, known: Sequence[str]) -> str | None:
    folded = {k.lower(): k for k in known}
    if key.lower() in folded:
        return folded[key.lower()]
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return close[0] if close else None


def unknown_key(parent: str, key: str, known: Sequence[str]) -> str:
    """'is not a known key; did you mean <parent>.<near miss>?' or the list of known keys."""
    match = did_you_mean(key, known)
    if match is not None:
        full = (
            match
            if ":" in match
            else (f"{parent}.{match}" if parent[-1] != ":" else parent + match)
        )
        return f"is not a known key; did you mean {full}?"
    return f"is not a known key (known here: {', '.join(sorted(known))})"


def describe(error: ValidationError, model: type[BaseModel], namespace: str) -> list[str]:
    """One line per problem, every problem of the run."""
    lines = []
    for item in error.errors():
        # Drop pydantic's union-member tags (e.g. "function-after[...]"): not config keys.
        loc = tuple(p for p in item["loc"] if isinstance(p, int) or "[" not in p)
        exc = (item.get("ctx") or {}).get("error")
        if isinstance(exc, RuleError):
            for key, value, right in exc.problems:
                parts = (int(p) if p.isdigit() else p for p in key.split("."))
                path = key_path(namespace, (*loc, *parts))
                lines.append(problem_line(path, value, right.replace("{ns}", namespace)))
            continue
        value, right = _reason(item, model, namespace)
        lines.append(problem_line(key_path(namespace, loc), value, right))
    return list(dict.fromkeys(lines))
