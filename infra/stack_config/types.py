"""Field types of the stack model: each rejects a bad value with what would be right."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError


class Strict(BaseModel):
    """A section of the stack file: camelCase keys, no unknown keys, no type coercion.

    Unknown keys are errors because a misspelled key would otherwise fall back to its
    default (`pitrEnabeld: true` leaving PITR off); strict types because `"30"` in YAML is
    a string someone meant as a number.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        alias_generator=to_camel,
        use_attribute_docstrings=True,
    )


def matches(pattern: str, allowed: str) -> Any:
    """Validator + JSON Schema for a string that must match `pattern` (message: `allowed`)."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise PydanticCustomError("pattern", "{allowed}", {"allowed": allowed})
        return value

    return AfterValidator(check)


def _schema(pattern: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "pattern": f"^(?:{pattern})$"})


_PROJECT_ID = r"[a-z][a-z0-9-]{4,28}[a-z0-9]"
_NUMERIC = r"[1-9][0-9]{0,19}"
_NAME = r"[a-z][a-z0-9-]{0,61}[a-z0-9]"
# Short enough that "<service>-previewer" fits the 30-character service-account id limit
# and revision names ("<service>-<12 hex>-<6 hex>") stay well inside 63 characters.
_SERVICE = r"[a-z][a-z0-9-]{2,18}[a-z0-9]"
_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_DOMAIN = r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}"
_IMAGE = r"[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+@sha256:[0-9a-f]{64}"
_ENV = r"[A-Z][A-Z0-9_]*"
_SECRET = r"[a-zA-Z0-9_-]{1,255}"  # noqa: S105 (a pattern, not a secret)
_IDENT = r"[a-z_][a-z0-9_]{0,62}"
_MEMBER = r"(user|group|serviceAccount|domain):[^\s]+"

ProjectId = Annotated[
    str,
    matches(_PROJECT_ID, "must be a project id: 6-30 lowercase letters, digits, hyphens"),
    _schema(_PROJECT_ID),
]
NumericId = Annotated[
    str,
    matches(_NUMERIC, "must be a numeric id in quotes (names can be re-registered, ids not)"),
    _schema(_NUMERIC),
]
ResourceName = Annotated[
    str, matches(_NAME, "must be lowercase letters, digits, hyphens"), _schema(_NAME)
]
ServiceName = Annotated[
    str,
    matches(_SERVICE, "must be 4-20 lowercase letters, digits, hyphens, starting with a letter"),
    _schema(_SERVICE),
]
Email = Annotated[
    str, matches(_EMAIL, "must be an e-mail address like oncall@example.com"), _schema(_EMAIL)
]
Domain = Annotated[
    str, matches(_DOMAIN, "must be a hostname like app.example.com"), _schema(_DOMAIN)
]
Image = Annotated[
    str,
    matches(_IMAGE, "must be <host>/<path>@sha256:<64 hex> (an image pinned by digest)"),
    _schema(_IMAGE),
]
EnvName = Annotated[
    str, matches(_ENV, "must be an UPPER_CASE environment variable name"), _schema(_ENV)
]
SecretId = Annotated[
    str,
    matches(_SECRET, "must be 1-255 letters, digits, '-' or '_' (Secret Manager's secret id)"),
    _schema(_SECRET),
]
Identifier = Annotated[
    str, matches(_IDENT, "must be a lowercase PostgreSQL identifier"), _schema(_IDENT)
]
Member = Annotated[
    str, matches(_MEMBER, "must be an IAM member like group:team@example.com"), _schema(_MEMBER)
]
Memory = Annotated[
    str,
    matches(r"[1-9][0-9]*(Mi|Gi)", "must be a size like 512Mi or 2Gi"),
    _schema(r"[1-9][0-9]*(Mi|Gi)"),
]
Fraction = Annotated[float, Field(gt=0, le=1)]


def _clock(value: object) -> object:
    # YAML 1.1 (PyYAML) reads an unquoted 3:00 as the base-60 number 180.
    if isinstance(value, int) and not isinstance(value, bool):
        hours, minutes = divmod(value, 60)
        raise PydanticCustomError(
            "clock",
            'YAML read an unquoted {hm} as the number {n}; write it quoted: "{hhmm}"',
            {"hm": f"{hours}:{minutes:02d}", "n": value, "hhmm": f"{hours:02d}:{minutes:02d}"},
        )
    return value


_HHMM = r"([01][0-9]|2[0-3]):[0-5][0-9]"
Clock = Annotated[
    str,
    BeforeValidator(_clock),
    matches(_HHMM, 'must be a UTC time "HH:MM" in quotes, like "03:00"'),
    _schema(_HHMM),
]


# --- top-level keys: the Pulumi CLI hands every scalar to the program as a string ----------


def _text_bool(value: object) -> object:
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, bool):
        return value
    raise PydanticCustomError("bool", "must be true or false")


def _text_int(value: object) -> object:
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value):
        return int(value)
    return value


TextBool = Annotated[
    bool,
    BeforeValidator(_text_bool),
    WithJsonSchema({"anyOf": [{"type": "boolean"}, {"enum": ["true", "false"]}]}),
]
Percent = Annotated[
    int,
    BeforeValidator(_text_int),
    Field(ge=0, le=100),
    WithJsonSchema({"anyOf": [{"type": "integer"}, {"type": "string", "pattern": "^[0-9]+$"}]}),
]
Commit = Annotated[
    str,
    matches(r"[0-9a-f]{40}", "must be a full 40-character git commit sha"),
    _schema(r"[0-9a-f]{40}"),
]
