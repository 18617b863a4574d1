# shellcheck shell=bash
# The steps every scripts/ensure_*.sh builder shares, sourced by each: reuse a cached binary
# whose stamp records the pinned version, check the toolchain, build with the log in .cache,
# show the build's error on failure, check the binary runs, write the stamp, print the path.
# Messages (and the build time) go to stderr; only the binary's path goes to stdout.
#
#   . "$(dirname "${BASH_SOURCE[0]}")/ensure_lib.sh"
#   ensure_init minio MinIO minio "$MINIO_MODULE"   # script name, label, file in .tools/bin, pin
#   ensure_use_cached
#   ensure_toolchain go "Go toolchain"
#   ensure_start "$MINIO_MODULE" "$(go version | awk '{print $3}')" "takes minutes"
#   GOBIN="$bin_dir" go install "$MINIO_MODULE" >"$log" 2>&1 || ensure_fail "go install ... failed"
#   ensure_runs "go install" --version
#   ensure_done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/versions.env
. "$root/scripts/versions.env"
bin_dir="$root/.tools/bin"

# ensure_init NAME LABEL FILE VERSION: sets exe, stamp and log for the builder ensure_NAME.
ensure_init() {
  name="ensure_$1"
  label="$2"
  exe="$bin_dir/$3"
  stamp="$bin_dir/$3.stamp"
  version="$4"
  log="$root/.cache/$1-build.log"
}

# Prints the cached binary's path and exits 0 when its stamp records the pinned version.
ensure_use_cached() {
  if [[ -x "$exe" && -f "$stamp" && "$(cat "$stamp")" == "$version" ]]; then
    echo "$name: using cached $exe ($version)" >&2
    printf '%s\n' "$exe"
    exit 0
  fi
}

# ensure_toolchain COMMAND DESCRIPTION: exits 1 naming the toolchain when COMMAND is missing.
ensure_toolchain() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "$name: error: the $2 ($1) is not on PATH, so $label cannot be built." >&2
    exit 1
  fi
}

# ensure_start WHAT TOOLCHAIN_VERSION HINT: prepares the directories and starts the clock.
ensure_start() {
  mkdir -p "$bin_dir" "$root/.cache"
  rm -f "$stamp"
  echo "$name: building $1 with $2 ($3; log: $log) ..." >&2
  start=$SECONDS
}

# ensure_fail MESSAGE [NOISE_REGEX]: the build's error (without progress noise), then exit 1.
ensure_fail() {
  echo "$name: error: $1 after $((SECONDS - start))s:" >&2
  grep -v "${2:-^go: downloading }" "$log" | tail -n 60 >&2 || true
  exit 1
}

# ensure_runs STEP ARG: exits 1 unless the built binary runs with ARG (--version, version).
ensure_runs() {
  if ! "$exe" "$2" >/dev/null 2>&1; then
    echo "$name: error: $1 succeeded but $exe does not run:" >&2
    "$exe" "$2" 2>&1 | tail -n 20 >&2 || true
    exit 1
  fi
}

# Records the pinned version beside the binary and prints the binary's path.
ensure_done() {
  printf '%s\n' "$version" >"$stamp"
  echo "$name: built $label in $((SECONDS - start))s: $exe" >&2
  printf '%s\n' "$exe"
}
