#!/usr/bin/env bash
# Proves s3mpu on more S3 implementations than CI does: builds SeaweedFS and Garage from
# their public sources (pinned in scripts/versions.env; cached in .tools/bin), starts them
# beside MinIO, moto and versitygw, and runs the store suites against all of them: the
# backend conformance suite, the CLI upload/resume tests (fresh upload, kill -9 and resume,
# seed-format state, chunk directory) and tests/stores_test.ts (verify with a flipped byte,
# status and resume agreeing). Too slow for every CI run (the builds take many minutes on a
# 2-core machine): run it before each release. See docs/providers.md.
#
#   bash scripts/test_more_stores.sh                    # build what is missing, test all stores
#   S3MPU_TEST_STORES=seaweedfs,garage bash scripts/test_more_stores.sh   # only these stores
#
# A store that does not build or start is reported (with the build's error) and the others
# are tested. The last lines are the store x case table (also in .cache/store-results.md)
# and `N passed, N failed[, N skipped]` from scripts/test.sh. Exit status: non-zero when a
# test failed or a requested store could not be built.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 1
cache="$root/.cache"
mkdir -p "$cache"
results="$cache/store-results.md"
say() { echo "test_more_stores: $*" >&2; }

build_failed=()
stores=()
for store in seaweedfs garage; do
  err="$cache/ensure-$store.err"
  t0=$SECONDS
  if bash "scripts/ensure_$store.sh" >/dev/null 2>"$err"; then
    cat "$err" >&2
    stores+=("$store")
  else
    cat "$err" >&2
    say "$store could not be built after $((SECONDS - t0))s; testing the other stores."
    build_failed+=("$store")
  fi
done

log="$cache/test-more-stores.log"
S3MPU_SKIP_STATIC=1 S3MPU_TEST_MORE_STORES="${stores[*]}" bash scripts/test.sh \
  tests/support/servers_test.ts tests/conformance_s3_test.ts tests/upload_cli_test.ts \
  tests/stores_test.ts 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# The table: one row per case, one column per store, from Deno's "<name> ... ok" lines.
python3 - "$cache/test-output.log" "${build_failed[@]}" >"$results" <<'PY'
import re
import sys

log, failed_builds = sys.argv[1], sys.argv[2:]
stores = ["minio", "moto", "versitygw", "seaweedfs", "garage"]
cells, cases = {}, []
line_re = re.compile(r"^(?:s3 adapter on (\S+) conformance: |(\S+): )(.*?) \.\.\. (ok|FAILED|ignored)")
for line in open(log, encoding="utf-8", errors="replace"):
    m = line_re.match(re.sub(r"\x1b\[[0-9;]*m", "", line))
    if not m or (m.group(1) or m.group(2)) not in stores:
        continue
    store = m.group(1) or m.group(2)
    case = ("conformance: " if m.group(1) else "") + m.group(3)
    if case not in cases:
        cases.append(case)
    cells[(case, store)] = {"ok": "pass", "FAILED": "**FAIL**", "ignored": "skip"}[m.group(4)]
print("| case | " + " | ".join(stores) + " |")
print("|---|" + "---|" * len(stores))
# "n/a": the case is not registered for that store (a deviation case, or one that does not
# apply); "not run": the store was not tested at all (not built or not started).
tested = {s for (_, s) in cells}
for case in cases:
    row = [cells.get((case, s), "n/a" if s in tested else "not run") for s in stores]
    print(f"| {case} | " + " | ".join(row) + " |")
for store in failed_builds:
    print(f"\n{store}: not built (see .cache/ensure-{store}.err)")
PY
echo >&2
say "results (also in $results):"
cat "$results" >&2
if ((${#build_failed[@]})); then
  say "not built: ${build_failed[*]}"
  status=1
fi
tail -n 1 "$log"
exit "$status"
