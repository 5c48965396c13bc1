"""Read the stack's config from Pulumi and validate it into a StackConfig, all errors at once."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import ValidationError

from stack_config.errors import ConfigError, describe, problem_line, unknown_key
from stack_config.model import StackConfig

# Provider keys this program reads; other gcp:* keys are the provider's own business.
_GCP_KEYS = ("gcp:project", "gcp:region")


def load_stack_config() -> StackConfig:
    """This stack's configuration, as the language host passed it (call at run time only)."""
    config = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    return parse_stack_config(config, stack=pulumi.get_stack(), namespace=pulumi.Config().name)


def _decode(value: object) -> object:
    # The CLI passes objects and lists as JSON text, scalars as plain text.
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def parse_stack_config(config: Mapping[str, object], *, stack: str, namespace: str) -> StackConfig:
    """Validate full config keys (`<namespace>:run`, `gcp:region`, ...) into a StackConfig."""
    raw: dict[str, object] = {}
    lines: list[str] = []
    for key, value in config.items():
        space, _, name = key.partition(":")
        if space == namespace:
            raw[name] = _decode(value)
        elif key in _GCP_KEYS:
            raw[key] = value
        elif space == "gcp" and difflib.get_close_matches(key, _GCP_KEYS, n=1, cutoff=0.8):
            lines.append(f"{key} {unknown_key('gcp:', key, _GCP_KEYS)}")
        elif space != "gcp" and difflib.SequenceMatcher(None, space, namespace).ratio() >= 0.75:
            lines.append(f"{key} is in namespace {space!r}; did you mean {namespace}:{name}?")
    try:
        # JSON mode: strict, yet a YAML list is a valid tuple (as on the wire from the CLI).
        result = StackConfig.model_validate_json(json.dumps(raw), context={"stack": stack})
    except ValidationError as error:
        lines += describe(error, StackConfig, namespace)
    else:
        if not lines:
            return result
    raise ConfigError("\n".join(f"stack {stack}: {line}" for line in lines))


__all__ = ["ConfigError", "load_stack_config", "parse_stack_config", "problem_line"]
