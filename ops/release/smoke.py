"""Smoke-test a deployed revision: health endpoints (status + JSON body) and the admin login.

    python -m ops.release.smoke --base-url https://candidate---svc-123.europe-west1.run.app \
        [--expect-version <git sha>] [--deadline 180] [--outputs candidate.json]

With ``--outputs`` of a stack whose ``servicePublic`` is false, every request carries a
Google ID token whose audience is the service URL (Cloud Run's invoker check).

Each check is retried with exponential backoff until it passes or the overall deadline
passes (a fresh revision may still be starting). Exit codes: 0 all passed, 1 a check
failed (the report says which, what came back and what was expected), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from ops.clients.actions import write_summary
from ops.clients.id_token import IdTokenSource, google_id_token
from ops.release.outputs import load


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: str


# url, timeout -> Reply; raises OSError (requests' errors derive from it) when unreachable.
Fetch = Callable[[str, float], Reply]


@dataclass(frozen=True)
class Check:
    path: str
    json_ok: bool = False  # body must be JSON with "status": "ok"
    contains: str = ""  # body must contain this text


CHECKS = (
    Check("/health/live/", json_ok=True),
    Check("/health/ready/", json_ok=True),
    # The CSRF field proves templates, static config and the session machinery all render.
    Check("/admin/login/", contains="csrfmiddlewaretoken"),
)


@dataclass(frozen=True)
class Outcome:
    path: str
    ok: bool
    attempts: int
    detail: str


def judge(check: Check, reply: Reply, expect_version: str | None) -> str | None:
    """None if ``reply`` passes ``check``, else what is wrong and what was expected."""
    if reply.status != 200:
        return f"HTTP {reply.status} (expected 200); body: {reply.body[:300]!r}"
    if check.contains and check.contains not in reply.body:
        return f"body does not contain {check.contains!r}"
    if not check.json_ok:
        return None
    try:
        data = json.loads(reply.body)
    except ValueError:
        return f"body is not JSON ({reply.content_type}): {reply.body[:200]!r}"
    if not isinstance(data, dict) or data.get("status") != "ok":
        return f'JSON body {data!r:.300} lacks "status": "ok"'
    if expect_version and data.get("version") != expect_version:
        return f"serves version {data.get('version')!r}, expected {expect_version!r}"
    return None


def run_checks(
    base_url: str,
    *,
    fetch: Fetch,
    deadline: float = 180.0,
    expect_version: str | None = None,
    first_delay: float = 1.0,
    max_delay: float = 16.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> list[Outcome]:
    """Run every check; the deadline is shared, so a dead service fails in ``deadline``."""
    end = clock() + deadline
    outcomes = []
    for check in CHECKS:
        url = base_url.rstrip("/") + check.path
        attempts, delay, problem = 0, first_delay, "not attempted"
        while True:
            attempts += 1
            try:
                reply = fetch(url, max(1.0, min(10.0, end - clock())))
                problem = judge(check, reply, expect_version)
            except OSError as exc:
                problem = f"unreachable: {exc}"
            if problem is None or clock() + delay > end:
                break
            sleep(delay)
            delay = min(delay * 2, max_delay)
        outcomes.append(Outcome(check.path, problem is None, attempts, problem or "ok"))
    return outcomes


def report(base_url: str, outcomes: list[Outcome]) -> str:
    passed = all(o.ok for o in outcomes)
    lines = [
        f"### Smoke test {'PASSED' if passed else 'FAILED'}: {base_url}",
        "",
        "| check | result | attempts | detail |",
        "| --- | --- | --- | --- |",
    ]
    for o in outcomes:
        detail = o.detail.replace("|", "\\|")
        lines.append(f"| `{o.path}` | {'pass' if o.ok else 'FAIL'} | {o.attempts} | {detail} |")
    return "\n".join(lines)


def requests_fetch(url: str, timeout: float, headers: dict[str, str] | None = None) -> Reply:
    import requests

    response = requests.get(url, timeout=timeout, allow_redirects=False, headers=headers)
    return Reply(response.status_code, response.headers.get("Content-Type", ""), response.text)


def authenticated(outputs_path: str | None, id_token: IdTokenSource) -> Fetch:
    """Plain fetches for public services; ID-token fetches for private ones."""
    if not outputs_path:
        return requests_fetch
    outputs = load(outputs_path)
    if outputs.raw.get("servicePublic", True) is not False:
        return requests_fetch
    audience = outputs.text("serviceUrl")
    token = id_token(audience)
    print(f"private service: sending an ID token for audience {audience}", flush=True)
    return lambda url, timeout: requests_fetch(url, timeout, {"Authorization": f"Bearer {token}"})


def main(
    argv: list[str] | None = None, *, fetch: Fetch | None = None,
    id_token: IdTokenSource = google_id_token,
) -> int:  # fmt: skip
    parser = argparse.ArgumentParser(prog="python -m ops.release.smoke", description=__doc__)
    parser.add_argument("--base-url", required=True, help="https://... (no path)")
    parser.add_argument("--expect-version", help="APP_VERSION the revision must report")
    parser.add_argument("--deadline", type=float, default=180.0, help="seconds for all checks")
    parser.add_argument("--outputs", help="stack outputs: servicePublic=false sends an ID token")
    args = parser.parse_args(argv)
    if not args.base_url.startswith(("http://", "https://")):
        parser.error(f"--base-url {args.base_url!r} must start with http:// or https://")
    outcomes = run_checks(
        args.base_url, fetch=fetch or authenticated(args.outputs, id_token), deadline=args.deadline,
        expect_version=args.expect_version,
    )  # fmt: skip
    text = report(args.base_url, outcomes)
    print(text)
    write_summary(text)
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
