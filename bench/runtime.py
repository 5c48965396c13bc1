"""The image's runtime, rebuilt outside a container: its venv and its CMD.

The image installs only the app's runtime dependencies (``uv sync --locked
--no-default-groups``, bytecode compiled) and runs the Dockerfile's exec-form CMD from
WORKDIR /app. Doing the same here keeps dev-only packages (and their ``.pth`` start-up
hooks) out of the measurement and gives the dependency size the image really ships.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
APP_DIR = REPO / "app"
DOCKERFILE = REPO / "Dockerfile"


@dataclass(frozen=True)
class RuntimeVenv:
    """A venv holding exactly what the image installs."""

    path: Path

    @property
    def bin(self) -> Path:
        return self.path / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"

    def site_packages(self) -> Path:
        found = sorted(self.path.glob("lib/python3*/site-packages"))
        if not found:
            raise RuntimeError(f"no site-packages under {self.path}: was the venv synced?")
        return found[0]


def build_runtime_venv(path: Path, *, groups: tuple[str, ...] = ()) -> RuntimeVenv:
    """Sync the runtime dependency set into ``path`` as the Dockerfile does.

    ``groups`` adds dependency groups on top (the server comparison's ``bench`` group);
    the image's own figures always come from a venv synced without any.
    """
    # The interpreter the bench runs on (the project's 3.12) unless make chose one already.
    base_python = (
        Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    )
    env = (
        {"UV_PYTHON": str(base_python)}
        | os.environ
        | {
            "UV_PROJECT_ENVIRONMENT": str(path),
            "UV_COMPILE_BYTECODE": "1",
            "UV_LINK_MODE": "copy",
        }
    )
    command = [*_uv(), "sync", "--locked", "--no-default-groups", "--no-dev"]
    command += [f"--group={group}" for group in groups]
    subprocess.run([*command, "--compile-bytecode", "--quiet"], cwd=REPO, env=env, check=True)  # noqa: S603
    return RuntimeVenv(path)


def _uv() -> list[str]:
    """uv itself: `uv run` names its binary in $UV; else PATH; else the Makefile's way."""
    if os.environ.get("UV"):
        return [os.environ["UV"]]
    found = shutil.which("uv")
    return [found] if found else ["python3", "-m", "uv"]


def tree_size_bytes(root: Path, *, skip_bytecode: bool = False) -> int:
    total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        if skip_bytecode and "__pycache__" in dirnames:
            dirnames.remove("__pycache__")
        for name in filenames:
            file = Path(dirpath, name)
            if not file.is_symlink():
                total += file.stat().st_size
    return total


def dependency_size_mb(venv: RuntimeVenv) -> dict[str, float]:
    """Size of the installed runtime dependencies, with and without compiled bytecode."""
    site = venv.site_packages()
    mib = 1024 * 1024
    with_bytecode = tree_size_bytes(site) / mib
    without = tree_size_bytes(site, skip_bytecode=True) / mib
    return {"total_mb": round(with_bytecode, 1), "without_bytecode_mb": round(without, 1)}


def swap_wsgi_target(app_command: list[str], target: str) -> list[str]:
    """The same command line with its one WSGI target replaced by ``target``."""
    targets = [
        i for i, part in enumerate(app_command) if part.endswith(("wsgi", "wsgi:application"))
    ]
    if len(targets) != 1:
        raise RuntimeError(f"cannot find the one WSGI target in {app_command!r}")
    swapped = list(app_command)
    swapped[targets[0]] = target
    return swapped


def hello_command(app_command: list[str]) -> list[str]:
    """The same command line serving the bare hello app (the floor)."""
    return swap_wsgi_target(app_command, "bench.hello:application")


def minimal_django_command(app_command: list[str]) -> list[str]:
    """The same command line serving the one-view Django project (Django's own floor)."""
    return swap_wsgi_target(app_command, "bench.minimal_django.wsgi:application")
