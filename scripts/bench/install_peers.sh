#!/usr/bin/env bash
# Installs the benchmark's peer tools at the versions pinned in scripts/bench/versions.env,
# cached under .tools/bench/ (gitignored):
#
#   rclone, s5cmd, mc   go install → .tools/bench/bin/   (stamp file per tool)
#   lib-storage         npm install → .tools/bench/node/ (@aws-sdk/lib-storage + client-s3)
#   aws-cli v2          Debian's awscli package (apt-get, needs root) → /usr/bin/aws
#
# Usage: bash scripts/bench/install_peers.sh [TOOL...]   (default: all of them)
#
# For each tool it writes .tools/bench/status/TOOL: "ok<TAB>PATH<TAB>VERSION" or
# "skip<TAB>REASON" where REASON is the install's exact error (last lines). Never fails as a
# whole: a tool that cannot be installed is skipped, and the benchmark says why.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/bench/versions.env
. "$root/scripts/bench/versions.env"
tools="$root/.tools/bench"
bin="$tools/bin"
status_dir="$tools/status"
logs="$tools/logs"
mkdir -p "$bin" "$status_dir" "$logs"

say() { echo "install_peers: $*" >&2; }

ok() { printf 'ok\t%s\t%s\n' "$2" "$3" >"$status_dir/$1"; say "$1: $3 ($2)"; }
skip() {
  # One line: the reason with newlines folded, so the table can quote it verbatim.
  printf 'skip\t%s\n' "$(printf '%s' "$2" | tr '\n' ' ' | sed 's/  */ /g' | cut -c1-600)" \
    >"$status_dir/$1"
  say "$1: SKIPPED: $2"
}

# go install MODULE for tool NAME (binary NAME), cached by a stamp holding the module.
go_tool() {
  local name=$1 module=$2 exe="$bin/$1" stamp="$bin/$1.stamp" log="$logs/$1-build.log"
  if [[ -x "$exe" && -f "$stamp" && "$(cat "$stamp")" == "$module" ]]; then
    ok "$name" "$exe" "$(tool_version "$name" "$exe")"
    return
  fi
  if ! command -v go >/dev/null 2>&1; then
    skip "$name" "the Go toolchain (go) is not on PATH"
    return
  fi
  say "$name: building $module (minutes on a cold cache; log $log) ..."
  rm -f "$stamp"
  local t0=$SECONDS
  if ! GOBIN="$bin" GOFLAGS=-buildvcs=false go install -trimpath "$module" >"$log" 2>&1; then
    # `go install m@v` also reads the module's version list (for deprecation notices); the
    # proxy answers 403 for some modules (s5cmd/v2). A throwaway module that requires m@v
    # builds the same code with the same dependency versions (MVS) without that lookup.
    local first
    first="$(grep -v '^go: downloading ' "$log" | tail -n 4)"
    say "$name: go install failed ($first); retrying through a wrapper module ..."
    local wrap="$tools/gowrap/$name"
    rm -rf "$wrap" && mkdir -p "$wrap"
    if ! (cd "$wrap" && go mod init "bench-$name" &&
      GOFLAGS=-buildvcs=false go get "$module" &&
      GOFLAGS=-buildvcs=false go build -trimpath -o "$exe" "${module%@*}") >>"$log" 2>&1; then
      skip "$name" "go install $module failed: $first; the wrapper-module build failed too: $(grep -v '^go: downloading ' "$log" | tail -n 6)"
      return
    fi
  fi
  printf '%s\n' "$module" >"$stamp"
  say "$name: built in $((SECONDS - t0)) s"
  ok "$name" "$exe" "$(tool_version "$name" "$exe")"
}

tool_version() {
  local name=$1 exe=$2
  case "$name" in
  # Built with go install, rclone reports vX.Y.Z-DEV.
  rclone) echo "rclone ${RCLONE_MODULE#*@} ($("$exe" version 2>/dev/null | head -n 1))" ;;
  # Built outside its release pipeline, s5cmd reports v0.0.0-dev: the module pin is the version.
  s5cmd) echo "s5cmd ${S5CMD_MODULE#*@}" ;;
  # mc built from a pseudo-version reports DEVELOPMENT; the module pin is the real version.
  mc) echo "mc ${MC_MODULE#*@} ($("$exe" --version 2>/dev/null | head -n 1))" ;;
  *) "$exe" --version 2>&1 | head -n 1 ;;
  esac
}

