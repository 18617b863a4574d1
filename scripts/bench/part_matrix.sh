#!/usr/bin/env bash
# Wall time and peak RSS of s3mpu over -t × part size (docs/performance-streaming.md): one
# scripts/bench.sh run per cell (its own MinIO on loopback, the same file size), printed as a
# Markdown table. Settings: MATRIX_THREADS (default "1 4 16 32"), MATRIX_PART_MIB (default
# "8 64 256"), MATRIX_RUNS runs per cell (default 1; the table shows the median), BENCH_SIZE.
#
#   bash scripts/bench/part_matrix.sh            # ~12 cells of 1 GiB, a few minutes
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
read -r -a threads <<<"${MATRIX_THREADS:-1 4 16 32}"
read -r -a parts <<<"${MATRIX_PART_MIB:-8 64 256}"
runs=${MATRIX_RUNS:-1}
declare -A cell
for t in "${threads[@]}"; do
  for p in "${parts[@]}"; do
    log=$(BENCH_TOOLS=s3mpu BENCH_RUNS=$runs BENCH_PART_MIB=$p BENCH_CONCURRENCY=$t \
      BENCH_NAME="matrix-t$t-s$p" bash "$root/scripts/bench.sh" 2>&1 >/dev/null)
    # Median wall and RSS of the cell's runs, from bench.sh's per-run JSON lines.
    cell[$t,$p]=$(grep -o '{"tool": "s3mpu".*}' <<<"$log" | python3 -c '
import json, statistics, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
ok = [r for r in rows if r.get("ok")]
if not ok:
    print("failed")
else:
    print("%.2f s / %.0f MiB" % (statistics.median(r["wallS"] for r in ok),
                                 statistics.median(r["maxRssMiB"] for r in ok)))')
    echo "matrix: -t $t -s ${p}MiB: ${cell[$t,$p]}" >&2
  done
done
header="| -t \\ part size |"
rule="| --- |"
for p in "${parts[@]}"; do
  header+=" ${p} MiB |"
  rule+=" --- |"
done
echo "$header"
echo "$rule"
for t in "${threads[@]}"; do
  row="| $t |"
  for p in "${parts[@]}"; do row+=" ${cell[$t,$p]} |"; done
  echo "$row"
done
