"""Running gcloud/pulumi, and reading their answers as present / absent / could-not-read.

The difference matters: a describe that fails because nothing is there means "create it";
one that fails because there are no credentials or no permission means "we do not know",
and a plan built on a guess would be wrong (the old dry run printed "create everything"
without credentials). Commands go through an injectable `Runner`, so every path is tested
against a fake with gcloud's real error texts.
"""

from __future__ import annotations

import enum
import re
import subprocess  # nosec B404: fixed argv lists, never a shell
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class CommandResult:
    """What a finished command returned."""

    returncode: int
    stdout: str = ""
    stderr: str = ""


Runner = Callable[[Sequence[str]], CommandResult]


def subprocess_runner(argv: Sequence[str]) -> CommandResult:
    """Run a command for real, capturing its output (the default Runner)."""
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603
    except FileNotFoundError:
        return CommandResult(127, "", f"{argv[0]}: command not found")
    return CommandResult(done.returncode, done.stdout, done.stderr)


class State(enum.Enum):
    PRESENT = "present"
    ABSENT = "absent"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Probe:
    """The answer to "is it there?"; `reason` says why it is UNKNOWN."""

    state: State
    reason: str = ""


# gcloud prints these when it could not ask at all, or was not allowed to look. Checked
# before "not found": Google often says "not found or permission denied".
_CANNOT_READ = re.compile(
    r"PERMISSION_DENIED|\b40[13]\b|permission|credential|active account|reauthenticat"
    r"|gcloud auth|UNAUTHENTICATED|command not found|could not connect|timed out",
    re.IGNORECASE,
)
_NOT_FOUND = re.compile(r"NOT_FOUND|not found|\b404\b|does not exist", re.IGNORECASE)


def first_line(text: str) -> str:
    """gcloud's one-line error ("ERROR: (gcloud.x) ...") out of its multi-line advice."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    return (errors or lines or ["no error text"])[0]


def classify(result: CommandResult) -> Probe:
    """PRESENT on success, ABSENT only on an explicit not-found, otherwise UNKNOWN."""
    if result.returncode == 0:
        return Probe(State.PRESENT)
    if _CANNOT_READ.search(result.stderr):
        return Probe(State.UNKNOWN, first_line(result.stderr))
    if _NOT_FOUND.search(result.stderr):
        return Probe(State.ABSENT)
    return Probe(State.UNKNOWN, f"exit {result.returncode}: {first_line(result.stderr)}")
