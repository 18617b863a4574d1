#!/usr/bin/env bash
# Builds the pinned versitygw (Versity's S3 gateway) into .tools/bin/versitygw with
# `go install` and prints its path on stdout. Cached like scripts/ensure_minio.sh: skips the
# build when the binary exists and .tools/bin/versitygw.stamp records the same module
# version. Messages (and the build time) go to stderr. On failure exits non-zero with the
# build's error output on stderr; callers may continue without versitygw.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/versions.env
. "$root/scripts/versions.env"
bin_dir="$root/.tools/bin"
exe="$bin_dir/versitygw"
stamp="$bin_dir/versitygw.stamp"
log="$root/.cache/versitygw-build.log"

if [[ -x "$exe" && -f "$stamp" && "$(cat "$stamp")" == "$VERSITYGW_MODULE" ]]; then
  echo "ensure_versitygw: using cached $exe ($VERSITYGW_MODULE)" >&2
  printf '%s\n' "$exe"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "ensure_versitygw: error: the Go toolchain (go) is not on PATH, so versitygw cannot be built." >&2
  exit 1
fi

mkdir -p "$bin_dir" "$root/.cache"
rm -f "$stamp"
echo "ensure_versitygw: building $VERSITYGW_MODULE with $(go version | awk '{print $3}')" \
  "(about a minute on a cold module cache; log: $log) ..." >&2
start=$SECONDS
if ! GOBIN="$bin_dir" go install "$VERSITYGW_MODULE" >"$log" 2>&1; then
  elapsed=$((SECONDS - start))
  echo "ensure_versitygw: error: go install $VERSITYGW_MODULE failed after ${elapsed}s:" >&2
  grep -v '^go: downloading ' "$log" | tail -n 60 >&2 || true
  exit 1
fi
elapsed=$((SECONDS - start))
if ! "$exe" --version >/dev/null 2>&1; then
  echo "ensure_versitygw: error: go install succeeded but $exe does not run:" >&2
  "$exe" --version 2>&1 | tail -n 20 >&2 || true
  exit 1
fi
printf '%s\n' "$VERSITYGW_MODULE" >"$stamp"
echo "ensure_versitygw: built versitygw in ${elapsed}s: $exe" >&2
printf '%s\n' "$exe"
