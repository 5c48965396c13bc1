"""Apply one release phase to a stack: set its traffic config, `pulumi up`, save the outputs.

    python -m ops.release.deploy_phase --stack dev --phase candidate --image <ref@sha256:..> \
        --previous previous.json --save-outputs candidate.json
    python -m ops.release.deploy_phase --stack prod --phase abort --previous previous.json \
        --image <ref@sha256:..>
    python -m ops.release.deploy_phase --stack prod --phase pin --revision previous \
        --previous current.json --save-outputs pinned.json

Phases: candidate (0% under the candidate tag, stable keeps 100%), promote (latest 100%),
abort (100% back on the stable revision), pin (rollback: 100% to a named or the previous
revision until the next deploy). Exit codes: 0 applied, 1 failed, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import subprocess  # nosec B404: only for its exception type
import sys
from pathlib import Path

from ops.clients.actions import write_outputs, write_summary
from ops.clients.google_api import GoogleApiError, HttpSession, authorized_session
from ops.clients.pulumi_cli import PulumiStack
from ops.release import revisions, traffic_config
from ops.release.outputs import OutputError, StackOutputs, load

PHASES = ("candidate", "promote", "abort", "pin")


def compute(
    phase: str,
    previous: StackOutputs,
    *,
    image: str | None,
    revision: str | None,
    session: HttpSession | None,
) -> traffic_config.ConfigChange:
    if phase == "pin":
        if not revision:
            raise traffic_config.PhaseError("phase pin needs --revision <name|previous>")
        listed = revisions.list_revisions(session or authorized_session(), previous)
        return traffic_config.pin(previous, revisions.resolve(revision, previous, listed))
    if not image:
        raise traffic_config.PhaseError(f"phase {phase} needs --image <registry>/app@sha256:...")
    if phase == "candidate":
        return traffic_config.candidate(previous, image)
    if phase == "promote":
        return traffic_config.promote(image)
    stable = traffic_config.stable_revision(previous)
    if stable is None:
        raise traffic_config.PhaseError("nothing to restore: no revision served before")
    return traffic_config.abort(image, stable)


def main(
    argv: list[str] | None = None,
    *,
    stack: PulumiStack | None = None,
    session: HttpSession | None = None,
) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.release.deploy_phase", description=__doc__)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--phase", required=True, choices=PHASES)
    parser.add_argument("--previous", required=True, help="stack outputs before this phase")
    parser.add_argument("--image", help="image reference pinned by digest")
    parser.add_argument("--revision", help="pin: revision name or 'previous'")
    parser.add_argument("--save-outputs", help="write the new stack outputs here")
    args = parser.parse_args(argv)
    pulumi = stack or PulumiStack(args.stack)
    try:
        change = compute(
            args.phase, load(args.previous), image=args.image, revision=args.revision,
            session=session,
        )  # fmt: skip
        settings = " ".join(f"{k}={v}" for k, v in change.values.items())
        print(f"{args.stack}: phase {args.phase}: {settings} {change.note}".rstrip(), flush=True)
        pulumi.apply_config(change)
        pulumi.up()
        after = pulumi.outputs()
    except (traffic_config.PhaseError, revisions.RevisionError, OutputError, GoogleApiError,
            OSError, subprocess.CalledProcessError) as exc:  # fmt: skip
        print(f"phase {args.phase} FAILED on stack {args.stack}: {exc}", file=sys.stderr)
        write_summary(f"### Phase `{args.phase}` FAILED on `{args.stack}`\n\n{exc}")
        return 1
    if args.save_outputs:
        Path(args.save_outputs).write_text(json.dumps(after.raw, indent=2), encoding="utf-8")
    revision = after.latest_revision or ""
    write_outputs({"revision": revision, "serving": after.serving_revision() or ""})
    write_summary(f"### Phase `{args.phase}` applied on `{args.stack}`\n\n`{settings}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
