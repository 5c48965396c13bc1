"""What a simulated workflow run produced, and the small pieces the harness builds on."""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


class Cancelled(BaseException):
    """The run was cancelled (or timed out) while this step ran."""


def image_for(stack: str, commit: str) -> str:
    digest = hashlib.sha256(commit.encode()).hexdigest()
    return f"europe-west1-docker.pkg.dev/acme-django-{stack}/django/app@sha256:{digest}"


@dataclass
class Outcome:
    """What one workflow run did: each step's exit code and the job summary it wrote."""

    steps: dict[str, int] = field(default_factory=dict)
    summary: str = ""
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(code == 0 for code in self.steps.values())


class GitRepo:
    """A throwaway repository: commits are what releases order by ancestry."""

    def __init__(self, path: Path) -> None:
        self.path = path
        subprocess.run(["git", "init", "-q", str(path)], check=True)

    def commit(self, message: str) -> str:
        env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}  # fmt: skip
        git = ["git", "-C", str(self.path)]
        subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", message], check=True,
                       env=env)  # fmt: skip
        return subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True,
                              text=True).stdout.strip()  # fmt: skip
