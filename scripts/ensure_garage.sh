#!/usr/bin/env bash
# Builds the pinned Garage into .tools/bin/garage with `cargo install garage --locked` and
# prints its path on stdout. Cached: skips the build when the binary exists and
# .tools/bin/garage.stamp records the same version. Messages (and the build time) go to
# stderr; on failure exits non-zero with the build's error output on stderr. Used by
# scripts/test_more_stores.sh, not by CI (the build takes many minutes).
set -euo pipefail
# shellcheck source=scripts/ensure_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/ensure_lib.sh"

ensure_init garage Garage garage "$GARAGE_VERSION"
install_root="$root/.cache/garage-install"
ensure_use_cached
ensure_toolchain cargo "Rust toolchain"
ensure_start "garage $GARAGE_VERSION" "$(cargo --version | awk '{print $2}')" "many minutes"
cargo install garage --version "$GARAGE_VERSION" --locked --root "$install_root" >"$log" 2>&1 ||
  ensure_fail "cargo install garage $GARAGE_VERSION failed" '^ *\(Compiling\|Downloaded\|Downloading\) '
install -m 0755 "$install_root/bin/garage" "$exe"
ensure_runs "cargo install" --version
ensure_done
