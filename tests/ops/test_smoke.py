"""Smoke tool logic against scripted replies, a fake clock and no real sleeping."""

import json

import pytest

from ops.release import smoke

OK = smoke.Reply(200, "application/json", json.dumps({"status": "ok", "version": "abc"}))
LOGIN = smoke.Reply(200, "text/html", '<input name="csrfmiddlewaretoken" value="x">')


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _fetch(replies: dict[str, list[smoke.Reply | OSError]]):
    def fetch(url: str, timeout: float) -> smoke.Reply:
        path = "/" + url.split("/", 3)[3]
        queue = replies[path]
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(reply, OSError):
            raise reply
        return reply

    return fetch


def _healthy() -> dict[str, list[smoke.Reply | OSError]]:
    return {"/health/live/": [OK], "/health/ready/": [OK], "/admin/login/": [LOGIN]}


def test_healthy_service_passes_first_time() -> None:
    clock = Clock()
    outcomes = smoke.run_checks("https://x.run.app/", fetch=_fetch(_healthy()),
                                sleep=clock.sleep, clock=clock)  # fmt: skip
    assert [(o.path, o.ok, o.attempts) for o in outcomes] == [
        ("/health/live/", True, 1), ("/health/ready/", True, 1), ("/admin/login/", True, 1),
    ]  # fmt: skip
    assert clock.sleeps == []


def test_retries_with_exponential_backoff_until_it_starts() -> None:
    clock = Clock()
    replies = _healthy()
    replies["/health/live/"] = [OSError("connection refused")] * 4 + [OK]
    outcomes = smoke.run_checks("https://x", fetch=_fetch(replies), sleep=clock.sleep,
                                clock=clock, first_delay=1, max_delay=4)  # fmt: skip
    assert outcomes[0].ok
    assert outcomes[0].attempts == 5
    assert clock.sleeps == [1, 2, 4, 4]


def test_deadline_bounds_a_dead_service_and_the_report_says_why() -> None:
    clock = Clock()
    down = smoke.Reply(503, "application/json", '{"status": "unavailable", "failed": ["database"]}')
    replies = _healthy()
    replies["/health/ready/"] = [down]
    outcomes = smoke.run_checks("https://x", fetch=_fetch(replies), sleep=clock.sleep,
                                clock=clock, deadline=30)  # fmt: skip
    assert clock.now <= 30
    ready = outcomes[1]
    assert not ready.ok
    assert ready.attempts > 1
    assert "HTTP 503 (expected 200)" in ready.detail
    assert "database" in ready.detail
    text = smoke.report("https://x", outcomes)
    assert "Smoke test FAILED" in text
    assert "| `/health/ready/` | FAIL |" in text


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (smoke.Reply(200, "text/html", "<html>"), "not JSON"),
        (smoke.Reply(200, "application/json", '{"status": "starting"}'), '"status": "ok"'),
        (smoke.Reply(200, "application/json", '["ok"]'), '"status": "ok"'),
        (smoke.Reply(302, "text/html", ""), "HTTP 302"),
        (
            smoke.Reply(200, "application/json", '{"status": "ok", "version": "old"}'),
            "serves version 'old', expected 'abc'",
        ),
    ],
)
def test_judge_health_bodies(reply: smoke.Reply, expected: str) -> None:
    problem = smoke.judge(smoke.CHECKS[0], reply, expect_version="abc")
    assert problem is not None
    assert expected in problem


def test_admin_login_must_render_the_form() -> None:
    problem = smoke.judge(smoke.CHECKS[2], smoke.Reply(200, "text/html", "<p>hi</p>"), None)
    assert problem == "body does not contain 'csrfmiddlewaretoken'"
    assert smoke.judge(smoke.CHECKS[2], LOGIN, None) is None


def test_cli_exit_codes_and_summary(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary"))
    assert smoke.main(["--base-url", "https://x"], fetch=_fetch(_healthy())) == 0
    assert "Smoke test PASSED" in (tmp_path / "summary").read_text()
    broken = _healthy()
    broken["/admin/login/"] = [smoke.Reply(500, "text/html", "Server Error")]
    assert smoke.main(["--base-url", "https://x", "--deadline", "0"], fetch=_fetch(broken)) == 1
    assert "HTTP 500" in capsys.readouterr().out
    with pytest.raises(SystemExit) as usage:
        smoke.main(["--base-url", "x.run.app"])
    assert usage.value.code == 2
