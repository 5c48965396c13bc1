""".ci/uv, the Makefile's uv: a uv on PATH wins; otherwise a private venv under .local/uv,
never the system interpreter (pip there is refused on Debian 12, Ubuntu and Homebrew).

PATH is replaced by a temp dir of fake tools plus the coreutils the script needs; the fake
python3 behaves like a real one for `-m venv` (creates bin/python) and that venv's pip
creates bin/uv, so the test sees which interpreter installed what, with no network.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".ci" / "uv"
# sh, dirname, rm ...: only from the base system, where no uv is installed.
BASE_PATH = "/usr/bin:/bin"

FAKE_PYTHON = """#!/bin/sh
echo "system-python $*" >> "$LOG"
if [ "$1 $2" = "-m venv" ]; then
  [ -n "${VENV_FAILS:-}" ] && { echo "ensurepip is not available" >&2; exit 1; }
  mkdir -p "$3/bin"
  cat > "$3/bin/python" <<'PY'
#!/bin/sh
echo "venv-python $*" >> "$LOG"
dir=$(dirname "$0")
printf '#!/bin/sh\\necho "private-uv $*"\\n' > "$dir/uv"
chmod +x "$dir/uv"
PY
  chmod +x "$3/bin/python"
  exit 0
fi
echo "externally-managed-environment" >&2
exit 1
"""


def _tool(directory: Path, name: str, body: str) -> None:
    path = directory / name
    path.write_text(body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _run(tmp_path: Path, fake_bin: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": f"{fake_bin}:{BASE_PATH}",
        "LOG": str(tmp_path / "calls.log"),
        "UV_PRIVATE_DIR": str(tmp_path / "private"),
        **extra,
    }
    return subprocess.run(
        [str(SCRIPT), "sync", "--locked"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def _calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


@pytest.fixture
def fake_bin(tmp_path: Path) -> Path:
    directory = tmp_path / "bin"
    directory.mkdir()
    _tool(directory, "python3", FAKE_PYTHON)
    return directory


def test_base_path_has_no_uv() -> None:
    # Otherwise the "no uv" cases below would silently test a real uv.
    assert not any((Path(d) / "uv").exists() for d in BASE_PATH.split(":"))


def test_uv_on_path_is_used_and_nothing_is_installed(tmp_path: Path, fake_bin: Path) -> None:
    _tool(fake_bin, "uv", '#!/bin/sh\necho "path-uv $*"\n')
    result = _run(tmp_path, fake_bin)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "path-uv sync --locked"
    assert _calls(tmp_path) == []
    assert not (tmp_path / "private").exists()


def test_without_uv_a_private_venv_gets_it_not_the_system_python(
    tmp_path: Path, fake_bin: Path
) -> None:
    result = _run(tmp_path, fake_bin)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "private-uv sync --locked"
    private = tmp_path / "private"
    assert _calls(tmp_path) == [
        f"system-python -m venv {private}",
        "venv-python -m pip install --quiet --disable-pip-version-check uv",
    ]
    assert "private venv" in result.stderr

    # Second run: the private copy is reused, nothing is installed again.
    again = _run(tmp_path, fake_bin)
    assert again.stdout.strip() == "private-uv sync --locked"
    assert len(_calls(tmp_path)) == 2


def test_a_broken_uv_on_path_falls_back_to_the_private_copy(tmp_path: Path, fake_bin: Path) -> None:
    # pyenv's shim exists on PATH but fails when the active Python has no uv.
    _tool(fake_bin, "uv", '#!/bin/sh\necho "pyenv: uv: command not found" >&2\nexit 127\n')
    result = _run(tmp_path, fake_bin)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "private-uv sync --locked"


def test_missing_venv_module_names_the_package_to_install(tmp_path: Path, fake_bin: Path) -> None:
    result = _run(tmp_path, fake_bin, VENV_FAILS="1")
    assert result.returncode == 1
    assert "python3-venv" in result.stderr
    assert "docs.astral.sh/uv" in result.stderr
    assert not (tmp_path / "private").exists()


def test_no_python_at_all_is_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    env_path = f"{empty}:{BASE_PATH}"
    if any((Path(d) / "python3").exists() for d in env_path.split(":")):
        # /usr/bin/python3 exists on this machine: hide it by giving only the tools sh needs.
        tools = tmp_path / "tools"
        tools.mkdir()
        for name in ("sh", "dirname", "rm"):
            os.symlink(f"/bin/{name}" if Path(f"/bin/{name}").exists() else name, tools / name)
        env_path = str(tools)
    result = subprocess.run(
        ["/bin/sh", str(SCRIPT), "--version"],
        env={"PATH": env_path, "UV_PRIVATE_DIR": str(tmp_path / "private")},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 127
    assert "no python3" in result.stderr


def test_makefile_runs_uv_only_through_the_script() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "UV := $(CURDIR)/.ci/uv" in makefile
    assert "pip install" not in makefile
