"""Which stack and GitHub environment a branch deploys to (or that it never deploys).

    python -m ops.release.branches --branch develop   # prints stack=dev environment=dev deploy=true

Exit codes: 0 mapped (or unmapped without --require), 3 unmapped with --require, 2 usage.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

from ops.clients.actions import write_outputs


@dataclass(frozen=True)
class Target:
    """Where a branch lands: the Pulumi stack and the GitHub environment (same names)."""

    stack: str
    environment: str


# The only branches that deploy. Everything else (feature branches, tags, PR merge refs)
# gets None: a typo in a branch name must never deploy anywhere.
BRANCH_TARGETS: dict[str, Target] = {
    "develop": Target(stack="dev", environment="dev"),
    "homolog": Target(stack="staging", environment="staging"),
    "main": Target(stack="prod", environment="prod"),
}


def branch_name(ref: str) -> str:
    """`refs/heads/main` -> `main`; a bare name is returned unchanged."""
    return ref.removeprefix("refs/heads/")


def target_for(ref: str) -> Target | None:
    if ref.startswith("refs/") and not ref.startswith("refs/heads/"):
        return None  # tags and pull request refs never deploy
    return BRANCH_TARGETS.get(branch_name(ref))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.release.branches", description=__doc__)
    parser.add_argument("--branch", required=True, help="branch name or refs/heads/<name>")
    parser.add_argument("--require", action="store_true", help="exit 3 if it does not deploy")
    args = parser.parse_args(argv)
    target = target_for(args.branch)
    values = {
        "deploy": "true" if target else "false",
        "stack": target.stack if target else "",
        "environment": target.environment if target else "",
    }
    write_outputs(values)
    print(" ".join(f"{key}={value}" for key, value in values.items()))
    if target is None:
        known = ", ".join(f"{b}->{t.stack}" for b, t in BRANCH_TARGETS.items())
        print(f"branch {args.branch!r} does not deploy (deploying branches: {known})",
              file=sys.stderr)  # fmt: skip
        return 3 if args.require else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
