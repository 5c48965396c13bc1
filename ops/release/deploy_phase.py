"""Apply one release phase to a stack: read its outputs, set its traffic config, `up`.

    python -m ops.release.deploy_phase --stack prod --phase candidate --image <ref@sha256:..> \
        --commit <sha> --previous previous.json --save-outputs candidate.json
    python -m ops.release.deploy_phase --stack prod --phase serve --image <ref@sha256:..> \
        --commit <sha> --previous candidate.json --save-outputs candidate.json
    python -m ops.release.deploy_phase --stack prod --phase pin --revision previous \
        --previous current.json --save-outputs pinned.json

candidate: skip (exit 0, output skip=true) when the stack serves a newer commit; otherwise
the new revision at 0% under the `candidate` tag, or on an empty environment the migration
job only (`jobOnly`). serve: after the migration, an empty environment gets its service
(100% to the first revision); otherwise nothing. pin (rollback): 100% to a named or the
previous revision. `--previous` receives the stack outputs read before the phase.
Step outputs: skip, first_deploy, smoke_url, revision, serving.
Exit codes: 0 applied or skipped, 1 failed, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from google.api_core import exceptions as api_exceptions

from ops.clients.actions import write_outputs, write_summary
from ops.clients.cloud_run import CloudRun
from ops.clients.pulumi_stack import StackApi
from ops.release import revisions, traffic_config
from ops.release.apply import LockedError, StackFactory, apply, open_stack
from ops.release.ordering import order
from ops.release.outputs import OutputError, StackOutputs

PHASES = ("candidate", "serve", "pin")


def _save(path: str | None, outputs: StackOutputs) -> None:
    if path:
        Path(path).write_text(json.dumps(outputs.raw, indent=2), encoding="utf-8")


def _need(value: str | None, flag: str, phase: str) -> str:
    if not value:
        raise traffic_config.PhaseError(f"phase {phase} needs {flag}")
    return value


def run_phase(args: argparse.Namespace, stack: StackApi) -> dict[str, str]:
    before = StackOutputs(raw=stack.outputs())
    _save(args.previous, before)
    if args.phase == "pin":
        target = _need(args.revision, "--revision <name|previous>", "pin")
        run = CloudRun(before.text("projectId"), before.text("region"))
        listed = run.revisions(before.text("serviceName"))
        after = apply(stack, traffic_config.pin(before, revisions.resolve(target, before, listed)))
        return {"smoke_url": after.text("serviceUrl"), "revision": after.serving_revision() or ""}
    image = _need(args.image, "--image <registry>/app@sha256:...", args.phase)
    commit = _need(args.commit, "--commit <40-hex sha>", args.phase)
    if args.phase == "serve":
        if before.raw.get("serviceDeclared") is not False:
            return {"first_deploy": "false", "smoke_url": before.text("candidateUrl")}
        after = apply(stack, traffic_config.promote(image, commit))
        return {"first_deploy": "true", "smoke_url": after.text("serviceUrl"),
                "revision": after.latest_revision or ""}  # fmt: skip
    decided = order(commit, before.raw.get("commit") or None, repo=args.repo)
    print(decided.reason, flush=True)
    if decided.skip:
        write_summary(f"### Release skipped on `{args.stack}`\n\n| stack | commit | serving "
                      f"| decision |\n| --- | --- | --- | --- |\n| {args.stack} | `{commit}` | "
                      f"`{before.raw.get('commit')}` | {decided.reason} |")  # fmt: skip
        return {"skip": "true"}
    after = apply(stack, traffic_config.candidate(before, image, commit))
    first = after.raw.get("serviceDeclared") is False
    url = "" if first else after.text("candidateUrl")
    return {"skip": "false", "first_deploy": str(first).lower(), "smoke_url": url,
            "revision": after.latest_revision or ""}  # fmt: skip


def main(argv: list[str] | None = None, *, stacks: StackFactory = open_stack) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.release.deploy_phase",
                                     description=__doc__)  # fmt: skip
    parser.add_argument("--stack", required=True)
    parser.add_argument("--phase", required=True, choices=PHASES)
    parser.add_argument("--previous", help="write the outputs read before the phase here")
    parser.add_argument("--image", help="image reference pinned by digest")
    parser.add_argument("--commit", help="40-hex git sha the image was built from")
    parser.add_argument("--revision", help="pin: revision name or 'previous'")
    parser.add_argument("--save-outputs", help="write the new stack outputs here")
    parser.add_argument("--repo", default=".", help="git checkout for commit ordering")
    args = parser.parse_args(argv)
    stack = stacks(args.stack)
    try:
        values = run_phase(args, stack)
        after = StackOutputs(raw=stack.outputs())
    except (traffic_config.PhaseError, revisions.RevisionError, OutputError, LockedError,
            api_exceptions.GoogleAPIError, OSError, RuntimeError) as exc:  # fmt: skip
        print(f"phase {args.phase} FAILED on stack {args.stack}: {exc}", file=sys.stderr)
        write_summary(f"### Phase `{args.phase}` FAILED on `{args.stack}`\n\n{exc}")
        return 1
    _save(args.save_outputs, after)
    values.setdefault("serving", after.serving_revision() or "")
    write_outputs(values)
    shown = " ".join(f"{k}={v}" for k, v in values.items())
    print(shown)
    if values.get("skip") != "true":
        write_summary(f"### Phase `{args.phase}` applied on `{args.stack}`\n\n`{shown}`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
