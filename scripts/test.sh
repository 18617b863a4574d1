#!/usr/bin/env bash
# The project's test command. Installs the pinned Deno, builds the pinned MinIO and versitygw
# (on a failure it says why and goes on without that server), starts the S3 test servers on
# loopback (scripts/servers.sh; S3MPU_TEST_MORE_STORES adds SeaweedFS and Garage), runs the
# static checks, then `deno test -A` over the whole repository, and stops the servers on any
# exit. Its last line is always `N passed, N failed[, N skipped]`, from Deno's own summary.
#
#   bash scripts/test.sh                        # everything
#   bash scripts/test.sh tests/cli_test.ts      # extra arguments go to `deno test`
#   S3MPU_SKIP_STATIC=1 bash scripts/test.sh    # skip deno fmt --check / lint / check
#   S3MPU_SKIP_MINIO=1 bash scripts/test.sh     # moto only (no MinIO build)
#
# Test output is also written to .cache/test-output.log.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 1
cache="$root/.cache"
mkdir -p "$cache"
test_log="$cache/test-output.log"
export DENO_NO_UPDATE_CHECK=1
if [[ ! -t 1 ]]; then
  export NO_COLOR=1 # plain CI logs
fi
t_start=$SECONDS

say() { echo "test.sh: $*" >&2; }
phase() { echo "==> $*" >&2; }

servers_started=0
cleanup() {
  if ((servers_started)); then
    servers_started=0
    bash scripts/servers.sh stop || say "warning: stopping the test servers failed"
  fi
}

# Printed when the run ends before Deno printed a summary (the failure counts as one).
die() {
  say "error: $*"
  cleanup
  echo "0 passed, 1 failed"
  exit 1
}

# One test run at a time per checkout: runs share .cache/servers.env and the servers.
exec 9>"$cache/test.lock"
if ! flock -n 9; then
  say "another test run holds $cache/test.lock; waiting up to 15 minutes ..."
  flock -w 900 9 || die "timed out waiting for the other test run to finish"
fi

# --- tools ------------------------------------------------------------------------------
phase "Deno"
deno="$(bash scripts/ensure_deno.sh)" || die "could not install the pinned Deno (see above)"
echo "$("$deno" --version | head -n 1) at $deno" >&2

phase "Shells"
# The completion tests load the scripts into real bash, zsh and fish (Debian's packages).
# Installed when apt-get can; a shell that stays absent skips its test, saying so.
missing_shells=()
for shell in zsh fish; do
  command -v "$shell" >/dev/null 2>&1 || missing_shells+=("$shell")
