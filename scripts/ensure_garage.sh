#!/usr/bin/env bash
# Builds the pinned Garage into .tools/bin/garage with `cargo install garage --locked` and
# prints its path on stdout. Cached: skips the build when the binary exists and
# .tools/bin/garage.stamp records the same version. Messages (and the build time) go to
# stderr; on failure exits non-zero with the build's error output on stderr. Used by
# scripts/test_more_stores.sh, not by CI (the build takes many minutes).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/versions.env
. "$root/scripts/versions.env"
bin_dir="$root/.tools/bin"
exe="$bin_dir/garage"
stamp="$bin_dir/garage.stamp"
log="$root/.cache/garage-build.log"
install_root="$root/.cache/garage-install"

if [[ -x "$exe" && -f "$stamp" && "$(cat "$stamp")" == "$GARAGE_VERSION" ]]; then
  echo "ensure_garage: using cached $exe ($GARAGE_VERSION)" >&2
  printf '%s\n' "$exe"
  exit 0
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "ensure_garage: error: the Rust toolchain (cargo) is not on PATH, so Garage cannot be built." >&2
  exit 1
fi

mkdir -p "$bin_dir" "$root/.cache"
rm -f "$stamp"
echo "ensure_garage: building garage $GARAGE_VERSION with $(cargo --version | awk '{print $2}')" \
  "(many minutes; log: $log) ..." >&2
start=$SECONDS
if ! cargo install garage --version "$GARAGE_VERSION" --locked --root "$install_root" \
  >"$log" 2>&1; then
  echo "ensure_garage: error: cargo install garage $GARAGE_VERSION failed after $((SECONDS - start))s:" >&2
  grep -v '^ *\(Compiling\|Downloaded\|Downloading\) ' "$log" | tail -n 60 >&2 || true
  exit 1
fi
install -m 0755 "$install_root/bin/garage" "$exe"
if ! "$exe" --version >/dev/null 2>&1; then
  echo "ensure_garage: error: cargo install succeeded but $exe does not run:" >&2
  "$exe" --version 2>&1 | tail -n 20 >&2 || true
  exit 1
fi
printf '%s\n' "$GARAGE_VERSION" >"$stamp"
echo "ensure_garage: built Garage in $((SECONDS - start))s: $exe" >&2
printf '%s\n' "$exe"