lib_storage() {
  local dir="$tools/node" log="$logs/lib-storage-install.log"
  local want="lib-storage@$LIB_STORAGE_VERSION client-s3@$CLIENT_S3_VERSION"
  if ! command -v node >/dev/null 2>&1; then
    skip lib-storage "node is not on PATH"
    return
  fi
  if [[ ! -f "$dir/stamp" || "$(cat "$dir/stamp")" != "$want" ]]; then
    say "lib-storage: npm install @aws-sdk/lib-storage@$LIB_STORAGE_VERSION into $dir ..."
    rm -rf "$dir"
    mkdir -p "$dir"
    printf '{"name":"s3mpu-bench-peers","private":true,"type":"module"}\n' >"$dir/package.json"
    if ! (cd "$dir" && npm install --no-audit --no-fund --save-exact --loglevel=error \
      "@aws-sdk/lib-storage@$LIB_STORAGE_VERSION" "@aws-sdk/client-s3@$CLIENT_S3_VERSION") \
      >"$log" 2>&1; then
      skip lib-storage "npm install failed: $(grep -v 'Unknown user config' "$log" | tail -n 8)"
      return
    fi
    printf '%s\n' "$want" >"$dir/stamp"
  fi
  ok lib-storage "$root/scripts/bench/lib_storage_upload.mjs" \
    "@aws-sdk/lib-storage $LIB_STORAGE_VERSION (client-s3 $CLIENT_S3_VERSION) on Node $(node --version)"
}

# aws-cli: v2 from Debian if present or installable; otherwise the v1 on PATH (said so).
awscli() {
  local log="$logs/awscli-install.log" v
  if [[ -x /usr/bin/aws ]] && v="$(/usr/bin/aws --version 2>&1)" && [[ "$v" == aws-cli/2.* ]]; then
    ok aws "/usr/bin/aws" "$v"
    return
  fi
  local why=""
  if [[ "$(id -u)" != 0 ]]; then
    why="not root, so apt-get install $AWSCLI_DEBIAN_PACKAGE is not possible"
  elif ! command -v apt-get >/dev/null 2>&1; then
    why="apt-get is not available"
  else
    say "aws: apt-get install $AWSCLI_DEBIAN_PACKAGE (aws-cli v2) ..."
    if DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      "$AWSCLI_DEBIAN_PACKAGE" >"$log" 2>&1 ||
      { apt-get update -q >>"$log" 2>&1 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
          "$AWSCLI_DEBIAN_PACKAGE" >>"$log" 2>&1; }; then
      if v="$(/usr/bin/aws --version 2>&1)" && [[ "$v" == aws-cli/2.* ]]; then
        ok aws "/usr/bin/aws" "$v"
        return
      fi
      why="apt-get installed $AWSCLI_DEBIAN_PACKAGE but /usr/bin/aws --version says: $v"
    else
      why="apt-get install $AWSCLI_DEBIAN_PACKAGE failed: $(tail -n 6 "$log")"
    fi
  fi
  local v1
  if v1="$(command -v aws)" && v="$("$v1" --version 2>&1)"; then
    say "aws: v2 unavailable ($why); falling back to $v1 ($v)"
    ok aws "$v1" "$v (v1 fallback: $why)"
  else
    skip aws "$why; and no aws on PATH"
  fi
}

curl_tool() {
  if v="$(curl --version 2>/dev/null | head -n 1)" && curl --help all 2>/dev/null | grep -q -- --aws-sigv4; then
    ok curl "$(command -v curl)" "$v"
  else
    skip curl "curl with --aws-sigv4 (7.75+) is not on PATH"
  fi
}

want=("$@")
[[ ${#want[@]} -gt 0 ]] || want=(aws rclone s5cmd mc lib-storage curl)
for t in "${want[@]}"; do
  case "$t" in
  rclone) go_tool rclone "$RCLONE_MODULE" ;;
  s5cmd) go_tool s5cmd "$S5CMD_MODULE" ;;
  mc) go_tool mc "$MC_MODULE" ;;
  lib-storage) lib_storage ;;
  aws) awscli ;;
  curl) curl_tool ;;
  s3mpu) ;;
  *) say "unknown tool $t" ;;
  esac
done
exit 0
