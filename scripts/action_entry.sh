#!/usr/bin/env bash
# The body of action.yml: runs `s3mpu upload ... --json` with S3MPU_GITHUB_OUTPUTS=1, so s3mpu
# itself writes the step outputs (etag, location, version-id, upload-id, size, ...) to
# $GITHUB_OUTPUT and a summary to $GITHUB_STEP_SUMMARY (src/cli/github_outputs.ts).
#
# Inputs arrive as S3MPU_INPUT_* environment variables, never spliced into script text, so no
# input value can inject shell code. Credentials are not touched: the AWS SDK's default chain
# reads whatever aws-actions/configure-aws-credentials exported (AWS_ACCESS_KEY_ID/... or
# AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE).
#
# Which s3mpu runs:
#   S3MPU_INPUT_VERSION empty or "source": deno run main.ts from the action's own checkout, with
#     the permission flags of the compiled binary (deno from PATH if it is the pinned version,
#     else installed from npm by scripts/ensure_deno.sh);
#   S3MPU_INPUT_VERSION=0.2.0 (or v0.2.0): the release binary for this runner, downloaded with
#     gh from S3MPU_INPUT_BINARY_REPOSITORY (default: the action's repository) and checked
#     against the release's SHA256SUMS.
#
# State files default to $S3MPU_INPUT_STATE_DIR (.s3mpu-state in the workspace), named after
# the bucket and key, so running the step again in the same workspace resumes the upload.
set -euo pipefail
# Works with bash 3.2 (macOS's /bin/bash): no mapfile, no empty-array expansion under set -u.

action_path="${S3MPU_ACTION_PATH:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"

fail() { # fail CODE MESSAGE: report an action-level problem (before s3mpu ran) and exit
  echo "::error title=s3mpu::$2"
  exit "$1"
}

input() { # input NAME: the value of S3MPU_INPUT_NAME, or empty
  local name="S3MPU_INPUT_$1"
  printf '%s' "${!name:-}"
}

sha256_of() { # sha256_of FILE...: sha256sum-style lines
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$@"; else shasum -a 256 "$@"; fi
}

# --- how to get s3mpu ---------------------------------------------------------------------
pinned_deno() {
  local version exe
  version="$(sed -n 's/^DENO_VERSION=//p' "$action_path/scripts/versions.env")"
  if exe="$(command -v deno 2>/dev/null)" &&
    [[ "$("$exe" --version 2>/dev/null | head -n 1 | awk '{print $2}')" == "$version" ]]; then
    printf '%s\n' "$exe"
  else
    bash "$action_path/scripts/ensure_deno.sh"
  fi
}

binary=""
release_binary() { # release_binary VERSION: sets $binary to the verified release binary
  local version="v${1#v}" target name dir repo
  case "${RUNNER_OS:-$(uname -s)}/${RUNNER_ARCH:-$(uname -m)}" in
    Linux/X64 | Linux/x86_64) target=x86_64-unknown-linux-gnu ;;
    Linux/ARM64 | Linux/aarch64) target=aarch64-unknown-linux-gnu ;;
    macOS/X64 | Darwin/x86_64) target=x86_64-apple-darwin ;;
    macOS/ARM64 | Darwin/arm64) target=aarch64-apple-darwin ;;
    Windows/X64) target=x86_64-pc-windows-msvc ;;
    *) fail 2 "No s3mpu binary is released for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}; leave the version input empty to run from source." ;;
  esac
  name="s3mpu-$target"
  [[ "$target" == *windows* ]] && name+=".exe"
  repo="$(input BINARY_REPOSITORY)"
  repo="${repo:-$(action_repository)}"
  [[ -n "$repo" ]] || fail 2 "The version input needs the repository that publishes the binaries: set binary-repository (owner/name)."
  dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/s3mpu-$version"
  binary="$dir/$name"
  [[ -x "$binary" ]] && return 0
  mkdir -p "$dir"
  echo "s3mpu action: downloading $name and SHA256SUMS from $repo release $version" >&2
  gh release download "$version" --repo "$repo" --dir "$dir" --clobber \
    --pattern "$name" --pattern SHA256SUMS >&2 ||
    fail 2 "Could not download $name from the $version release of $repo (is there such a release, and can github-token read it?)."
  local expected actual
  expected="$(grep -E "^[0-9a-f]{64}  $name\$" "$dir/SHA256SUMS" | cut -c1-64)" ||
    fail 2 "SHA256SUMS of release $version has no line for $name."
  actual="$(sha256_of "$binary" | cut -c1-64)"
  if [[ "$actual" != "$expected" ]]; then
    rm -f "$binary"
    fail 2 "$name does not match the checksum in SHA256SUMS of release $version (got $actual, want $expected); deleted it."
  fi
  chmod +x "$binary"
}

