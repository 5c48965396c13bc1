"""How bootstrap reads gcloud's answers: present, absent, or could not tell."""

from __future__ import annotations

from pathlib import Path

from ops.bootstrap.commands import CommandResult, State, classify, subprocess_runner
from tests.governance.fake_gcloud import NO_ACCOUNT


def test_no_credentials_is_unknown_with_gcloud_s_own_error_line():
    probe = classify(CommandResult(1, "", NO_ACCOUNT))
    assert probe.state is State.UNKNOWN
    assert probe.reason.startswith("ERROR: (gcloud.auth.print-access-token) You do not")


def test_not_found_is_absent_but_not_found_or_denied_is_unknown():
    absent = CommandResult(1, "", "ERROR: (gcloud.storage.buckets.describe) gs://x not found: 404.")
    ambiguous = CommandResult(
        1, "", "ERROR: HTTPError 403: no storage.buckets.get access (or it may not exist)"
    )
    assert classify(absent).state is State.ABSENT
    assert classify(ambiguous).state is State.UNKNOWN


def test_the_real_runner_reports_a_missing_tool_as_not_found(tmp_path: Path):
    missing = subprocess_runner([str(tmp_path / "no-such-gcloud"), "version"])
    assert missing.returncode == 127
    assert classify(missing).state is State.UNKNOWN  # cannot ask != does not exist
    assert subprocess_runner(["true"]).returncode == 0


def test_an_unrecognised_failure_is_unknown_not_absent():
    odd = classify(CommandResult(2, "", "ERROR: (gcloud.kms.keys.describe) quota exceeded"))
    assert odd.state is State.UNKNOWN
    assert "exit 2" in odd.reason
