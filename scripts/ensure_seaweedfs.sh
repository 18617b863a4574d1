#!/usr/bin/env bash
# Builds the pinned SeaweedFS (`weed`) into .tools/bin/weed and prints its path on stdout.
# `go install` refuses SeaweedFS's module (its go.mod has replace directives), so this
# downloads the module into the Go module cache and runs `go build ./weed` inside it.
# Cached: skips the build when the binary exists and .tools/bin/weed.stamp records the same
# module version. Messages (and the build time) go to stderr; on failure exits non-zero with
# the build's error output on stderr. Used by scripts/test_more_stores.sh, not by CI.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/versions.env
. "$root/scripts/versions.env"
bin_dir="$root/.tools/bin"
exe="$bin_dir/weed"
stamp="$bin_dir/weed.stamp"
log="$root/.cache/seaweedfs-build.log"

if [[ -x "$exe" && -f "$stamp" && "$(cat "$stamp")" == "$SEAWEEDFS_MODULE" ]]; then
  echo "ensure_seaweedfs: using cached $exe ($SEAWEEDFS_MODULE)" >&2
  printf '%s\n' "$exe"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "ensure_seaweedfs: error: the Go toolchain (go) is not on PATH, so SeaweedFS cannot be built." >&2
  exit 1
fi

mkdir -p "$bin_dir" "$root/.cache"
rm -f "$stamp"
echo "ensure_seaweedfs: building $SEAWEEDFS_MODULE with $(go version | awk '{print $3}')" \
  "(several minutes; log: $log) ..." >&2
start=$SECONDS
fail() {
  echo "ensure_seaweedfs: error: $1 after $((SECONDS - start))s:" >&2
  grep -v '^go: downloading ' "$log" | tail -n 60 >&2 || true
  exit 1
}
GOFLAGS=-mod=mod go mod download -json "$SEAWEEDFS_MODULE" >"$log" 2>&1 ||
  fail "go mod download $SEAWEEDFS_MODULE failed"
dir="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["Dir"])' "$log")" ||
  fail "go mod download printed no module directory"
(cd "$dir" && go build -o "$exe" ./weed) >>"$log" 2>&1 || fail "go build ./weed in $dir failed"
if ! "$exe" version >/dev/null 2>&1; then
  echo "ensure_seaweedfs: error: the build succeeded but $exe does not run:" >&2
  "$exe" version 2>&1 | tail -n 20 >&2 || true
  exit 1
fi
printf '%s\n' "$SEAWEEDFS_MODULE" >"$stamp"
echo "ensure_seaweedfs: built SeaweedFS in $((SECONDS - start))s: $exe" >&2
printf '%s\n' "$exe"
