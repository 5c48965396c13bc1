"""Field types of the stack model: each rejects a bad value with what would be right."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, GetCoreSchemaHandler
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError, core_schema


class Strict(BaseModel):
    """A section of the stack file: camelCase keys, no unknown keys, no type coercion.

    Unknown keys are errors because a misspelled key would otherwise fall back to its
    default (`pitrEnabeld: true` leaving PITR off); strict types because `"30"` in YAML is
    a string someone meant as a number.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, alias_generator=to_camel,
        use_attribute_docstrings=True,
    )  # fmt: skip


@dataclass(frozen=True)
class Text:
    """A string that must match `pattern`; `allowed` says what would be right."""

    pattern: str
    allowed: str

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> Any:
        compiled = re.compile(self.pattern)

        def check(value: str) -> str:
            if not compiled.fullmatch(value):
                raise PydanticCustomError("pattern", "{allowed}", {"allowed": self.allowed})
            return value

        return core_schema.no_info_after_validator_function(
            check,
            handler(source),
            metadata={"pydantic_js_updates": {"pattern": f"^(?:{self.pattern})$"}},
        )


# fmt: off
# One line per type: the pattern and what would be right read best side by side.
ProjectId = Annotated[str, Text(r"[a-z][a-z0-9-]{4,28}[a-z0-9]", "must be a project id: 6-30 lowercase letters, digits, hyphens")]  # noqa: E501
NumericId = Annotated[str, Text(r"[1-9][0-9]{0,19}", "must be a numeric id in quotes (names can be re-registered, ids not)")]  # noqa: E501
ResourceName = Annotated[str, Text(r"[a-z][a-z0-9-]{0,61}[a-z0-9]", "must be lowercase letters, digits, hyphens")]  # noqa: E501
# Short enough that "<service>-previewer" fits the 30-character service-account id limit
# and revision names ("<service>-<12 hex>-<6 hex>") stay well inside 63 characters.
ServiceName = Annotated[str, Text(r"[a-z][a-z0-9-]{2,18}[a-z0-9]", "must be 4-20 lowercase letters, digits, hyphens, starting with a letter")]  # noqa: E501
Email = Annotated[str, Text(r"[\w.%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", "must be an e-mail address like oncall@example.com")]  # noqa: E501
Domain = Annotated[str, Text(r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}", "must be a hostname like app.example.com")]  # noqa: E501
Image = Annotated[str, Text(r"[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+@sha256:[0-9a-f]{64}", "must be <host>/<path>@sha256:<64 hex> (an image pinned by digest)")]  # noqa: E501
EnvName = Annotated[str, Text(r"[A-Z][A-Z0-9_]*", "must be an UPPER_CASE environment variable name")]  # noqa: E501
SecretId = Annotated[str, Text(r"[\w-]{1,255}", "must be 1-255 letters, digits, '-' or '_' (Secret Manager's secret id)")]  # noqa: E501
Identifier = Annotated[str, Text(r"[a-z_][a-z0-9_]{0,62}", "must be a lowercase PostgreSQL identifier")]  # noqa: E501
Member = Annotated[str, Text(r"(user|group|serviceAccount|domain):\S+", "must be an IAM member like group:team@example.com")]  # noqa: E501
Memory = Annotated[str, Text(r"[1-9][0-9]*(Mi|Gi)", "must be a size like 512Mi or 2Gi")]
Revision = Annotated[str, Text(r"[a-z][a-z0-9-]{2,62}", "must be a revision name")]
Commit = Annotated[str, Text(r"[0-9a-f]{40}", "must be a full 40-character git commit sha")]
Fraction = Annotated[float, Field(gt=0, le=1)]
# fmt: on


def _clock(value: object) -> object:
    # YAML 1.1 (PyYAML) reads an unquoted 3:00 as the base-60 number 180.
    if isinstance(value, int) and not isinstance(value, bool):
        h, m = divmod(value, 60)
        raise PydanticCustomError(
            "clock", 'YAML read an unquoted {hm} as the number {n}; write it quoted: "{hhmm}"',
            {"hm": f"{h}:{m:02d}", "n": value, "hhmm": f"{h:02d}:{m:02d}"},
        )  # fmt: skip
    return value


Clock = Annotated[str, BeforeValidator(_clock), Text(r"([01][0-9]|2[0-3]):[0-5][0-9]", 'must be a UTC time "HH:MM" in quotes, like "03:00"')]  # noqa: E501  # fmt: skip


# Top-level keys: the Pulumi CLI hands every scalar to the program as a string.
def _text_bool(value: object) -> object:
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, bool):
        return value
    raise PydanticCustomError("bool", "must be true or false")


def _text_int(value: object) -> object:
    return int(value) if isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value) else value


# fmt: off
TextBool = Annotated[bool, BeforeValidator(_text_bool), Field(json_schema_extra={"type": ["boolean", "string"]})]  # noqa: E501
Percent = Annotated[int, BeforeValidator(_text_int), Field(ge=0, le=100, json_schema_extra={"type": ["integer", "string"]})]  # noqa: E501
# fmt: on
