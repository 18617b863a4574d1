#!/usr/bin/env bash
# Builds the pinned MinIO server into .tools/bin/minio with `go install` and prints its path on
# stdout. Cached: skips the build when the binary exists and .tools/bin/minio.stamp records the
# same module version. Messages (and the build time) go to stderr. On failure exits non-zero
# with the build's error output on stderr; callers may continue without MinIO.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/versions.env
. "$root/scripts/versions.env"
bin_dir="$root/.tools/bin"
exe="$bin_dir/minio"
stamp="$bin_dir/minio.stamp"
log="$root/.cache/minio-build.log"

if [[ -x "$exe" && -f "$stamp" && "$(cat "$stamp")" == "$MINIO_MODULE" ]]; then
  echo "ensure_minio: using cached $exe ($MINIO_MODULE)" >&2
  printf '%s\n' "$exe"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "ensure_minio: error: the Go toolchain (go) is not on PATH, so MinIO cannot be built." >&2
  exit 1
fi

mkdir -p "$bin_dir" "$root/.cache"
rm -f "$stamp"
echo "ensure_minio: building $MINIO_MODULE with $(go version | awk '{print $3}')" \
  "(takes minutes on a cold module cache; log: $log) ..." >&2
start=$SECONDS
if ! GOBIN="$bin_dir" go install "$MINIO_MODULE" >"$log" 2>&1; then
  elapsed=$((SECONDS - start))
  echo "ensure_minio: error: go install $MINIO_MODULE failed after ${elapsed}s:" >&2
  # The exact error, without the "go: downloading" progress noise.
  grep -v '^go: downloading ' "$log" | tail -n 60 >&2 || true
  exit 1
fi
elapsed=$((SECONDS - start))
if ! "$exe" --version >/dev/null 2>&1; then
  echo "ensure_minio: error: go install succeeded but $exe does not run:" >&2
  "$exe" --version 2>&1 | tail -n 20 >&2 || true
  exit 1
fi
printf '%s\n' "$MINIO_MODULE" >"$stamp"
echo "ensure_minio: built MinIO in ${elapsed}s: $exe" >&2
printf '%s\n' "$exe"
