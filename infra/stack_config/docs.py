"""Generate the stack file's JSON Schema (editors) and README's key table from the model.

    cd infra && python -m stack_config.docs --write     # or: make config-docs

tests/infra/test_config_docs.py fails when either is out of date.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from stack_config.model import StackConfig

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = Path(__file__).with_name("stack-file.schema.json")
README = ROOT / "README.md"
START, END = "<!-- stack-config-keys:start -->", "<!-- stack-config-keys:end -->"


def namespace() -> str:
    return str(yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["name"])


def _full(ns: str, key: str) -> str:
    return key if ":" in key else f"{ns}:{key}"


def stack_file_schema(ns: str) -> dict[str, Any]:
    model = StackConfig.model_json_schema(by_alias=True)
    config = {
        "type": "object",
        "properties": {_full(ns, k): v for k, v in model["properties"].items()},
        "required": [_full(ns, k) for k in model.get("required", [])],
        # Other namespaces (providers' own keys) are not this program's business.
        "patternProperties": {rf"^(?!{ns}:)(?!gcp:(project|region)$)[\w-]+:.+$": {}},
        "additionalProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"Pulumi.<stack>.yaml of project {ns} (generated from infra/stack_config)",
        "type": "object",
        "properties": {
            "config": config,
            "secretsprovider": {"type": "string"},
            "encryptedkey": {"type": "string"},
            "encryptionsalt": {"type": "string"},
        },
        "$defs": model.get("$defs", {}),
    }


def _default(field: Any) -> str:
    if field.is_required():
        return "**required**"
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "section defaults"
    if value in (None, (), {}):
        return "unset"
    return f"`{json.dumps(value, default=list)}`"


def _rows(model: type[BaseModel], prefix: str) -> list[str]:
    rows = []
    for name, field in model.model_fields.items():
        key = f"{prefix}{field.alias or name}"
        inner = field.annotation
        section = isinstance(inner, type) and issubclass(inner, BaseModel)
        doc = (field.description or (inner.__doc__ if section else "") or "").strip()
        doc = " ".join(doc.split()).replace("|", "\\|")
        rows.append(f"| `{key}` | {_default(field)} | {doc} |")
        if section:
            rows += _rows(inner, f"{key}.")  # type: ignore[arg-type]
    return rows


def key_table() -> str:
    lines = ["| Key | Default | Meaning |", "| --- | --- | --- |", *_rows(StackConfig, "")]
    return "\n".join(lines)


def readme_with_table(text: str) -> str:
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{key_table()}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate the stack-file schema and key table")
    parser.add_argument("--write", action="store_true", help="update the files in place")
    args = parser.parse_args(argv)
    schema = json.dumps(stack_file_schema(namespace()), indent=2) + "\n"
    readme = readme_with_table(README.read_text())
    if args.write:
        SCHEMA.write_text(schema)
        README.write_text(readme)
        return 0
    stale = [p.name for p, text in ((SCHEMA, schema), (README, readme)) if p.read_text() != text]
    if stale:
        print(f"out of date: {', '.join(stale)}; run make config-docs", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
