"""Find connection targets outside loopback in test, drill and bench code (Python AST).

Tests may send packets only to 127.0.0.0/8 (and to network namespaces they create). This
scan looks at the places where a literal becomes somewhere to connect to, and reports every
target that is not provably on this machine:

- socket-level calls: ``connect``/``connect_ex``/``create_connection`` address tuples (a
  string argument there is a DSN: URL or ``host=`` conninfo), ``sendto``'s address, the
  host of ``getaddrinfo``/``gethostbyname``/``HTTPConnection``/``SMTP``/``open_connection``;
- ``host=``/``hostaddr=``/``url=``/``conninfo=`` keywords of those calls and of pools;
- URLs given to ``urlopen``/``urllib.request.Request`` and to HTTP verbs (``get``, ``post``,
  ``request``, ...) called on ``requests``/``httpx``/``urllib3``/``aiohttp`` or on an object
  whose name says it is a session, client or http connection;
- database settings wherever they are written: dict keys, keyword arguments, ``env[...] =``,
  ``setenv(...)`` for ``DB_HOST``, ``PGHOST``, ``PGHOSTADDR``, Django's ``HOST``,
  ``DATABASE_URL``, and lowercase ``host``/``hostaddr`` dict keys (psycopg connect kwargs);
- argv lists given to ``subprocess``: every URL (wrk, curl, ``--base-url``), and the value
  after ``-h``/``--host`` or in ``--host=``/``host=``.

Allowed targets: tests/governance/loopback_hosts.py.

Deliberately not reported, because nothing connects to them: ``Host``/``Origin`` header
values (a capitalised ``Host`` key, or a ``host=`` keyword of a function that is not a
connection API, such as the drills' ``get(port, path, host=...)``), CIDR ranges in policy
data, e-mail domains, bind addresses, and URLs handed to ops code together with a fake
transport. A target that must leave the machine anyway is a decision for review: it is
reported unless its line carries ``# loopback-guard: allow: <reason>``. Values built at run
time (f-string holes, attributes, parameters) cannot be checked statically and are skipped;
names assigned in the same file, or at the top of a repository module they are imported
from, are followed.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from tests.governance.loopback_hosts import (
    URL,
    Finding,
    dsn_targets,
    host_is_local,
    literal_text,
    targets_in,
    waive,
)

DB_HOST_KEYS = {"DB_HOST", "PGHOST", "PGHOSTADDR", "HOST", "DATABASE_URL"}
DRIVER_HOST_KEYS = {"host", "hostaddr"}
# Calls whose first argument is a host; calls whose first argument is an address tuple or a
# DSN (psycopg.connect, socket connect, pools).
HOST_FIRST = {"HTTPConnection", "HTTPSConnection", "SMTP", "SMTP_SSL", "FTP", "open_connection"}
HOST_FIRST |= {"getaddrinfo", "gethostbyname", "gethostbyname_ex"}
ADDRESS_FIRST = {"connect", "connect_ex", "create_connection"}
ADDRESS_FIRST |= {"ConnectionPool", "AsyncConnectionPool"}
TARGET_KEYWORDS = {"host", "hostaddr", "url", "conninfo", "address", "base_url"}
HTTP_VERBS = {"get", "post", "put", "patch", "delete", "head", "options", "request", "stream"}
HTTP_LIBRARIES = {"requests", "httpx", "urllib3", "aiohttp"}
HTTP_RECEIVER = re.compile(r"session|client|http", re.IGNORECASE)
SUBPROCESS = {"run", "Popen", "call", "check_call", "check_output", "create_subprocess_exec"}
HOST_FLAGS = {"-h", "--host", "--base-url", "--url", "--uri", "--base-uri"}


def _assignments(nodes: Iterator[ast.AST]) -> dict[str, list[ast.expr]]:
    assigned: dict[str, list[ast.expr]] = {}
    for node in nodes:
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(node.value)
    return assigned


def _imported(tree: ast.Module, root: Path | None) -> dict[str, list[ast.expr]]:
    """Module-level values of names imported from this repository (``from tests.x import Y``)."""
    assigned: dict[str, list[ast.expr]] = {}
    for node in ast.walk(tree):
        if root is None or not isinstance(node, ast.ImportFrom) or not node.module:
            continue
        source = root / (node.module.replace(".", "/") + ".py")
        if not source.is_file():
            continue
        constants = _assignments(iter(ast.parse(source.read_text()).body))
        for alias in node.names:
            if alias.name in constants:
                assigned[alias.asname or alias.name] = constants[alias.name]
    return assigned


class _Scan(ast.NodeVisitor):
    def __init__(self, path: str, tree: ast.Module, root: Path | None) -> None:
        self.path = path
        self.findings: list[Finding] = []
        self.assigned = _imported(tree, root) | _assignments(ast.walk(tree))

    def values(self, node: ast.expr | None, depth: int = 0) -> Iterator[ast.expr]:
        """``node`` itself, or what a name was assigned here or in the repository module it
        was imported from (followed a few steps)."""
        if isinstance(node, ast.Name) and depth < 4:
            for value in self.assigned.get(node.id, []):
                yield from self.values(value, depth + 1)
        elif node is not None:
            yield node

    def strings(self, node: ast.expr | None) -> Iterator[str]:
        for value in self.values(node):
            text = literal_text(value)
            if text is not None:
                yield text

    def check(self, node: ast.expr | ast.stmt, where: str, hosts: list[str]) -> None:
        for host in hosts:
            local = host_is_local(host)
            if local is not None:
                self.findings.append(Finding(self.path, node.lineno, where, host, local))

    def check_text(self, node: ast.expr | ast.stmt, where: str, value: ast.expr | None) -> None:
        for text in self.strings(value):
            self.check(node, where, targets_in(text))

    def check_address(self, node: ast.expr | ast.stmt, where: str, value: ast.expr | None) -> None:
        for item in self.values(value):
            if isinstance(item, ast.Tuple) and item.elts:
                self.check_text(node, where, item.elts[0])
            elif (text := literal_text(item)) is not None:
                self.check(node, where, dsn_targets(text))

    def visit_Call(self, node: ast.Call) -> None:
        name = _dotted(node.func)
        last = name.rsplit(".", 1)[-1]
        args = node.args
        if last in HOST_FIRST and args:
            self.check_text(node, f"{name}()", args[0])
        if last in ADDRESS_FIRST and args:
            self.check_address(node, f"{name}()", args[0])
        if last == "sendto" and len(args) > 1:
            self.check_address(node, f"{name}()", args[1])
        if last in HOST_FIRST | ADDRESS_FIRST:
            for keyword in node.keywords:
                if keyword.arg in TARGET_KEYWORDS:
                    self.check_text(node, f"{name}({keyword.arg}=)", keyword.value)
        if _is_http_call(node.func, last):
            for value in [*args, *(k.value for k in node.keywords if k.arg == "url")]:
                for text in self.strings(value):
                    if URL.match(text):
                        self.check(node, f"{name}()", targets_in(text))
        if last in SUBPROCESS and args:
            self._check_argv(node, name, args[0])
        for keyword in node.keywords:
            if keyword.arg in DB_HOST_KEYS:
                self.check_text(node, f"{keyword.arg}=", keyword.value)
        if last in {"setenv", "setdefault", "putenv"} and len(args) > 1:
            key = literal_text(args[0])
            if key in DB_HOST_KEYS:
                self.check_text(node, f"{name}({key!r})", args[1])
        self.generic_visit(node)

    def _check_argv(self, node: ast.Call, name: str, argv: ast.expr) -> None:
        for value in self.values(argv):
            if not isinstance(value, ast.List | ast.Tuple):
                continue
            previous = None
            for item in value.elts:
                text = literal_text(item)
                if text is None:
                    previous = None
                    continue
                flag, _, attached = text.partition("=")
                if previous in HOST_FLAGS or URL.match(text):
                    self.check(node, f"{name}() argument", targets_in(text))
                elif flag in HOST_FLAGS | {"host", "hostaddr"} and attached:
                    self.check(node, f"{name}() argument", targets_in(attached))
                previous = text

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            key_text = literal_text(key) if key is not None else None
            if key_text in DB_HOST_KEYS | DRIVER_HOST_KEYS:
                self.check_text(node, f"{key_text!r}:", value)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Subscript) and literal_text(target.slice) in DB_HOST_KEYS:
                self.check_text(node, f"[{literal_text(target.slice)!r}] =", node.value)
        self.generic_visit(node)


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return f"{_dotted(node.func)}()"
    return "<expr>"


def _is_http_call(func: ast.expr, last: str) -> bool:
    if last in {"urlopen", "Request"}:
        return last == "urlopen" or "urllib" in _dotted(func)
    if last not in HTTP_VERBS or not isinstance(func, ast.Attribute):
        return False
    receiver = _dotted(func.value)
    return receiver.split(".")[0] in HTTP_LIBRARIES or bool(HTTP_RECEIVER.search(receiver))


def scan_source(source: str, path: str = "<snippet>", root: Path | None = None) -> list[Finding]:
    """Every readable connection target in ``source``, allowed or not; ``root`` (the
    repository) lets names imported from its modules be followed."""
    scan = _Scan(path, tree := ast.parse(source, filename=path), root)
    scan.visit(tree)
    lines = source.splitlines()
    return [waive(finding, lines[finding.line - 1]) for finding in scan.findings]


def scan_tree(root: Path, folders: tuple[str, ...], *, skip: tuple[str, ...] = ()) -> list[Finding]:
    """``scan_source`` over every Python file under ``folders`` except those under ``skip``
    (paths relative to root)."""
    findings: list[Finding] = []
    for folder in folders:
        for file in sorted((root / folder).rglob("*.py")):
            relative = file.relative_to(root)
            if any(relative.is_relative_to(skipped) for skipped in skip):
                continue
            findings += scan_source(file.read_text(), str(relative), root)
    return findings
