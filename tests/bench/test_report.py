"""Targets are judged against the issue's limits and the run's own connection budget."""

from bench import report

FIGURES = {
    "cold_start_ratio": 2.0,
    "cold_start_vs_django": 1.2,
    "live_rps_ratio": 0.9,
    "db_errors": 0,
    "db_p99_ms": 120.0,
    "db_peak_connections": 17,
    "connection_budget": 16,
    "deps_total_mb": 66.0,
}


def test_verdicts_flag_a_connection_peak_over_budget_and_pass_the_rest() -> None:
    rows = {row["key"]: row for row in report.verdicts(FIGURES)}

    assert not rows["db_peak_connections"]["met"]
    assert rows["db_peak_connections"]["target"] == "<= 16"
    assert all(row["met"] for key, row in rows.items() if key != "db_peak_connections")


def test_verdicts_flag_a_slow_cold_start_and_low_throughput() -> None:
    rows = {
        r["key"]: r
        for r in report.verdicts(FIGURES | {"cold_start_ratio": 2.6, "live_rps_ratio": 0.79})
    }

    assert not rows["cold_start_ratio"]["met"]
    assert not rows["live_rps_ratio"]["met"]


def test_the_table_shows_the_image_figures_or_why_there_are_none() -> None:
    base = FIGURES | {
        "cold_start_app_s": 0.3,
        "cold_start_bare_s": 0.1,
        "cold_start_django_s": 0.25,
        "live_rps_app": 9000.0,
        "live_rps_bare": 10000.0,
        "db_path": "/",
        "db_p50_ms": 40.0,
        "db_rps": 1000.0,
        "deps_without_bytecode_mb": 35.0,
    }
    rows = report.verdicts(base)

    built = report.render_table(base | {"image_mb": 452.5, "image_cold_start_s": 0.96}, rows)
    skipped = report.render_table(base | {"image_skipped": "podman is not installed"}, rows)

    assert "452.5 MB" in built
    assert "960 ms" in built
    assert "not built: podman is not installed" in skipped
    assert "250 ms" in built  # the minimal Django baseline's cold start


def test_verdicts_flag_a_cold_start_beyond_the_minimal_django_allowance() -> None:
    rows = {r["key"]: r for r in report.verdicts(FIGURES | {"cold_start_vs_django": 1.31})}

    assert not rows["cold_start_vs_django"]["met"]
    assert rows["cold_start_vs_django"]["target"] == "<= 1.3x"
