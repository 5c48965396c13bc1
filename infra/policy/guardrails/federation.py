"""Workload Identity: a GitHub provider trusts one repository by its numeric ids only.

Names (`acme/django-gcp`) can be re-registered after a rename or deletion; the numeric
repository_id and repository_owner_id cannot, so the provider condition must pin both.
The condition is judged by what it does, not how it is spelled: it is evaluated with a CEL
engine against hostile tokens (another repository with the same name, the right repository
under another owner, events the pipeline never uses). `true`, `1 == 1` or
`x ? true : true` admit them and are rejected, whatever they look like.
"""

from __future__ import annotations

import itertools
import re

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy

from .github_claims import CelError, evaluate, github_token
from .props import dig

PROVIDER_TYPE = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
# Events whose tokens run code a pull request or a comment controls.
HOSTILE_EVENTS = ("pull_request_target", "issue_comment", "workflow_run")
LEGIT_EVENTS = ("push", "workflow_dispatch", "schedule", "pull_request")
FOREIGN_ID = "999999999999"  # no literal of the condition; a repository nobody pinned


def _accepts(condition: str, **claims: str) -> bool:
    return evaluate(condition, github_token(**claims)) is True


def problems(condition: str) -> list[str]:
    """Why `condition` does not pin one repository by numeric ids ([] when it does)."""
    if not condition.strip():
        return ["is empty, so every GitHub repository's tokens are accepted"]
    numbers = re.findall(r"['\"]([0-9]+)['\"]", condition)
    names = [n for n in re.findall(r"['\"]([\w.-]+/[\w.-]+)['\"]", condition)] or [
        "acme/django-gcp"
    ]
    try:
        # A same-named repository under ids nobody pinned: must be refused.
        for repository, event in itertools.product(names, LEGIT_EVENTS):
            if _accepts(
                condition,
                repository=repository,
                repository_id=FOREIGN_ID,
                repository_owner_id=FOREIGN_ID,
                event_name=event,
            ):
                return [f"accepts a token from repository id {FOREIGN_ID} ({event})"]
        accepted = [
            (rid, oid, repository, event)
            for rid, oid in itertools.product(numbers, repeat=2)
            for repository, event in itertools.product(names, LEGIT_EVENTS)
            if _accepts(
                condition,
                repository=repository,
                repository_id=rid,
                repository_owner_id=oid,
                event_name=event,
            )
        ]
    except CelError as error:
        return [f"is not a valid CEL condition on GitHub's claims: {error}"]
    if not accepted:
        return ["accepts no token with a numeric repository_id and repository_owner_id"]
    found = []
    for rid, oid, repository, event in accepted:
        for label, claims in (
            ("the same repository id under another owner id", {"repository_owner_id": FOREIGN_ID}),
            ("another repository id under the same owner", {"repository_id": FOREIGN_ID}),
        ):
            ids = {"repository_id": rid, "repository_owner_id": oid, **claims}
            if _accepts(condition, repository=repository, event_name=event, **ids):
                found.append(f"accepts {label} ({event})")
        for hostile in HOSTILE_EVENTS:
            if _accepts(condition, repository=repository, repository_id=rid,
                        repository_owner_id=oid, event_name=hostile):  # fmt: skip
                found.append(f"accepts {hostile} tokens, whose code a pull request controls")
    return sorted(set(found))


def validate_wif_condition(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != PROVIDER_TYPE:
        return
    if dig(args.props, "oidc.issuerUri") != GITHUB_ISSUER:
        return
    condition = args.props.get("attributeCondition") or ""
    for problem in problems(condition):
        report(
            f"{args.name}: attributeCondition {condition!r} {problem}; pin both numeric ids "
            "and the pipeline's events, e.g. assertion.repository_id == '812345678' && "
            "assertion.repository_owner_id == '91234567' && assertion.event_name in "
            "['push', 'workflow_dispatch', 'schedule', 'pull_request']",
            None,
        )


WIF_CONDITION_ON_NUMERIC_IDS = ResourceValidationPolicy(
    name="wif-condition-numeric-ids",
    description="GitHub OIDC providers accept only this repository (numeric ids), evaluated.",
    validate=validate_wif_condition,
)
