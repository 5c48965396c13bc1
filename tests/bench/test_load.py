"""The wrk report parser: the figures make bench publishes come from here."""

from pathlib import Path

import pytest

from bench.load import parse_wrk

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:8080/health/live/
  2 threads and 80 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.50ms    3.10ms  80.00ms   90.00%
    Req/Sec     3.20k   200.00     3.60k    70.00%
  Latency Distribution
     50%   11.90ms
     75%   13.00ms
     90%   15.00ms
     99%    1.20s
  63872 requests in 10.00s, 12.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   6386.55
Transfer/sec:      1.20MB
"""


def test_parse_wrk_reads_rate_percentiles_and_every_kind_of_error() -> None:
    result = parse_wrk(WRK_OUTPUT, connections=80, seconds=10)

    assert result.requests == 63872
    assert result.requests_per_second == pytest.approx(6386.55)
    assert result.p50_ms == pytest.approx(11.9)
    assert result.p99_ms == pytest.approx(1200.0)
    assert result.errors == 2 + 1 + 4
    assert "non-2xx/3xx 4" in result.error_detail


def test_parse_wrk_without_error_lines_counts_zero_errors() -> None:
    clean = "\n".join(
        line for line in WRK_OUTPUT.splitlines() if "errors" not in line and "Non-2xx" not in line
    )

    assert parse_wrk(clean, connections=80, seconds=10).errors == 0


def test_parse_wrk_refuses_output_it_cannot_read() -> None:
    with pytest.raises(ValueError, match="cannot read wrk output"):
        parse_wrk("wrk: connection refused", connections=1, seconds=1)


# Captured from wrk 4.1.0 (Debian bookworm), unedited: a 1.05 s handler, a bare gunicorn
# app, a Python http.server. wrk pads the unit to two characters, so "1.09s " ends with a
# space (the pattern before issue 13 missed it and `make bench` crashed).
CAPTURED = Path(__file__).parent / "wrk_output"


@pytest.mark.parametrize(
    ("name", "requests", "p50_ms", "p99_ms"),
    [
        ("percentiles_in_seconds.txt", 6, 1090.0, 1100.0),
        ("percentiles_in_milliseconds.txt", 167, 45.52, 88.03),
        ("percentiles_in_microseconds.txt", 13063, 0.126, 0.837),
    ],
)
def test_parse_wrk_reads_real_output_in_every_unit(
    name: str, requests: int, p50_ms: float, p99_ms: float
) -> None:
    output = (CAPTURED / name).read_text()

    result = parse_wrk(output, connections=2, seconds=2)

    assert (result.requests, result.errors) == (requests, 0)
    assert result.p50_ms == pytest.approx(p50_ms)
    assert result.p99_ms == pytest.approx(p99_ms)


def test_the_seconds_capture_really_has_the_trailing_space() -> None:
    assert "     99%    1.10s \n" in (CAPTURED / "percentiles_in_seconds.txt").read_text()
