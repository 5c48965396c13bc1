"""Which environment variables the app reads, found in its source (AST), not a hand list."""

from __future__ import annotations

import ast
from pathlib import Path

# config/env.py's typed readers, whose first argument is the variable name.
READERS = {"env_str", "env_bool", "env_int", "env_float", "env_list", "env_required"}
ENVIRON_METHODS = {"get", "setdefault", "pop"}


def _is_os_environ(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _literal(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _reads_environment(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in READERS
    if isinstance(func, ast.Attribute):
        return (func.attr in ENVIRON_METHODS and _is_os_environ(func.value)) or (
            func.attr == "getenv" and isinstance(func.value, ast.Name)
        )
    return False


def variables_read(source: str) -> set[str]:
    """Names passed as string literals to env readers, os.environ[...] or os.getenv."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        name = None
        if isinstance(node, ast.Call) and node.args and _reads_environment(node.func):
            name = _literal(node.args[0])
        elif isinstance(node, ast.Subscript) and _is_os_environ(node.value):
            name = _literal(node.slice)
        if name:
            found.add(name)
    return found


def app_variables(app_dir: Path) -> dict[str, set[str]]:
    """Variable -> the app files (relative) that read it; migrations and tests excluded."""
    readers: dict[str, set[str]] = {}
    for path in sorted(app_dir.rglob("*.py")):
        if "migrations" in path.parts or "tests" in path.parts:
            continue
        for name in variables_read(path.read_text()):
            readers.setdefault(name, set()).add(str(path.relative_to(app_dir)))
    return readers
