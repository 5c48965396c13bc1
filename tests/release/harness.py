"""Drive the release the way .github/workflows/deploy.yml and rollback.yml do: the same
entry points (main(argv) of each `python -m ops.release.<tool>`), in workflow order, with
the same arguments, against the fake Google APIs, the fake GitHub and the Pulumi stand-in.

Seams, all explicit: the stack factory (the stand-in instead of the Automation API), the
clock (fake time), the smoke base URL (the fake app's path for the URL the outputs name)
and the ID-token source (a token the fake verifies instead of Google's).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from ops.clients.github import GitHub
from ops.clients.retry import Backoff
from ops.release import backup, deploy_phase, migrate, preempt, restore, rollout, smoke
from ops.release.branches import BRANCH_TARGETS
from ops.release.controller import Clock
from tests.release.fake_github import FakeGitHub
from tests.release.fake_google import FakeGoogle
from tests.release.outcome import Cancelled, GitRepo, Outcome, image_for
from tests.release.standin import RunnerDied, StandinStack
from tests.release.world import World

FAST = Backoff(initial=0.01, maximum=0.05, deadline=10.0)


class Release:
    def __init__(self, tmp: Path, monkeypatch: pytest.MonkeyPatch, world: World,
                 google: FakeGoogle, github: FakeGitHub) -> None:  # fmt: skip
        self.tmp, self.mp, self.world, self.google, self.github = (
            tmp, monkeypatch, world, google, github)  # fmt: skip
        self.state = tmp / "state"
        self.state.mkdir()
        self.repo = tmp / "repo"
        self.git = GitRepo(self.repo)
        self.die_on_up: int | None = None
        self.cancel_at: int | None = None  # cancel the run while the candidate has this %
        self.on_bake: tuple[int, Callable[[], object]] | None = None  # (percent, action)
        self.ignore_error_budget = False  # the running deploy's input of that name
        self.next_run = 1000
        for key, value in google.endpoints().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("GITHUB_API_URL", github.url)
        monkeypatch.setenv("GITHUB_REPOSITORY", "acme/app")
        monkeypatch.delenv("GITHUB_TOKEN", raising=False)
        monkeypatch.setenv("GH_TOKEN", "ghs-test-token")  # as deploy.yml passes it
        monkeypatch.setattr("ops.clients.retry.DEFAULT_BACKOFF", FAST)

    def commit(self, message: str) -> str:
        return self.git.commit(message)

    # -- plumbing ----------------------------------------------------------------------------
    def stacks(self, name: str) -> StandinStack:
        stack = StandinStack(name, self.state, self.world)
        stack.die_on_up = self.die_on_up
        return stack

    def outputs(self, stack: str) -> dict:
        return StandinStack(stack, self.state, self.world).outputs()

    @property
    def clock(self) -> Clock:
        return Clock(now=self.world.clock.now, sleep=self._sleep)

    def _sleep(self, seconds: float) -> None:
        candidate = self.world.services["django-app"].latest
        if self.on_bake and self.world.shares_now("django-app").get(candidate) == self.on_bake[0]:
            _, action = self.on_bake
            self.on_bake = None
            keys = ("GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT")
            saved = {k: os.environ[k] for k in keys}
            action()  # another workflow run, while this rollout bakes
            for key, value in saved.items():
                self.mp.setenv(key, value)
            if int(saved["GITHUB_RUN_ID"]) in self.github.state.cancelled:
                raise Cancelled("cancelled by another run")
        if self.cancel_at is not None and self.world.shares_now("django-app").get(
                candidate) == self.cancel_at:  # fmt: skip
            self.cancel_at = None
            raise Cancelled(f"cancelled at {self.world.shares_now('django-app')}")
        self.world.clock.sleep(seconds)

    def start_run(self, branch: str, attempt: int = 1, run_id: int | None = None) -> int:
        run_id = run_id or self.next_run
        self.next_run = max(self.next_run, run_id) + 1
        if run_id not in self.github.state.runs:
            self.github.state.add(run_id, branch, attempt=attempt)
        self.github.state.runs[run_id]["run_attempt"] = attempt
        self.mp.setenv("GITHUB_RUN_ID", str(run_id))
        self.mp.setenv("GITHUB_RUN_ATTEMPT", str(attempt))
        for name in ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"):
            path = self.tmp / f"{name.lower()}-{run_id}-{attempt}.md"
            path.write_text("")
            self.mp.setenv(name, str(path))
        return run_id

    def _step_outputs(self) -> dict[str, str]:
        text = Path(os.environ["GITHUB_OUTPUT"]).read_text()
        values = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
        Path(os.environ["GITHUB_OUTPUT"]).write_text("")
        return values

    def smoke_url(self, url: str, service: str) -> str:
        route = "candidate" if url.startswith("https://candidate---") else "main"
        return f"{self.google.base}/app/{service}/{route}"

    def id_token(self, audience: str) -> str:
        self.world.api_calls.append(f"ID-TOKEN {audience}")
        return f"fake-id-token:{audience}"

    def github_client(self) -> GitHub:
        return GitHub(backoff=FAST)

    # -- the workflows -------------------------------------------------------------------------
    def restore(self, stack: str) -> int:
        return restore.main(["--stack", stack], stacks=self.stacks, github=self.github_client)

    def deploy(self, stack: str, commit: str, *, run_id: int | None = None, attempt: int = 1,
               stop_after: str | None = None,
               ignore_error_budget: bool = False) -> Outcome:  # fmt: skip
        """deploy.yml: restore, candidate, backup (prod), migrate, serve, smoke, rollout; restore
        on failure or cancellation. ``ignore_error_budget``: deploy.yml's input of that name."""
        branch = next(b for b, t in BRANCH_TARGETS.items() if t.stack == stack)
        run = self.start_run(branch, attempt, run_id)
        out = Outcome()
        files = {n: str(self.tmp / f"{n}-{run}-{attempt}.json") for n in ("previous", "candidate")}
        image = image_for(stack, commit)
        try:
            self.ignore_error_budget = ignore_error_budget
            return self._deploy(stack, commit, out, files, image, stop_after)
        except Cancelled:  # deploy.yml: the restore step runs `if: failure() || cancelled()`
            out.steps["cancelled"] = 1
            if self.github.state.runs[run]["status"] != "completed":  # else it already ran
                out.steps["restore-after"] = self.restore(stack)
                self.github.state.finish(run, "cancelled")
            return out
        except RunnerDied:  # nothing runs after a dead runner; GitHub fails the run later
            out.steps["runner died"] = 1
            return out
        finally:
            out.summary = Path(os.environ["GITHUB_STEP_SUMMARY"]).read_text()

    def _deploy(self, stack: str, commit: str, out: Outcome, files: dict[str, str],
                image: str, stop_after: str | None) -> Outcome:  # fmt: skip
        out.steps["restore"] = self.restore(stack)
        if out.steps["restore"]:
            return self._finish(out, stack, failed=False)
        out.steps["candidate"] = deploy_phase.main([
            "--stack", stack, "--phase", "candidate", "--image", image, "--commit", commit,
            "--previous", files["previous"], "--save-outputs", files["candidate"],
            "--repo", str(self.repo)], stacks=self.stacks)  # fmt: skip
        out.outputs.update(self._step_outputs())
        if out.steps["candidate"] or out.outputs.get("skip") == "true":
            return self._finish(out, stack, failed=bool(out.steps["candidate"]))
        if stack == "prod":  # deploy.yml: `if: inputs.stack == 'prod'`
            out.steps["backup"] = backup.main(
                ["--outputs", files["candidate"], "--description", f"before {commit}"],
                sleep=self.world.clock.sleep, clock=self.world.clock.monotonic)  # fmt: skip
            if out.steps["backup"]:
                return self._finish(out, stack, failed=True)
        out.steps["migrate"] = migrate.main(["--outputs", files["candidate"]],
                                            sleep=self.world.clock.sleep,
                                            clock=self.world.clock.monotonic)  # fmt: skip
        if out.steps["migrate"]:
            return self._finish(out, stack, failed=True)
        out.steps["serve"] = deploy_phase.main([
            "--stack", stack, "--phase", "serve", "--image", image, "--commit", commit,
            "--save-outputs", files["candidate"]], stacks=self.stacks)  # fmt: skip
        out.outputs.update(self._step_outputs())
        service = json.loads(Path(files["candidate"]).read_text())["serviceName"]
        out.steps["smoke"] = smoke.main([
            "--base-url", self.smoke_url(out.outputs["smoke_url"], service),
            "--expect-version", commit, "--deadline", "1",
            "--outputs", files["candidate"]], id_token=self.id_token)  # fmt: skip
        if out.steps["smoke"]:
            return self._finish(out, stack, failed=True)
        if stop_after == "smoke":
            return out
        direct = [] if stack == "prod" else ["--direct"]
        out.steps["rollout"] = rollout.main([
            "--stack", stack, "--previous", files["previous"], "--outputs",
            files["candidate"], "--smoke-passed", *direct,
            f"--ignore-error-budget={str(self.ignore_error_budget).lower()}"],
            stacks=self.stacks, clock=self.clock)  # fmt: skip
        return self._finish(out, stack, failed=bool(out.steps["rollout"]))

    def _finish(self, out: Outcome, stack: str, *, failed: bool) -> Outcome:
        if failed:  # deploy.yml: `if: failure() || cancelled()`
            out.steps["restore-after"] = self.restore(stack)
        self.github.state.finish(int(os.environ["GITHUB_RUN_ID"]),
                                 "failure" if failed else "success")  # fmt: skip
        return out

    def rollback(self, stack: str, revision: str = "previous") -> Outcome:
        """rollback.yml: pre-empt the environment's release, restore, pin, smoke."""
        branch = next(b for b, t in BRANCH_TARGETS.items() if t.stack == stack)
        run = self.start_run(branch)
        self.github.state.runs[run]["head_branch"] = "rollback"  # not a cd.yml run
        out = Outcome()
        pinned = str(self.tmp / f"pinned-{run}.json")
        out.steps["preempt"] = preempt.main(["--environment", stack],
                                            github=self.github_client,
                                            sleep=self._run_cancelled_restores)  # fmt: skip
        out.steps["restore"] = self.restore(stack)
        out.steps["pin"] = deploy_phase.main([
            "--stack", stack, "--phase", "pin", "--revision", revision,
            "--previous", str(self.tmp / f"current-{run}.json"), "--save-outputs", pinned,
        ], stacks=self.stacks)  # fmt: skip
        out.summary = Path(os.environ["GITHUB_STEP_SUMMARY"]).read_text()
        self.github.state.finish(run, "success" if out.ok else "failure")
        return out

    def _run_cancelled_restores(self, _seconds: float) -> None:
        """While the rollback waits: each cancelled release runs its restore step, ends."""
        saved = {k: os.environ[k] for k in ("GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT",
                                            "GITHUB_STEP_SUMMARY")}  # fmt: skip
        for run_id in list(self.github.state.cancelled):
            run = self.github.state.runs[run_id]
            if run["status"] == "completed":
                continue
            self.mp.setenv("GITHUB_RUN_ID", str(run_id))
            self.mp.setenv("GITHUB_RUN_ATTEMPT", str(run["run_attempt"]))
            summary = self.tmp / f"github_step_summary-{run_id}-{run['run_attempt']}.md"
            self.mp.setenv("GITHUB_STEP_SUMMARY", str(summary))
            stack = BRANCH_TARGETS[run["head_branch"]].stack
            self.restore(stack)
            self.github.state.finish(run_id, "cancelled")
        for key, value in saved.items():
            self.mp.setenv(key, value)
