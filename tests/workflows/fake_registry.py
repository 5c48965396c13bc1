"""Stand-ins for `skopeo` and `docker buildx build` over a JSON file acting as Artifact
Registry, with the semantics publish-image.sh must survive: tags are immutable (a push to
an existing tag is refused even with the same digest), reads need a login for the host, a
copy keeps the digest only with --preserve-digests (otherwise the manifest is re-encoded),
and every build yields new bytes (timestamps), so a rebuild is never the same digest.

Run as `python fake_registry.py skopeo|docker ...`; FAKE_REGISTRY names the state file.
In the state, `read_only` lists repositories this identity cannot push to, and `race`
({"<repo>:<tag>": digest}) puts a tag in the registry just before the next push to it, as
if another run had pushed it first.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

STATE = Path(os.environ.get("FAKE_REGISTRY", "registry.json"))


def load() -> dict[str, Any]:
    state = json.loads(STATE.read_text()) if STATE.exists() else {}
    for key in ("tags", "logins", "builds", "pushes", "race", "read_only"):
        state.setdefault(key, {} if key in ("tags", "race") else [])
    return state


def save(state: dict[str, Any]) -> None:
    STATE.write_text(json.dumps(state, indent=1))


def fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 1


def host_of(ref: str) -> str:
    return ref.removeprefix("docker://").split("/", 1)[0]


def resolve(state: dict[str, Any], ref: str) -> str | None:
    """The digest `docker://repo:tag` or `docker://repo@digest` names, None if absent."""
    ref = ref.removeprefix("docker://")
    if "@" in ref:
        repo, digest = ref.split("@", 1)
        known = {d for key, d in state["tags"].items() if key.rsplit(":", 1)[0] == repo}
        return digest if digest in known else None
    return state["tags"].get(ref)


def skopeo(args: list[str]) -> int:
    state = load()
    command, rest = args[0], args[1:]
    if command == "login":
        password = sys.stdin.read()
        if not password or "--password-stdin" not in rest:
            return fail("Error: no password on stdin")
        state["logins"].append(rest[-1])
        save(state)
        return 0
    refs = [a for a in rest if "://" in a or a.startswith("oci-archive:")]
    for ref in refs:
        if ref.startswith("docker://") and host_of(ref) not in state["logins"]:
            return fail(f"unauthorized: authentication required for {host_of(ref)}")
    if command == "inspect":
        digest = resolve(state, refs[0])
        if digest is None:
            return fail(f"manifest unknown: {refs[0]}")
        print(digest)
        return 0
    if command == "copy":
        source, dest = refs
        if source.startswith("oci-archive:"):
            digest = (
                "sha256:" + hashlib.sha256(Path(source.split(":", 1)[1]).read_bytes()).hexdigest()
            )
        else:
            found = resolve(state, source)
            if found is None:
                return fail(f"manifest unknown: {source}")
            digest = found
        if "--preserve-digests" not in rest:
            digest = "sha256:" + hashlib.sha256(f"re-encoded {digest}".encode()).hexdigest()
        target = dest.removeprefix("docker://")
        if target.rsplit(":", 1)[0] in state["read_only"]:
            permission = "artifactregistry.repositories.uploadArtifacts"
            return fail(f"denied: Permission '{permission}' denied on {target}")
        if target in state["race"]:
            state["tags"][target] = state["race"].pop(target)
        if target in state["tags"]:
            save(state)
            return fail(
                f"denied: tag {target} already exists and the repository's tags are immutable"
            )
        state["tags"][target] = digest
        state["pushes"].append(target)
        save(state)
        if "--digestfile" in rest:
            Path(rest[rest.index("--digestfile") + 1]).write_text(digest)
        return 0
    return fail(f"fake skopeo: unsupported command {command}")


def docker(args: list[str]) -> int:
    if args[:2] != ["buildx", "build"]:
        return fail(f"fake docker: unsupported {args}")
    output = args[args.index("--output") + 1]
    fields = dict(part.split("=", 1) for part in output.split(","))
    if fields.get("type") != "oci":
        return fail(f"fake docker: only --output type=oci is modelled, got {output}")
    Path(fields["dest"]).write_bytes(f"image layers, built at {uuid.uuid4()}".encode())
    state = load()
    state["builds"].append(args[2:])
    save(state)
    return 0


if __name__ == "__main__":
    tool, argv = sys.argv[1], sys.argv[2:]
    sys.exit(skopeo(argv) if tool == "skopeo" else docker(argv))
