"""A fake gcloud + pulumi CLI for the bootstrap tests: the real tools' exit codes and error
texts (not found vs. no credentials vs. permission denied), and state that create commands
change, so idempotence and "could not read" are tested against realistic answers."""

from __future__ import annotations

import json
from collections.abc import Sequence

from ops.bootstrap.commands import CommandResult
from ops.bootstrap.run import PULUMI_VERSION

NO_ACCOUNT = (
    "ERROR: (gcloud.auth.print-access-token) You do not currently have an active account "
    "selected.\nPlease run:\n\n  $ gcloud auth login\n\nto obtain new credentials.\n"
)
NO_ADC = (
    "ERROR: (gcloud.auth.application-default.print-access-token) Your default credentials "
    "were not found. To set up Application Default Credentials, see "
    "https://cloud.google.com/docs/authentication/external/set-up-adc for more information.\n"
)


def hardened() -> dict:
    return {
        "versioning": {"enabled": True},
        "iamConfiguration": {
            "uniformBucketLevelAccess": {"enabled": True},
            "publicAccessPrevention": "enforced",
        },
    }


class FakeCloud:
    """Answers describe/list commands from its state and applies create commands to it."""

    def __init__(self, *, logged_in=True, adc=True, pulumi=f"v{PULUMI_VERSION}", billing=True):
        self.logged_in, self.adc, self.pulumi, self.billing = logged_in, adc, pulumi, billing
        self.buckets: dict[str, dict] = {}
        self.denied: set[str] = set()  # bucket URLs whose describe is refused (403)
        self.key_ring = False
        self.keys: set[str] = set()
        self.stacks: set[tuple[str, str, str]] = set()  # (backend, cwd, stack)
        self.mutations: list[list[str]] = []

    def __call__(self, argv: Sequence[str]) -> CommandResult:
        argv = list(argv)
        backend = argv[1].split("=", 1)[1] if argv[0] == "env" else ""
        tool = argv[2:] if argv[0] == "env" else argv
        if tool[:3] == ["gcloud", "auth", "print-access-token"]:
            return (
                CommandResult(0, "ya29.x") if self.logged_in else CommandResult(1, "", NO_ACCOUNT)
            )
        if tool[:4] == ["gcloud", "auth", "application-default", "print-access-token"]:
            return CommandResult(0, "ya29.x") if self.adc else CommandResult(1, "", NO_ADC)
        if tool[:2] == ["pulumi", "version"]:
            return CommandResult(0, self.pulumi + "\n") if self.pulumi else CommandResult(127)
        if tool[:3] == ["gcloud", "projects", "describe"]:
            return CommandResult(0, json.dumps({"projectId": tool[3]}))
        if tool[:4] == ["gcloud", "billing", "projects", "describe"]:
            return CommandResult(0, f"{self.billing}\n")
        if tool[:4] == ["gcloud", "storage", "buckets", "describe"]:
            url = tool[4]
            if url in self.denied:
                return CommandResult(1, "", f"ERROR: (gcloud.storage.buckets.describe) HTTPError "
                                     f"403: admin@acme.example does not have storage.buckets.get "
                                     f"access to {url} (or it may not exist).")  # fmt: skip
            if url not in self.buckets:
                missing = f"ERROR: (gcloud.storage.buckets.describe) {url} not found: 404."
                return CommandResult(1, "", missing)
            return CommandResult(0, json.dumps(self.buckets[url]))
        if tool[:4] == ["gcloud", "kms", "keyrings", "describe"]:
            if self.key_ring:
                return CommandResult(0)
            return CommandResult(1, "", "ERROR: (gcloud.kms.keyrings.describe) NOT_FOUND: KeyRing "
                                 "projects/acme-ops/locations/europe-west1/keyRings/pulumi not "
                                 "found.")  # fmt: skip
        if tool[:4] == ["gcloud", "kms", "keys", "describe"]:
            if tool[4] in self.keys:
                return CommandResult(0)
            missing = f"ERROR: (gcloud.kms.keys.describe) NOT_FOUND: CryptoKey {tool[4]} not found."
            return CommandResult(1, "", missing)
        if tool[:3] == ["pulumi", "stack", "ls"]:
            cwd = tool[tool.index("--cwd") + 1]
            names = [
                {"name": f"organization/django-gcp/{s}"}
                for b, c, s in self.stacks
                if (b, c) == (backend, cwd)
            ]
            return CommandResult(0, json.dumps(names))
        self.mutations.append(argv)
        if tool[:4] == ["gcloud", "storage", "buckets", "create"]:
            self.buckets[tool[4]] = {"iamConfiguration": {}}
        elif tool[:4] == ["gcloud", "storage", "buckets", "update"]:
            self.buckets[tool[4]] = hardened()
        elif tool[:4] == ["gcloud", "kms", "keyrings", "create"]:
            self.key_ring = True
        elif tool[:4] == ["gcloud", "kms", "keys", "create"]:
            self.keys.add(tool[4])
        elif tool[:3] == ["pulumi", "stack", "init"]:
            self.stacks.add((backend, tool[tool.index("--cwd") + 1], tool[3]))
        return CommandResult(0)
