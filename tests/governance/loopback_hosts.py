"""What counts as a connection target on this machine, for tests/governance/loopback_scan.py.

Allowed (everything else is reported): 127.0.0.0/8, ::1, ``localhost``, an absolute path (a
unix socket directory, as libpq and Cloud SQL use), an empty host (libpq's default socket),
and a name under ``.invalid`` containing a space: the resolver refuses such a name before
sending any query (tests/drills/unreachable.py). A plain ``.invalid`` name is NOT allowed as
a target: looking it up sends a DNS query to the machine's nameserver. A target that has to
leave the machine anyway is a reviewed exception: ``# loopback-guard: allow: <reason>`` on its
line (the reason is required).
"""

from __future__ import annotations

import ast
import ipaddress
import re
from dataclasses import dataclass, replace

HOLE = "\x00"  # stands for an f-string's {...}: a host containing it is not knowable
URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# A reviewed exception, on the line of the target, with a reason of a few words at least:
#   "http://deb.debian.org/debian",  # loopback-guard: allow: <why this may leave the machine>
WAIVER = re.compile(r"#\s*loopback-guard:\s*allow:\s*(\S.{9,})$")
CONNINFO_HOST = re.compile(r"\bhost(?:addr)?\s*=\s*(?:'([^']*)'|([^\s']+))")


def host_is_local(host: str) -> bool | None:
    """True if ``host`` cannot leave this machine, False if it can, None if unknowable."""
    if HOLE in host:
        return None
    host = host.strip()
    if host == "" or host.startswith("/"):
        return True
    if host.endswith(".invalid") and any(char.isspace() for char in host):
        return True
    if host.startswith("[") and "]" in host:
        host = host[1 : host.index("]")]
    elif host.count(":") == 1:
        host = host.split(":")[0]
    if host.rstrip(".").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def targets_in(text: str) -> list[str]:
    """Hosts named by a URL, a libpq conninfo, or a plain (comma-separated) host list."""
    if URL.match(text):
        netloc = re.split(r"[/?#]", text.split("://", 1)[1], maxsplit=1)[0]
        return [netloc.rsplit("@", 1)[-1]]
    if "=" in text:
        return [quoted or bare for quoted, bare in CONNINFO_HOST.findall(text)]
    return text.split(",")


def dsn_targets(text: str) -> list[str]:
    """Hosts in a DSN-shaped string; a bare string is a path (sqlite, unix socket)."""
    return targets_in(text) if URL.match(text) or CONNINFO_HOST.search(text) else []


def literal_text(node: ast.expr | None) -> str | None:
    """A string literal, or an f-string / concatenation with its holes marked."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(literal_text(part) or HOLE for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = literal_text(node.left), literal_text(node.right)
        if left is not None or right is not None:
            return (left or HOLE) + (right or HOLE)
    return None


@dataclass(frozen=True)
class Finding:
    """One connection target the scan could read; ``local`` says whether it is allowed."""

    path: str
    line: int
    where: str
    target: str
    local: bool
    waiver: str = ""  # the reason given on the line for a reviewed exception

    @property
    def violation(self) -> bool:
        return not self.local and not self.waiver

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.where} targets {self.target!r}, which is not "
            "loopback; tests may only reach 127.0.0.0/8 (tests/drills/unreachable.py has "
            "local stand-ins for unreachable hosts)"
        )


def waive(finding: Finding, line: str) -> Finding:
    reason = WAIVER.search(line)
    return replace(finding, waiver=reason[1].strip()) if reason and not finding.local else finding
