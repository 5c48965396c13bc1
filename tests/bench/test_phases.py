"""Throughput is compared round by round, so drift on a shared machine cancels out."""

from bench.load import LoadResult
from bench.phases import Throughput, abba_order, rotation


def _result(rps: float) -> LoadResult:
    return LoadResult("wrk", 32, 5, int(rps * 5), rps, 1.0, 2.0, 0, "none")


def test_ratio_is_the_median_of_per_round_ratios_not_a_ratio_of_medians() -> None:
    # The machine gets busier every round: each pair is still app at half of bare.
    rounds = [
        {"bare": _result(10000), "app": _result(5000)},
        {"app": _result(2000), "bare": _result(4000)},
        {"bare": _result(1000), "app": _result(500)},
    ]
    throughput = Throughput(rounds)

    assert throughput.ratio == 0.5
    assert throughput.median_rps("bare") == 4000
    assert throughput.as_dict()[1]["app"]["requests_per_second"] == 2000


def test_rotation_lets_each_server_start_first_in_turn() -> None:
    names = ["app", "bare", "minimal_django"]

    orders = [rotation(names, run) for run in range(4)]

    assert orders == [
        ["app", "bare", "minimal_django"],
        ["bare", "minimal_django", "app"],
        ["minimal_django", "app", "bare"],
        ["app", "bare", "minimal_django"],
    ]


def test_abba_order_alternates_which_server_goes_first() -> None:
    assert abba_order("app", "bare", 4) == [
        ("bare", "app"),
        ("app", "bare"),
        ("bare", "app"),
        ("app", "bare"),
    ]


def test_a_throughput_ratio_can_name_any_two_servers() -> None:
    rounds = [
        {"gunicorn": _result(1000), "granian": _result(1200)},
        {"granian": _result(900), "gunicorn": _result(1000)},
        {"gunicorn": _result(500), "granian": _result(600)},
    ]

    assert Throughput(rounds, numerator="granian", denominator="gunicorn").ratio == 1.2
