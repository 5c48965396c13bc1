"""Tests, drills and benchmarks connect to this machine only (127.0.0.0/8).

The rules, and what is deliberately allowed, are in tests/governance/loopback_scan.py.
"""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from tests.governance.loopback_hosts import Finding
from tests.governance.loopback_scan import scan_source, scan_tree

REPO = Path(__file__).resolve().parents[2]
SCANNED = ("tests", "bench")
# Git-ignored benchmark output (a copy of the image's app and venv, third-party code): not
# code of ours that runs in tests.
SKIPPED = ("bench/results",)
# Files the scan cannot read would be a blind spot: only Python (and plain data) may live in
# the scanned folders.
DATA_SUFFIXES = {".json", ".yaml", ".yml", ".md", ".txt", ".toml", ".csv", ".pyc"}


def _violations(source: str) -> list[Finding]:
    return [finding for finding in scan_source(dedent(source)) if finding.violation]


def test_tests_drills_and_bench_connect_only_to_loopback() -> None:
    violations = [
        finding for finding in scan_tree(REPO, SCANNED, skip=SKIPPED) if finding.violation
    ]
    assert not violations, "connections off this machine:\n" + "\n".join(map(str, violations))


def test_the_scan_reads_the_real_connection_points() -> None:
    """A scan that recognised nothing would pass vacuously: it must see the known targets."""
    seen = {(finding.path, finding.target) for finding in scan_tree(REPO, SCANNED, skip=SKIPPED)}
    assert ("tests/drills/traffic.py", "127.0.0.1") in seen  # socket.create_connection
    assert ("bench/server.py", "127.0.0.1") in seen  # http.client.HTTPConnection
    assert ("tests/support/environment.py", "/nonexistent") in seen  # DB_HOST
    # DB_HOST values imported from tests/drills/unreachable.py are followed there.
    assert ("tests/drills/test_bad_config.py", "no such host.invalid") in seen


def test_only_python_and_data_live_where_the_scan_looks() -> None:
    unread = [
        str(path.relative_to(REPO))
        for folder in SCANNED
        for path in (REPO / folder).rglob("*")
        if path.is_file()
        and path.suffix not in {".py", *DATA_SUFFIXES}
        and not any(path.relative_to(REPO).is_relative_to(skipped) for skipped in SKIPPED)
    ]
    assert not unread, f"the loopback scan reads Python only; extend it to cover {unread}"


def test_a_database_host_off_this_machine_is_reported_with_file_and_line() -> None:
    source = """\
        CASES = [
            ({"DB_HOST": "127.0.0.1", "DB_PORT": "1"}, "refused"),
            ({"DB_HOST": "192.0.2.1", "DB_CONNECT_TIMEOUT": "2"}, "unroutable"),
        ]
        """
    [violation] = _violations(source)
    assert (violation.line, violation.target) == (3, "192.0.2.1")
    assert str(violation).startswith("<snippet>:3: 'DB_HOST': targets '192.0.2.1'")


def test_an_http_request_off_this_machine_is_reported() -> None:
    source = """\
        import requests

        def test_it():
            assert requests.get("http://10.1.2.3/").status_code == 200
        """
    [violation] = _violations(source)
    assert (violation.line, violation.target, violation.where) == (4, "10.1.2.3", "requests.get()")


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ('ADDRESS = ("10.0.0.7", 5432)\nsock.connect(ADDRESS)', "10.0.0.7"),
        ('socket.create_connection(("db.example", 5432))', "db.example"),
        ('psycopg.connect("postgresql://app@db.example:5432/app")', "db.example:5432"),
        ('psycopg.connect("host=10.0.0.5 dbname=app")', "10.0.0.5"),
        ('psycopg.connect(host="db.example", dbname="app")', "db.example"),
        ('monkeypatch.setenv("DB_HOST", "db.invalid")', "db.invalid"),
        ('env["PGHOST"] = "10.0.0.1"', "10.0.0.1"),
        ('settings.DATABASES["default"].update(HOST="10.9.9.9")', "10.9.9.9"),
        ('production_settings_env(DB_HOST="0.0.0.0")', "0.0.0.0"),  # noqa: S104 (a target here)
        ('subprocess.run(["wrk", "-c8", "http://example.com/"])', "example.com"),
        ('subprocess.run(["psql", "-h", "db.example", "-c", "SELECT 1"])', "db.example"),
        (
            'subprocess.run([sys.executable, "-m", "ops.release.smoke", "--base-url", "https://x.run.app"])',
            "x.run.app",
        ),
        ('http.client.HTTPConnection("10.0.0.2", 80)', "10.0.0.2"),
        ('self.session.post("https://api.example.com/v1")', "api.example.com"),
        ('urllib.request.urlopen("http://169.254.169.254/")', "169.254.169.254"),
        ('httpx.Client().get(url="http://[2001:db8::1]:80/")', "[2001:db8::1]:80"),
        ('sock.sendto(b"x", ("192.0.2.9", 53))', "192.0.2.9"),
        ('host = "db.example"\nrequests.get(f"https://{host}/")', None),
    ],
)
def test_each_kind_of_connection_point_is_checked(source: str, target: str | None) -> None:
    """The last case is a value built at run time: unknowable, so not reported."""
    assert [v.target for v in _violations(source)] == ([target] if target else [])


def test_loopback_and_things_never_connected_to_are_not_reported() -> None:
    source = """\
        import requests, socket, subprocess, psycopg

        requests.get(f"http://127.0.0.1:{port}/health/ready/", timeout=5)
        requests.get("http://localhost:8000/", headers={"Host": "169.254.1.1:8080"})
        socket.create_connection(("127.0.0.1", port), timeout=1)
        socket.create_connection(("::1", port))
        subprocess.run(["wrk", "-c8", "http://[::1]:8080/"])
        psycopg.connect(host="127.0.0.2", port=5432)
        psycopg.connect("dbname=app host=/tmp/pg-socket")
        sqlite3.connect("db.sqlite3")
        env = {"DB_HOST": "/cloudsql/p:r:i", "PGHOST": "", "HOST": "127.0.0.1:5432"}
        env = {"DB_HOST": "no such host.invalid"}  # the resolver refuses it without a query
        get(port, "/health/live/", host="10.1.2.3:8080")  # a Host header, not a target
        replies.get("https://x/health/live/")  # a dict lookup in a fake
        rule = {"name": "office", "value": "203.0.113.0/24"}  # policy data
        email = "ops@example.com"
        assert config["bind"] == ["0.0.0.0:8080"]
        """
    assert _violations(source) == []
    assert len(scan_source(dedent(source))) >= 10, "the loopback targets must be seen too"


def test_a_reviewed_exception_needs_its_reason_on_the_line() -> None:
    fetch = 'subprocess.run(["debootstrap", "http://deb.debian.org/debian"])'
    source = f"{fetch}  # loopback-guard: allow: a package mirror, once per machine\n"
    source += f"{fetch}  # loopback-guard: allow:\n"
    [unexplained] = _violations(source)
    assert unexplained.line == 2
    [waived] = [finding for finding in scan_source(source) if finding.waiver]
    assert waived.waiver == "a package mirror, once per machine"