done
if ((${#missing_shells[@]})); then
  apt_get=()
  if command -v apt-get >/dev/null 2>&1; then
    if [[ $(id -u) == 0 ]]; then
      apt_get=(apt-get)
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      apt_get=(sudo -n apt-get)
    fi
  fi
  if ((${#apt_get[@]})); then
    say "installing ${missing_shells[*]} for the completion tests"
    { "${apt_get[@]}" install -y -q --no-install-recommends "${missing_shells[@]}" ||
      { "${apt_get[@]}" update -q && "${apt_get[@]}" install -y -q --no-install-recommends "${missing_shells[@]}"; }; } \
      >"$cache/apt-shells.log" 2>&1 ||
      say "warning: could not install ${missing_shells[*]} (see $cache/apt-shells.log); their completion tests skip"
  else
    say "no apt-get (or no root): ${missing_shells[*]} absent; their completion tests skip"
  fi
fi

phase "MinIO"
# Servers are described only by what servers.sh writes, never by a stale inherited value.
unset S3MPU_TEST_MINIO_URL S3MPU_TEST_MOTO_URL S3MPU_TEST_MINIO_UNAVAILABLE \
  S3MPU_TEST_VERSITYGW_URL S3MPU_TEST_VERSITYGW_UNAVAILABLE S3MPU_TEST_SEAWEEDFS_URL \
  S3MPU_TEST_SEAWEEDFS_UNAVAILABLE S3MPU_TEST_GARAGE_URL S3MPU_TEST_GARAGE_UNAVAILABLE
# build_store NAME UPPER LABEL THEN: builds a store with scripts/ensure_NAME.sh unless
# S3MPU_SKIP_UPPER=1. A skip or a failed build exports S3MPU_TEST_UPPER_UNAVAILABLE with the
# reason (servers.sh then leaves the store out) and the run goes on ("LABEL could not be
# built ...; THEN.").
build_store() {
  local name="$1" upper="$2" label="$3" then="$4"
  local err="$cache/ensure-$name.err" skip="S3MPU_SKIP_$2" t0=$SECONDS reason
  if [[ "${!skip:-}" == "1" ]]; then
    say "$skip=1: not building or starting $label"
    export "S3MPU_TEST_${upper}_UNAVAILABLE=skipped ($skip=1)"
  elif bash "scripts/ensure_$name.sh" >/dev/null 2>"$err"; then
    cat "$err" >&2
  else
    cat "$err" >&2
    say "$label could not be built after $((SECONDS - t0))s; $then."
    reason="$(grep -v "^ensure_$name: building " "$err" | sed "s/^ensure_$name: //" |
      tr '\n' ' ' | cut -c1-400)"
    export "S3MPU_TEST_${upper}_UNAVAILABLE=build failed: ${reason:-see $cache/$name-build.log}"
  fi
}
build_store minio MINIO MinIO "continuing with moto only"

phase "versitygw"
build_store versitygw VERSITYGW versitygw "continuing without it"

# --- servers ----------------------------------------------------------------------------
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

phase "Servers"
servers_started=1
bash scripts/servers.sh start 9>&- || die "could not start the test servers (logs: $cache/*.log)"
set -a
# shellcheck source=/dev/null
. "$cache/servers.env"
set +a

# --- static checks ----------------------------------------------------------------------
static_failures=()
if [[ "${S3MPU_SKIP_STATIC:-}" == "1" ]]; then
  say "S3MPU_SKIP_STATIC=1: skipping deno fmt --check, deno lint and deno check"
else
  phase "deno fmt --check"
  "$deno" fmt --check || static_failures+=("deno fmt --check (run: deno fmt)")
  phase "deno lint"
  "$deno" lint || static_failures+=("deno lint")
  if [[ -f main.ts ]]; then
    phase "deno check main.ts"
    "$deno" check main.ts || static_failures+=("deno check main.ts")
  fi
  for failure in "${static_failures[@]}"; do
    say "FAILED: $failure (the tests run anyway; the run fails)"
  done
fi

# --- tests ------------------------------------------------------------------------------
phase "deno test -A${*:+ $*}"
t0=$SECONDS
"$deno" test -A "$@" 2>&1 | tee "$test_log"
test_status=${PIPESTATUS[0]}
test_seconds=$((SECONDS - t0))

cleanup

# Deno's summary: "ok | 41 passed (3 steps) | 0 failed | 2 ignored (5s)" or "FAILED | ...".
summary="$(sed 's/\x1b\[[0-9;]*m//g' "$test_log" | grep -E '^(ok|FAILED) \| [0-9]+ passed' | tail -n 1)"
count() { # count WORD: the number before WORD in the summary, 0 if absent
  local n
  n="$(grep -oE "[0-9]+ $1" <<<"$summary" | head -n 1 | cut -d' ' -f1)"
  echo "${n:-0}"
}

echo >&2
if ((${#static_failures[@]})); then
  say "static checks FAILED: ${static_failures[*]}"
fi
say "deno test took ${test_seconds}s; whole run $((SECONDS - t_start))s; log: $test_log"
if [[ -n "${S3MPU_TEST_MINIO_UNAVAILABLE:-}" ]]; then
  say "WARNING: ran without MinIO: $S3MPU_TEST_MINIO_UNAVAILABLE"
fi
if [[ -n "${S3MPU_TEST_VERSITYGW_UNAVAILABLE:-}" ]]; then
  say "WARNING: ran without versitygw: $S3MPU_TEST_VERSITYGW_UNAVAILABLE"
fi
if ((test_status == 130 || test_status == 143)); then
  die "deno test was interrupted (exit status $test_status)"
fi
if [[ -z "$summary" ]]; then
  die "deno test exited with status $test_status without a test summary (see $test_log)"
fi
passed="$(count passed)"
failed="$(count failed)"
ignored="$(count ignored)"
status=0
if ((test_status != 0 || failed > 0 || ${#static_failures[@]} > 0)); then
  status=1
fi
if ((test_status != 0 && failed == 0)); then
  say "deno test exited with status $test_status"
fi
if ((ignored > 0)); then
  echo "$passed passed, $failed failed, $ignored skipped"
else
  echo "$passed passed, $failed failed"
fi
exit "$status"
