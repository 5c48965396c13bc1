from ops.clients.monitoring import CloudMonitoring, WindowStats
from ops.release.gates import Thresholds, Verdict, evaluate
from tests.ops.fakes import CANDIDATE, FakeResponse, FakeSession
from tests.ops.synthetic import ERRORS_2PCT, HEALTHY, NO_DATA, SLOW, count_series

LIMITS = Thresholds(error_ratio=0.01, p95_ms=1000, min_requests=50)


def test_cloud_monitoring_queries_the_candidate_revision_and_sums_pages() -> None:
    first = {"timeSeries": count_series({"2xx": 600}), "nextPageToken": "t2"}
    second = {"timeSeries": count_series({"5xx": 12, "4xx": 3})}
    latency = {"timeSeries": [{"points": [{"value": {"doubleValue": 420.5}},
                                          {"value": {"doubleValue": 380.0}}]}]}  # fmt: skip
    session = FakeSession([
        ("GET", "/v3/projects/acme/timeSeries", FakeResponse(200, first)),
        ("GET", "/v3/projects/acme/timeSeries", FakeResponse(200, second)),
        ("GET", "/v3/projects/acme/timeSeries", FakeResponse(200, latency)),
    ])  # fmt: skip
    source = CloudMonitoring(session, project="acme", service="django-app", now=lambda: 1.8e9)
    stats = source.window(revision=CANDIDATE, seconds=300)
    assert stats == WindowStats(requests=615, errors_5xx=12, p95_ms=420.5)
    params = session.calls[0][2]["params"]
    assert f'resource.labels.revision_name = "{CANDIDATE}"' in params["filter"]
    assert 'metric.type = "run.googleapis.com/request_count"' in params["filter"]
    assert params["aggregation.alignmentPeriod"] == "300s"
    assert params["interval.endTime"] == "2027-01-15T08:00:00Z"
    assert params["interval.startTime"] == "2027-01-15T07:55:00Z"
    assert session.calls[1][2]["params"]["pageToken"] == "t2"
    assert session.calls[2][2]["params"]["aggregation.crossSeriesReducer"] == (
        "REDUCE_PERCENTILE_95"
    )


def test_gate_on_synthetic_series() -> None:
    assert evaluate(HEALTHY, LIMITS).verdict is Verdict.PASS
    errors = evaluate(ERRORS_2PCT, LIMITS)
    assert errors.verdict is Verdict.FAIL
    assert errors.reasons == ("5xx ratio 2.00% > 1.00% (20/1000)",)
    slow = evaluate(SLOW, LIMITS)
    assert slow.verdict is Verdict.FAIL
    assert slow.reasons == ("p95 latency 1500 ms > 1000 ms",)
    assert evaluate(NO_DATA, LIMITS).verdict is Verdict.NO_DATA


def test_gate_boundaries_and_sparse_data() -> None:
    assert evaluate(WindowStats(1000, 10, 1000.0), LIMITS).verdict is Verdict.PASS  # equal passes
    assert evaluate(WindowStats(1000, 11, 999.0), LIMITS).verdict is Verdict.FAIL
    # Too few requests to judge a ratio...
    assert evaluate(WindowStats(20, 0, 100.0), LIMITS).verdict is Verdict.NO_DATA
    # ...unless the errors alone already exceed what a full sample would allow.
    assert evaluate(WindowStats(20, 5, 100.0), LIMITS).verdict is Verdict.FAIL
    # Requests but no latency point: cannot judge latency.
    assert evaluate(WindowStats(500, 0, None), LIMITS).verdict is Verdict.NO_DATA
    assert evaluate(WindowStats(500, 50, None), LIMITS).verdict is Verdict.FAIL
