#!/usr/bin/env bash
# Prints the path of the pinned Deno binary on stdout, installing it into .tools/ from the
# npm package `deno` first if it is missing or the wrong version. Messages go to stderr.
# Usage: DENO="$(bash scripts/ensure_deno.sh)"
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/versions.env
. "$root/scripts/versions.env"
tools="$root/.tools"
export DENO_NO_UPDATE_CHECK=1

# The npm package's postinstall hard-links the platform binary to node_modules/deno/deno;
# when install scripts are skipped, the binary is only in the @deno/<platform> package.
candidates() {
  printf '%s\n' "$tools/node_modules/deno/deno"
  local f
  for f in "$tools"/node_modules/@deno/*/deno; do
    [[ -e "$f" ]] && printf '%s\n' "$f"
  done
  return 0
}

# Prints the first candidate that runs and reports the pinned version.
find_pinned() {
  local exe version
  while IFS= read -r exe; do
    [[ -x "$exe" ]] || continue
    version="$("$exe" --version 2>/dev/null | head -n 1 | awk '{print $2}')" || continue
    if [[ "$version" == "$DENO_VERSION" ]]; then
      printf '%s\n' "$exe"
      return 0
    fi
  done < <(candidates)
  return 1
}

if exe="$(find_pinned)"; then
  printf '%s\n' "$exe"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "ensure_deno: npm is not installed; install Node.js/npm, then re-run." >&2
  exit 1
fi

echo "ensure_deno: installing deno@$DENO_VERSION from npm into $tools ..." >&2
mkdir -p "$tools"
# A wrong or damaged copy would be kept by npm as "already installed": remove it first.
rm -rf "$tools/node_modules/deno" "$tools/node_modules/@deno" "$tools/node_modules/.bin/deno"
start=$SECONDS
npm_log="$(mktemp)"
trap 'rm -f "$npm_log"' EXIT
if ! npm install --no-save --no-audit --no-fund --no-package-lock --loglevel=error \
  --prefix "$tools" "deno@$DENO_VERSION" >"$npm_log" 2>&1; then
  cat "$npm_log" >&2
  echo "ensure_deno: npm install deno@$DENO_VERSION failed (output above)." >&2
  exit 1
fi

if exe="$(find_pinned)"; then
  echo "ensure_deno: deno $DENO_VERSION installed in $((SECONDS - start))s: $exe" >&2
  printf '%s\n' "$exe"
  exit 0
fi
cat "$npm_log" >&2
echo "ensure_deno: npm installed deno@$DENO_VERSION but no working binary of that version" \
  "was found under $tools/node_modules (is this platform supported?)." >&2
exit 1
