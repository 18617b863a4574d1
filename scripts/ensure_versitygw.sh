#!/usr/bin/env bash
# Builds the pinned versitygw (Versity's S3 gateway) into .tools/bin/versitygw with
# `go install` and prints its path on stdout. Cached like scripts/ensure_minio.sh: skips the
# build when the binary exists and .tools/bin/versitygw.stamp records the same module
# version. Messages (and the build time) go to stderr. On failure exits non-zero with the
# build's error output on stderr; callers may continue without versitygw.
set -euo pipefail
# shellcheck source=scripts/ensure_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/ensure_lib.sh"

ensure_init versitygw versitygw versitygw "$VERSITYGW_MODULE"
ensure_use_cached
ensure_toolchain go "Go toolchain"
ensure_start "$VERSITYGW_MODULE" "$(go version | awk '{print $3}')" \
  "about a minute on a cold module cache"
GOBIN="$bin_dir" go install "$VERSITYGW_MODULE" >"$log" 2>&1 ||
  ensure_fail "go install $VERSITYGW_MODULE failed"
ensure_runs "go install" --version
ensure_done
