"""Throughput is compared round by round, so drift on a shared machine cancels out."""

from bench.load import LoadResult
from bench.phases import Throughput


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
