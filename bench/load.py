"""HTTP load: wrk when the machine has it (``make bench`` installs it), else a Python loop.

The Python fallback is far weaker than wrk (one GIL drives every connection), so its
throughput figures only compare the app with the bare floor run through the same tool.
"""

from __future__ import annotations

import http.client
import re
import shutil
import statistics
import subprocess
import threading
import time
from dataclasses import asdict, dataclass

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}
_DURATION = re.compile(r"^([\d.]+)(us|ms|s|m|h)$")


@dataclass(frozen=True)
class LoadResult:
    tool: str
    connections: int
    seconds: float
    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    error_detail: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def run_load(
    url: str, *, connections: int, seconds: int, headers: dict[str, str], threads: int = 2
) -> LoadResult:
    if have_wrk():
        return _run_wrk(
            url, connections=connections, seconds=seconds, headers=headers, threads=threads
        )
    return _run_python(url, connections=connections, seconds=seconds, headers=headers)


def _run_wrk(
    url: str, *, connections: int, seconds: int, headers: dict[str, str], threads: int
) -> LoadResult:
    command = ["wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{seconds}s"]
    command += ["--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout  # noqa: S603
    return parse_wrk(output, connections=connections, seconds=seconds)


def _ms(token: str) -> float:
    match = _DURATION.match(token)
    if not match:
        raise ValueError(f"unexpected wrk duration {token!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str, *, connections: int, seconds: int) -> LoadResult:
    """Read wrk's ``--latency`` report; socket errors and non-2xx/3xx both count as errors."""
    # wrk pads units to two characters: "1.20s " and "2.00m " end with a space.
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    total = re.search(r"^\s+(\d+) requests in", output, re.MULTILINE)
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    if not (total and rate and "50" in percentiles and "99" in percentiles):
        raise ValueError(f"cannot read wrk output:\n{output}")
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    counts = [int(n) for n in socket_errors.groups()] if socket_errors else [0, 0, 0, 0]
    bad_status = int(non_2xx.group(1)) if non_2xx else 0
    detail = "connect {}, read {}, write {}, timeout {}".format(*counts)
    return LoadResult(
        tool="wrk",
        connections=connections,
        seconds=seconds,
        requests=int(total.group(1)),
        requests_per_second=float(rate.group(1)),
        p50_ms=_ms(percentiles["50"]),
        p99_ms=_ms(percentiles["99"]),
        errors=sum(counts) + bad_status,
        error_detail=f"{detail}; non-2xx/3xx {bad_status}",
    )


def _run_python(url: str, *, connections: int, seconds: int, headers: dict[str, str]) -> LoadResult:
    match = re.match(r"^http://([^:/]+):(\d+)(/.*)$", url)
    if not match:
        raise ValueError(f"fallback load generator needs http://host:port/path, got {url}")
    host, port, path = match.group(1), int(match.group(2)), match.group(3)
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker() -> None:
        connection = http.client.HTTPConnection(host, port, timeout=10)
        mine: list[float] = []
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    failures.append(f"HTTP {response.status}")
            except (OSError, http.client.HTTPException) as error:
                failures.append(type(error).__name__)
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=10)
                continue
            mine.append((time.perf_counter() - started) * 1e3)
        connection.close()
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return LoadResult(
        tool="python",
        connections=connections,
        seconds=seconds,
        requests=len(latencies),
        requests_per_second=len(latencies) / seconds,
        p50_ms=round(cuts[49], 2),
        p99_ms=round(cuts[98], 2),
        errors=len(failures),
        error_detail=", ".join(sorted(set(failures))) or "none",
    )
