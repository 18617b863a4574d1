#!/usr/bin/env bash
# Builds the pinned MinIO server into .tools/bin/minio with `go install` and prints its path on
# stdout. Cached: skips the build when the binary exists and .tools/bin/minio.stamp records the
# same module version. Messages (and the build time) go to stderr. On failure exits non-zero
# with the build's error output on stderr; callers may continue without MinIO.
set -euo pipefail
# shellcheck source=scripts/ensure_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/ensure_lib.sh"

ensure_init minio MinIO minio "$MINIO_MODULE"
ensure_use_cached
ensure_toolchain go "Go toolchain"
ensure_start "$MINIO_MODULE" "$(go version | awk '{print $3}')" \
  "takes minutes on a cold module cache"
GOBIN="$bin_dir" go install "$MINIO_MODULE" >"$log" 2>&1 ||
  ensure_fail "go install $MINIO_MODULE failed"
ensure_runs "go install" --version
ensure_done
