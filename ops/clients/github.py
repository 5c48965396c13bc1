"""The few GitHub REST calls the release makes: is a run alive, cancel runs, list runs.

Authenticated with the job's GITHUB_TOKEN (actions: write to cancel); the API address is
the one Actions provides in GITHUB_API_URL, so tests can serve it locally. Transient
errors are retried with backoff like the Google calls.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from ops.clients.retry import Backoff, session_retry

ACTIVE = ("queued", "in_progress", "waiting", "pending", "requested")


class GitHubError(RuntimeError):
    """A GitHub API call failed; the message names the call."""


@dataclass(frozen=True)
class Run:
    id: int
    attempt: int
    status: str  # queued | in_progress | ... | completed
    conclusion: str | None
    url: str
    branch: str

    @property
    def alive(self) -> bool:
        return self.status != "completed"


def _run(data: dict[str, Any]) -> Run:
    return Run(
        id=int(data["id"]), attempt=int(data.get("run_attempt") or 1),
        status=str(data.get("status") or ""), conclusion=data.get("conclusion"),
        url=str(data.get("html_url") or ""), branch=str(data.get("head_branch") or ""),
    )  # fmt: skip


class GitHub:
    def __init__(
        self, *, repository: str | None = None, token: str | None = None,
        api_url: str | None = None, backoff: Backoff | None = None,
    ) -> None:  # fmt: skip
        self.repository = repository or os.environ.get("GITHUB_REPOSITORY", "")
        self._base = api_url or os.environ.get("GITHUB_API_URL") or "https://api.github.com"
        if token is None:
            token = os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN", "")
        if not self.repository or not token:
            raise GitHubError(
                "GITHUB_REPOSITORY and GITHUB_TOKEN (or GH_TOKEN) must be set: "
                "the job's token, with actions: read (actions: write to cancel)"
            )
        self._session = requests.Session()
        self._session.mount(self._base, HTTPAdapter(max_retries=session_retry(backoff)))
        self._session.headers.update({
            "Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        })  # fmt: skip

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        url = f"{self._base.rstrip('/')}/repos/{self.repository}{path}"
        response = self._session.request(method, url, timeout=30, **kwargs)
        # 409 on cancel: the run already finished, which is what cancelling wanted.
        if response.status_code >= 400 and not (method == "POST" and response.status_code == 409):
            raise GitHubError(f"{method} {url} -> HTTP {response.status_code}: "
                              f"{response.text[:300]}")  # fmt: skip
        return response.json() if response.content else {}

    def run(self, run_id: int) -> Run:
        return _run(self._call("GET", f"/actions/runs/{run_id}"))

    def run_url(self, run_id: int) -> str:
        return f"https://github.com/{self.repository}/actions/runs/{run_id}"

    def active_runs(self, workflow: str, branch: str) -> list[Run]:
        found: list[Run] = []
        for status in ACTIVE:
            page = self._call(
                "GET", f"/actions/workflows/{workflow}/runs",
                params={"branch": branch, "status": status, "per_page": 100},
            )  # fmt: skip
            found += [_run(r) for r in page.get("workflow_runs") or []]
        return sorted({r.id: r for r in found}.values(), key=lambda r: r.id)

    def cancel(self, run_id: int) -> None:
        self._call("POST", f"/actions/runs/{run_id}/cancel")
