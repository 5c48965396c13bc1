"""How make bench derives the image's command and the bare app's twin of it."""

from pathlib import Path

import pytest

from bench import runtime
from bench.hello import application


def test_hello_command_swaps_only_the_wsgi_target() -> None:
    command = ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi"]

    assert runtime.hello_command(command) == [*command[:3], "bench.hello:application"]


def test_hello_command_needs_exactly_one_wsgi_target() -> None:
    with pytest.raises(RuntimeError, match="one WSGI target"):
        runtime.hello_command(["gunicorn", "--config", "config/gunicorn.py"])


def test_tree_size_can_leave_out_bytecode(tmp_path: Path) -> None:
    (tmp_path / "module.py").write_bytes(b"x" * 100)
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "module.cpython-312.pyc").write_bytes(b"y" * 50)

    assert runtime.tree_size_bytes(tmp_path) == 150
    assert runtime.tree_size_bytes(tmp_path, skip_bytecode=True) == 100


def test_hello_app_answers_200_json() -> None:
    seen: list[str] = []

    body = b"".join(application({}, lambda status, headers: seen.append(status)))

    assert seen == ["200 OK"]
    assert body == b'{"status": "ok"}'
