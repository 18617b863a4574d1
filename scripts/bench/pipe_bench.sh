#!/usr/bin/env bash
# Benchmark: a stream piped into each tool, `cat FILE | TOOL`, uploading to a private MinIO on
# loopback with the same part size and concurrency: `s3mpu upload - s3://…` against
# `aws s3 cp - s3://…` and `s5cmd pipe s3://…` (each where installed: `which`, or the pinned
# peers of scripts/bench/install_peers.sh under .tools/bench/bin). Prints wall, MiB/s, CPU and
# peak RSS per run and, per tool, the medians and their ratios to s3mpu's, in the same run.
#
#   bash scripts/bench/pipe_bench.sh                        # 1 GiB, 2 runs per tool
#   PIPE_BENCH_SIZE=256MiB PIPE_BENCH_RUNS=1 bash scripts/bench/pipe_bench.sh
#
# Settings (environment): PIPE_BENCH_SIZE (bytes or KiB/MiB/GiB, default 1GiB),
# PIPE_BENCH_RUNS (default 2), PIPE_BENCH_PART_MIB (default 16), PIPE_BENCH_CONCURRENCY
# (default 4), PIPE_BENCH_TOOLS (default "s3mpu aws s5cmd").
#
# Each run is timed with GNU time around `bash -c 'cat FILE | TOOL'`: its maximum RSS is the
# largest process's (the tool's; cat holds 128 KiB). s3mpu runs from the working tree with the
# V8 flags the binary is compiled with, so its figures include Deno's start-up. Every upload is
# checked (HEAD: size) and the object deleted before the next run. s3mpu holds at most
# (-t + 1) x part size of the stream in memory (docs/pipes.md): 80 MiB with the defaults here.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root" || exit 1
export DENO_NO_UPDATE_CHECK=1
say() { echo "pipe_bench: $*" >&2; }
die() {
  say "$*"
  exit 1
}

size_spec=${PIPE_BENCH_SIZE:-1GiB}
runs=${PIPE_BENCH_RUNS:-2}
part_mib=${PIPE_BENCH_PART_MIB:-16}
conc=${PIPE_BENCH_CONCURRENCY:-4}
read -r -a tools <<<"${PIPE_BENCH_TOOLS:-s3mpu aws s5cmd}"
size=$(python3 -c 'import re,sys
m = re.fullmatch(r"(\d+)(KiB|MiB|GiB)?", sys.argv[1]) or sys.exit("bad size " + sys.argv[1])
print(int(m[1]) * {None: 1, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3}[m[2]])' "$size_spec") ||
  die "PIPE_BENCH_SIZE: $size_spec"
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) is missing: apt-get install time"
deno="$root/.tools/node_modules/deno/deno"
[[ -x "$deno" ]] || deno="$(command -v deno)" || die "deno not found"

declare -A tool_path
for t in "${tools[@]}"; do
  case "$t" in
  s3mpu) tool_path[s3mpu]="$deno" ;;
  aws | s5cmd)
    p="$(command -v "$t" 2>/dev/null || true)"
    [[ -z "$p" && -x "$root/.tools/bench/bin/$t" ]] && p="$root/.tools/bench/bin/$t"
    if [[ -n "$p" ]]; then tool_path[$t]="$p"; else say "skipping $t: not installed"; fi
    ;;
  *) die "unknown tool $t (s3mpu, aws, s5cmd)" ;;
  esac
done

work="$root/.cache/pipe-bench-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$work" "$root/.cache/bench-data"
src="$root/.cache/bench-data/source-$size.bin"
if [[ ! -f "$src" || "$(stat -c %s "$src")" != "$size" ]]; then
  say "writing $size bytes of random data to $src ..."
  head -c "$size" /dev/urandom >"$src.tmp" && mv "$src.tmp" "$src" || die "could not write $src"
fi
cat "$src" >/dev/null # into the page cache: every tool's producer reads it hot

