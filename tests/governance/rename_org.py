"""Another organisation's fork: a copy of the working tree whose three stack files carry
other project ids, numbers, region, GitHub ids, e-mails and domain (what README tells a new
team to change), and a pytest run inside it.

    python -m tests.governance.rename_org tests            # the whole suite, renamed
    python -m tests.governance.rename_org tests/governance tests/app

A test that still passes only with the example organisation's values fails here.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
STACKS = ("dev", "staging", "prod")
NS = "django-gcp"


def globex(stack: str, index: int) -> dict[str, Any]:
    """The replacement values for one stack: nothing in common with the example org."""
    return {
        "gcp:project": f"globex-shop-{stack}",
        "gcp:region": "us-central1",
        f"{NS}:projectNumber": f"90817263{index:04d}",
        f"{NS}:customDomain": f"{stack}.shop.globex.test",
        "github": {
            "repository": "globex-inc/shop",
            "repositoryId": "555000111",
            "repositoryOwnerId": "7770001",
        },
        "emails": [f"pager-{stack}@globex.test"],
    }


def rewrite_stack_file(path: Path, stack: str, index: int) -> None:
    data = yaml.safe_load(path.read_text())
    config: dict[str, Any] = data["config"]
    values = globex(stack, index)
    for key in ("gcp:project", "gcp:region", f"{NS}:projectNumber"):
        config[key] = values[key]
    if f"{NS}:customDomain" in config:
        config[f"{NS}:customDomain"] = values[f"{NS}:customDomain"]
    config[f"{NS}:github"].update(values["github"])
    config[f"{NS}:alerts"]["emails"] = values["emails"]
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def copy_tree(dest: Path) -> None:
    """Tracked and untracked-but-not-ignored files, as they are now (uncommitted edits too)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for relative in filter(None, listed.split("\0")):
        source = ROOT / relative
        if not source.is_file():  # deleted in the working tree
            continue
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def make_fork(dest: Path, *, rename: bool = True) -> Path:
    """A copy of the working tree; ``rename=False`` keeps the stack files (the control)."""
    copy_tree(dest)
    # Tests run tools from ROOT/.venv/bin (gunicorn, hadolint, ...): share the real venv.
    (dest / ".venv").symlink_to(ROOT / ".venv")
    for index, stack in enumerate(STACKS if rename else ()):
        rewrite_stack_file(dest / f"Pulumi.{stack}.yaml", stack, index)
    return dest


def failures(output: str) -> set[str]:
    """Node ids pytest's short summary lists as FAILED or ERROR."""
    return {
        line.split()[1]
        for line in output.splitlines()
        if line.startswith(("FAILED ", "ERROR ")) and len(line.split()) > 1
    }


def run_pytest(fork: Path, paths: list[str], *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RENAMED_FORK": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", *paths, "-q", "-p", "no:cacheprovider", *extra],
        cwd=fork,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run pytest in a renamed fork")
    parser.add_argument("paths", nargs="*", default=["tests/governance", "tests/app"])
    parser.add_argument("--keep", type=Path, help="build the fork here and keep it")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fork-") as scratch:
        fork = make_fork(args.keep or Path(scratch))
        done = run_pytest(fork, args.paths)
        print(done.stdout[-5000:], done.stderr[-2000:], sep="\n")
        return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
