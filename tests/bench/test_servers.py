"""The server comparison's pure parts: granian's command line, its log config, the census."""

import json
from pathlib import Path

from bench import servers


def test_granian_runs_the_app_in_the_given_shape_with_a_bounded_drain(tmp_path: Path) -> None:
    command = servers.granian_command(workers=4, threads=4, log_config=tmp_path / "log.json")

    assert command[0] == "granian"
    assert command[-1] == "config.wsgi:application"
    pairs = dict(zip(command[1:-1:2], command[2:-1:2], strict=False))
    assert pairs["--interface"] == "wsgi"
    assert (pairs["--workers"], pairs["--blocking-threads"]) == ("4", "4")
    # Without it granian waits for its workers without limit after SIGTERM.
    assert float(pairs["--workers-kill-timeout"]) < servers.CLOUD_RUN_SIGKILL_AFTER_S
    assert "--no-access-log" in command


def test_granian_log_config_sends_every_granian_logger_through_the_json_formatter() -> None:
    config = json.loads(json.dumps(servers.granian_log_config()))

    assert config["formatters"]["json"]["()"] == "core.logging.JsonFormatter"
    # granian replaces its whole "loggers" key with ours: both of its loggers must be here.
    assert set(config["loggers"]) == {"_granian", "granian.access"}
    for logger in config["loggers"].values():
        for handler in logger["handlers"]:
            assert config["handlers"][handler]["formatter"] == "json"


def test_log_census_counts_json_request_lines_and_keeps_samples_of_the_rest() -> None:
    text = "\n".join(
        [
            json.dumps({"severity": "INFO", "message": "Booting worker"}),
            json.dumps({"message": "GET / 200", "httpRequest": {"status": 200}}),
            "[INFO] Starting granian (main PID: 1)",
            "",
            "Traceback (most recent call last):",
            json.dumps(["not", "a", "record"]),
        ]
    )

    census = servers.log_census(text, samples=2)

    assert (census.json_lines, census.request_lines, census.other_lines) == (2, 1, 3)
    assert census.other_samples == [
        "[INFO] Starting granian (main PID: 1)",
        "Traceback (most recent call last):",
    ]
    assert not census.all_json


def test_log_census_of_json_only_output_is_all_json_but_empty_output_is_not() -> None:
    assert servers.log_census(json.dumps({"message": "ok"}) + "\n").all_json
    assert not servers.log_census("").all_json


def test_a_drain_that_was_killed_or_ran_past_cloud_runs_sigkill_is_not_bounded() -> None:
    def drain(exit_s: float, *, killed: bool = False) -> servers.Drain:
        return servers.Drain(12.0, exit_s, 0, killed, 0, ["closed"])

    assert drain(8.1).bounded
    assert not drain(10.5).bounded
    assert not drain(3.0, killed=True).bounded
