#!/usr/bin/env bash
# Publish this git tree's image to this environment's registry exactly once, and print the
# digest every later step deploys. Called by deploy.yml's `image` job; tested with a fake
# registry in tests/workflows/test_publish_image.py.
#
# Why per git tree, not per commit: a merge commit whose tree equals the branch it merged
# (homolog -> main) has a new sha but the same files, so it reuses the image staging
# tested, byte for byte. The image therefore carries no commit: the revision's APP_VERSION
# comes from the `commit` stack key at deploy time.
#
# Why copy by digest between per-environment registries rather than one shared registry:
# each environment's registry stays writable only by its own deployer and readable by its
# own Cloud Run, so a dev or staging credential cannot place an image prod will run, and
# `skopeo copy --preserve-digests` guarantees prod runs the bytes staging tested (the copy
# fails rather than re-encode). The upstream registry (staging for prod, dev for staging)
# is only read. A tree the upstream never saw (a hotfix straight to main) is built here.
#
# Why check-then-push: tags are immutable and a rebuild is not byte-identical, so pushing
# again would be refused and a re-run would fail. Whatever already holds `tree-<sha>` is
# this tree's image: reused, never rebuilt. A concurrent run that pushed it first wins and
# this run adopts its digest.
#
# Environment: REPO (this registry's image path), TREE (git tree sha), REGISTRY_TOKEN
# (access token for *.pkg.dev), optional UPSTREAM_REPO, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY.
set -euo pipefail

: "${REPO:?REPO, the image path in this environment registry (<region>-docker.pkg.dev/<project>/<repo>/app), is required}"
: "${TREE:?TREE (the git tree sha of the commit) is required}"
[[ "$TREE" =~ ^[0-9a-f]{40}$ ]] || { echo "TREE must be a 40-hex git tree sha, got '$TREE'" >&2; exit 2; }
UPSTREAM_REPO="${UPSTREAM_REPO:-}"
TAG="tree-$TREE"
OUT="${GITHUB_OUTPUT:-/dev/stdout}"
SUMMARY="${GITHUB_STEP_SUMMARY:-/dev/null}"

login() {
  local host
  for host in $(printf '%s\n' "${REPO%%/*}" ${UPSTREAM_REPO:+"${UPSTREAM_REPO%%/*}"} | sort -u); do
    printf '%s' "${REGISTRY_TOKEN:?REGISTRY_TOKEN is required}" \
      | skopeo login --username oauth2accesstoken --password-stdin "$host" >/dev/null
  done
}

# The digest a tag points at, or nothing when the tag does not exist.
digest_of() {
  skopeo inspect --no-tags --format '{{.Digest}}' "docker://$1" 2>/dev/null || true
}

# Push SOURCE under REPO:TAG; if the push is refused because the tag now exists, adopt it.
push() {
  local source=$1 how=$2 digest
  if ! skopeo copy --quiet --preserve-digests --digestfile "$workdir/digest" "$source" "docker://$REPO:$TAG"; then
    digest=$(digest_of "$REPO:$TAG")
    [[ -n "$digest" ]] || { echo "could not push $REPO:$TAG and it does not exist" >&2; exit 1; }
    echo "$REPO:$TAG was pushed meanwhile by another run: using its digest $digest" >&2
    finish "$digest" "adopted (pushed concurrently)"
    return
  fi
  finish "$(cat "$workdir/digest")" "$how"
}

finish() {
  echo "digest=$1" >>"$OUT"
  echo "image=$REPO@$1" >>"$OUT"
  echo "| image | \`$REPO@$1\` | $2 (tag \`$TAG\`) |" >>"$SUMMARY"
  echo "image $REPO@$1: $2" >&2
}

workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
login

existing=$(digest_of "$REPO:$TAG")
if [[ -n "$existing" ]]; then
  finish "$existing" "reused (already in this registry)"
  exit 0
fi
if [[ -n "$UPSTREAM_REPO" ]]; then
  upstream=$(digest_of "$UPSTREAM_REPO:$TAG")
  if [[ -n "$upstream" ]]; then
    push "docker://$UPSTREAM_REPO@$upstream" "copied by digest from $UPSTREAM_REPO"
    exit 0
  fi
  echo "$UPSTREAM_REPO has no $TAG: building it here" >&2
fi
# No provenance or SBOM attestation: buildx's provenance names the run attempt, which
# would make every re-run a different digest for the same tree.
docker buildx build --provenance=false --sbom=false \
  --output "type=oci,dest=$workdir/image.tar,tar=true" .
push "oci-archive:$workdir/image.tar" "built from this tree"
