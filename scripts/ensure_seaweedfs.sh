#!/usr/bin/env bash
# Builds the pinned SeaweedFS (`weed`) into .tools/bin/weed and prints its path on stdout.
# `go install` refuses SeaweedFS's module (its go.mod has replace directives), so this
# downloads the module into the Go module cache and runs `go build ./weed` inside it.
# Cached: skips the build when the binary exists and .tools/bin/weed.stamp records the same
# module version. Messages (and the build time) go to stderr; on failure exits non-zero with
# the build's error output on stderr. Used by scripts/test_more_stores.sh, not by CI.
set -euo pipefail
# shellcheck source=scripts/ensure_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/ensure_lib.sh"

ensure_init seaweedfs SeaweedFS weed "$SEAWEEDFS_MODULE"
ensure_use_cached
ensure_toolchain go "Go toolchain"
ensure_start "$SEAWEEDFS_MODULE" "$(go version | awk '{print $3}')" "several minutes"
GOFLAGS=-mod=mod go mod download -json "$SEAWEEDFS_MODULE" >"$log" 2>&1 ||
  ensure_fail "go mod download $SEAWEEDFS_MODULE failed"
dir="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["Dir"])' "$log")" ||
  ensure_fail "go mod download printed no module directory"
(cd "$dir" && go build -o "$exe" ./weed) >>"$log" 2>&1 ||
  ensure_fail "go build ./weed in $dir failed"
ensure_runs "the build" version
ensure_done