# --- MinIO -----------------------------------------------------------------------------------
minio_exe="$(bash scripts/ensure_minio.sh)" || die "MinIO is not available (see above)"
access=bench-access
secret=bench-secret-key-0123456789
region=us-east-1
bucket=bench
free_port() {
  python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
minio_pid=""
cleanup() {
  if [[ -n "$minio_pid" ]] && kill -0 "$minio_pid" 2>/dev/null; then
    kill -TERM "$minio_pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$minio_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$minio_pid" 2>/dev/null || true
  fi
  rm -rf "$work/minio-data"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
port=$(free_port)
mkdir -p "$work/minio-data"
MINIO_ROOT_USER=$access MINIO_ROOT_PASSWORD=$secret MINIO_BROWSER=off MINIO_UPDATE=off \
  MINIO_CI_CD=1 "$minio_exe" server --quiet --address "127.0.0.1:$port" \
  --console-address "127.0.0.1:$(free_port)" "$work/minio-data" >"$work/minio.log" 2>&1 &
minio_pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 1 150); do
  curl -fsS -o /dev/null --max-time 2 "$url/minio/health/ready" 2>/dev/null && break
  kill -0 "$minio_pid" 2>/dev/null || die "MinIO exited; see $work/minio.log"
  sleep 0.2
done
export AWS_ACCESS_KEY_ID=$access AWS_SECRET_ACCESS_KEY=$secret AWS_REGION=$region
export AWS_DEFAULT_REGION=$region AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE="$work/aws-config" AWS_SHARED_CREDENTIALS_FILE="$work/aws-credentials"
cat >"$AWS_CONFIG_FILE" <<EOF
[default]
region = $region
s3 =
  multipart_threshold = ${part_mib}MB
  multipart_chunksize = ${part_mib}MB
  max_concurrent_requests = $conc
EOF
: >"$AWS_SHARED_CREDENTIALS_FILE"
s3curl() { curl -sS --aws-sigv4 "aws:amz:$region:s3" --user "$access:$secret" "$@"; }
s3curl -f -X PUT "$url/$bucket" -o /dev/null || die "could not create bucket $bucket"

# --- one run: the pipeline as a user types it ------------------------------------------------
pipeline() {
  local t=$1 key=$2
  case "$t" in
  s3mpu)
    printf 'cat %q | %q run --v8-flags=--max-semi-space-size=1 -A --cached-only %q upload - %q -t %s -s %sMiB --endpoint-url %q --state-dir %q --quiet' \
      "$src" "$deno" "$root/main.ts" "s3://$bucket/$key" "$conc" "$part_mib" "$url" "$work/state"
    ;;
  aws)
    printf 'cat %q | %q s3 cp - %q --endpoint-url %q --only-show-errors' \
      "$src" "${tool_path[aws]}" "s3://$bucket/$key" "$url"
    ;;
  s5cmd)
    printf 'cat %q | %q --endpoint-url %q --log error pipe --concurrency %s --part-size %s %q' \
      "$src" "${tool_path[s5cmd]}" "$url" "$conc" "$part_mib" "s3://$bucket/$key"
    ;;
  esac
}

runs_file="$work/runs.jsonl"
: >"$runs_file"
run_one() {
  local t=$1 r=$2 key="pipe/$1-$2" tfile="$work/time-$1-$2" log="$work/log-$1-$2" rc got
  sync
  /usr/bin/time -f '%e %U %S %M' -o "$tfile" bash -c "$(pipeline "$t" "$key")" >"$log" 2>&1
  rc=$?
  got=$(s3curl -I "$url/$bucket/$key" 2>/dev/null | tr -d '\r' |
    awk 'tolower($1)=="content-length:" {print $2}')
  python3 - "$t" "$r" "$rc" "${got:-0}" "$size" "$(tail -n 1 "$tfile")" "$log" >>"$runs_file" <<'EOF'
import json, sys
t, r, rc, got, size, times, log = sys.argv[1:]
wall, user, sys_, rss = times.split()
ok = rc == "0" and got == size
row = {"tool": t, "run": int(r), "wallS": float(wall), "cpuS": round(float(user) + float(sys_), 2),
       "mibPerS": round(int(size) / 2**20 / float(wall), 1), "maxRssMiB": round(int(rss) / 1024, 1),
       "ok": ok}
if not ok:
    row["error"] = f"exit {rc}, object {got} bytes: " + open(log).read()[-300:].replace("\n", " ")
print(json.dumps(row))
EOF
  tail -n 1 "$runs_file" | sed 's/^/pipe_bench: /' >&2
  s3curl -X DELETE "$url/$bucket/$key" -o /dev/null 2>/dev/null || true
}

active=()
for t in "${tools[@]}"; do [[ -n "${tool_path[$t]:-}" ]] && active+=("$t"); done
say "MinIO at $url; a $size-byte stream, ${part_mib} MiB parts, concurrency $conc, $runs runs of: ${active[*]}"
say "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 1; r <= runs; r++)); do
  for t in "${active[@]}"; do run_one "$t" "$r"; done
done

python3 - "$runs_file" "$size" "$part_mib" "$conc" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
size, part, conc = int(sys.argv[2]), sys.argv[3], sys.argv[4]
med = {}
for t in dict.fromkeys(r["tool"] for r in rows):
    good = [r for r in rows if r["tool"] == t and r["ok"]]
    if not good:
        print(f"{t}: every run failed: {[r.get('error') for r in rows if r['tool'] == t]}")
        continue
    med[t] = {k: statistics.median(r[k] for r in good) for k in ("wallS", "mibPerS", "cpuS", "maxRssMiB")}
base = med.get("s3mpu")
print(f"\n{size / 2**30:.2f} GiB stream (cat FILE | TOOL), {part} MiB parts, {conc} in flight; medians")
print("| tool | wall s | MiB/s | CPU s | peak RSS MiB | wall / s3mpu | RSS / s3mpu |")
print("| ---- | -----: | ----: | ----: | -----------: | -----------: | ----------: |")
for t, m in med.items():
    ratio = lambda k: f"{m[k] / base[k]:.2f}" if base else "-"
    print(f"| {t} | {m['wallS']:.1f} | {m['mibPerS']:.0f} | {m['cpuS']:.1f} | {m['maxRssMiB']:.0f} | {ratio('wallS')} | {ratio('maxRssMiB')} |")
EOF
say "raw runs: $runs_file"