# The action's own owner/name. github.action_repository comes through empty in composite
# actions on some runners (actions/runner#2473): then read it from the action's path
# (.../_actions/OWNER/NAME/REF, also with Windows separators), or, for `uses: ./`, take the
# workflow's repository.
action_repository() {
  if [[ -n "${S3MPU_ACTION_REPOSITORY:-}" ]]; then
    echo "$S3MPU_ACTION_REPOSITORY"
  elif [[ "$action_path" =~ [/\\]_actions[/\\]([^/\\]+)[/\\]([^/\\]+)[/\\][^/\\]+[/\\]?$ ]]; then
    echo "${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
  elif [[ -n "${GITHUB_WORKSPACE:-}" && "$action_path" == "$GITHUB_WORKSPACE"* ]]; then
    echo "${GITHUB_REPOSITORY:-}"
  fi
}

# --- arguments -----------------------------------------------------------------------------
bucket="$(input BUCKET)"
key="$(input KEY)"
[[ -n "$bucket" ]] || fail 2 "The bucket input is required."
[[ -n "$key" ]] || fail 2 "The key input is required."
args=(upload -b "$bucket" -k "$key")

file="$(input FILE)"
dir="$(input DIR)"
prefix="$(input PREFIX)"
if [[ -n "$file" && -n "$dir" ]]; then
  fail 2 "Set either file, or dir with prefix, not both."
elif [[ -n "$file" ]]; then
  args+=(-f "$file")
elif [[ -n "$dir" ]]; then
  [[ -n "$prefix" ]] || fail 2 "dir needs prefix: the chunk files' name prefix."
  args+=(-d "$dir" -p "$prefix")
else
  fail 2 "Set file (or dir with prefix): what to upload."
fi

add() { # add FLAG INPUT: pass --FLAG VALUE when the input is set
  local value
  value="$(input "$2")"
  if [[ -n "$value" ]]; then args+=("$1" "$value"); fi
}
add --endpoint-url ENDPOINT_URL
add --region REGION
add --provider PROVIDER
add --thread-count THREAD_COUNT
add --split-size SPLIT_SIZE

# State files: in the workspace, one pair per bucket/key, unless given.
state_dir="$(input STATE_DIR)"
state_dir="${state_dir:-.s3mpu-state}"
slug="$(printf '%s/%s' "$bucket" "$key" | tr -c 'A-Za-z0-9._-' '_' | cut -c1-80)"
hash="$(printf '%s\n%s' "$bucket" "$key" | sha256_of | cut -c1-12)"
meta="$(input META_FILE)"
meta="${meta:-$state_dir/$slug-$hash.meta.json}"
parts="$(input PARTS_FILE)"
parts="${parts:-$state_dir/$slug-$hash.parts.jsonl}"
if [[ "$meta$parts$state_dir" == *$'\n'* ]]; then
  fail 2 "meta-file, parts-file and state-dir must not contain newlines."
fi
mkdir -p "$(dirname "$meta")" "$(dirname "$parts")"
args+=(-m "$meta" -a "$parts")

extra="$(input EXTRA_ARGS)"
if [[ -n "$extra" ]]; then
  # Whitespace-separated; no quoting (values with spaces go in the dedicated inputs).
  read -r -d '' -a extra_args <<<"$extra" || true
  args+=(${extra_args[@]+"${extra_args[@]}"})
fi
args+=(--json)

# --- which s3mpu (after the inputs are known to be usable) -----------------------------
version="$(input VERSION)"
if [[ -z "$version" || "$version" == "source" ]]; then
  deno="$(pinned_deno)" || fail 2 "Could not install the pinned Deno (see above)."
  config="$action_path/deno.json"
  permissions=()
  while IFS= read -r flag; do permissions+=("$flag"); done < <("$deno" run --no-prompt \
    --config "$config" "$action_path/scripts/compile.ts" --print-permissions)
  ((${#permissions[@]} > 0)) || fail 2 "Could not read the permission flags from scripts/compile.ts."
  s3mpu=("$deno" run "${permissions[@]}" --config "$config" "$action_path/main.ts")
else
  release_binary "$version"
  s3mpu=("$binary")
fi

# --- run ---------------------------------------------------------------------------------
write_output() { # write_output NAME VALUE (values here hold no newline: checked above)
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"; fi
}
write_output meta-file "$meta"
write_output parts-file "$parts"
write_output state-dir "$state_dir"

echo "s3mpu action: s3mpu ${args[*]}" >&2
status=0
S3MPU_GITHUB_OUTPUTS=1 "${s3mpu[@]}" "${args[@]}" || status=$?
write_output exit-code "$status"

if ((status != 0)); then
  case "$status" in
    2) why="bad input; nothing was changed. Fix the inputs and run again." ;;
    3) why="failed, but the state is kept in $meta and $parts: run the step again in this workspace (or restore those files, see the README) to resume." ;;
    4) why="needs a decision (the source changed, or the upload is gone on the server): add --restart to extra-args to start over." ;;
    130 | 143) why="interrupted; the state is kept in $meta and $parts: run again to resume." ;;
    *) why="failed; see the log above." ;;
  esac
  echo "::error title=s3mpu upload failed (exit $status)::$why"
  if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
    printf '### s3mpu: upload of s3://%s/%s failed (exit %s)\n\n%s\n\n' \
      "$bucket" "$key" "$status" "$why" >>"$GITHUB_STEP_SUMMARY"
  fi
fi
exit "$status"
