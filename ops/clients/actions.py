"""Writing to the files GitHub Actions reads back: step outputs and the job summary."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def write_outputs(values: Mapping[str, str], *, path: str | None = None) -> None:
    """Append ``key=value`` lines to $GITHUB_OUTPUT (no-op outside Actions)."""
    target = path or os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    for key, value in values.items():
        if "\n" in value:
            # Outputs are line based; a newline would let a value forge another output.
            raise ValueError(f"output {key!r} must be a single line, got {value!r}")
    with Path(target).open("a", encoding="utf-8") as handle:
        handle.writelines(f"{key}={value}\n" for key, value in values.items())


def write_summary(markdown: str, *, path: str | None = None) -> None:
    """Append markdown to $GITHUB_STEP_SUMMARY (no-op outside Actions)."""
    target = path or os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    with Path(target).open("a", encoding="utf-8") as handle:
        handle.write(markdown.rstrip("\n") + "\n\n")
