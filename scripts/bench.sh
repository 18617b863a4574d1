#!/usr/bin/env bash
# Benchmark: s3mpu against aws-cli, rclone, s5cmd, mc, @aws-sdk/lib-storage and a single curl
# PUT (the server's ingest ceiling), uploading one file to a private MinIO on loopback with the
# same part size and concurrency. Run by `deno task bench`.
#
#   deno task bench                                   # 1 GiB, 3 runs per tool
#   BENCH_SIZE=256MiB BENCH_RUNS=2 deno task bench    # quick
#   BENCH_TOOLS="s3mpu rclone" deno task bench        # a subset
#
# Settings (environment):
#   BENCH_SIZE         file size: bytes or with KiB/MiB/GiB (default 1GiB)
#   BENCH_RUNS         runs per tool, interleaved across tools (default 3)
#   BENCH_PART_MIB     part size in MiB for every tool (default 16)
#   BENCH_CONCURRENCY  parts in flight for every tool (default 4)
#   BENCH_TOOLS        space-separated subset of the tools below (default: all)
#   BENCH_KEEP=1       keep the MinIO data directory afterwards
#   BENCH_NAME         results file name (default latest: bench-results/latest.md/.json)
#   BENCH_TLS=1        MinIO over HTTPS (a self-signed certificate each client is told to trust)
#   BENCH_BASE_DIR     a checkout of an earlier revision (git worktree add DIR REV): the tool
#                      s3mpu-base (and s3mpu-base-md5, as s3mpu-md5) runs its main.ts exactly as s3mpu runs ours, so a change's
#                      cost shows as a ratio within one run
#   BENCH_RESUME=1     afterwards, also run the 10,000-part resume benchmark
#                      (scripts/bench/resume_bench.py, ~15 min; bench-results/resume.md)
#   BENCH_LIMIT=1      afterwards, also measure --limit-rate (scripts/bench/limit_rate.ts,
#                      ~1.5 min; bench-results/limit-rate.md): the achieved rate over >= 30 s,
#                      and what sliced part bodies cost when no limit is set
#
# Tools: s3mpu (as a user types it: --endpoint-url only, so the store is recognised by its
# Server header, MinIO's preset = a trailing CRC32 per part, unsigned part payloads on
# loopback, node:http, journal fsync), the s3mpu variants s3mpu-minio (--provider minio, no
# detection request), s3mpu-v8default (without the V8 flags the binary is compiled with),
# s3mpu-nofsync (S3MPU_BENCH_NO_FSYNC=1: the cost of the per-part
# fsync), s3mpu-fetch (S3MPU_HTTP_HANDLER=fetch) and s3mpu-md5 (--provider generic: no
# checksum header, MD5 and CRC32 summed as the part leaves), then
# aws, rclone, s5cmd, mc, lib-storage, curl. Peers are
# installed (pinned, cached) by scripts/bench/install_peers.sh; a peer that cannot be installed
# is skipped with its error. aws-cli v2 comes from Debian's awscli package (apt-get, as root).
#
# s3mpu runs from the working tree (`deno run -A main.ts`), so it includes Deno's start-up
# (about 0.33 s of CPU). On a 2-core machine the client and MinIO compete for CPU: client CPU
# time shows up in wall time.
#
# Each run is timed with GNU time (wall, user+system CPU of the client and the children it
# waits for, max RSS of the largest process) and the MinIO server's CPU is read from /proc.
# Every upload is checked (HEAD: size) and the object deleted before the next run.
# Results: bench-results/latest.md and latest.json (plus a timestamped copy of each); the
# Markdown table is printed at the end. Raw per-run data: .cache/bench-<stamp>/runs.jsonl.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 1
export DENO_NO_UPDATE_CHECK=1

size_spec=${BENCH_SIZE:-1GiB}
runs=${BENCH_RUNS:-3}
part_mib=${BENCH_PART_MIB:-16}
conc=${BENCH_CONCURRENCY:-4}
s3mpu_v8_flags="--max-semi-space-size=1"
all_tools="s3mpu s3mpu-minio s3mpu-v8default s3mpu-nofsync s3mpu-fetch s3mpu-md5 aws rclone s5cmd mc lib-storage curl"
read -r -a tools <<<"${BENCH_TOOLS:-$all_tools}"

say() { echo "bench: $*" >&2; }
die() {
  say "error: $*"
  exit 1
}

to_bytes() {
  local s=$1 n unit
  [[ "$s" =~ ^([0-9]+)([KMG]i?B?)?$ ]] || return 1
  n=${BASH_REMATCH[1]}
  unit=${BASH_REMATCH[2]}
  case "${unit:0:1}" in
  K) n=$((n * 1024)) ;;
  M) n=$((n * 1024 * 1024)) ;;
  G) n=$((n * 1024 * 1024 * 1024)) ;;
  esac
  echo "$n"
}

size=$(to_bytes "$size_spec") || die "BENCH_SIZE=$size_spec is not a size like 1GiB or 268435456"
part_bytes=$((part_mib * 1024 * 1024))
((size > part_bytes)) || die "BENCH_SIZE must exceed the part size ($part_mib MiB)"
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) is missing: apt-get install time"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
work="$root/.cache/bench-$stamp"
mkdir -p "$work" "$root/bench-results" "$root/.cache/bench-data"
runs_file="$work/runs.jsonl"
: >"$runs_file"

# --- tools -----------------------------------------------------------------------------------
deno="$(bash scripts/ensure_deno.sh)" || die "could not install Deno"
need_peers=()
for t in "${tools[@]}"; do [[ "$t" == s3mpu* ]] || need_peers+=("$t"); done
if ((${#need_peers[@]} > 0)); then
  bash scripts/bench/install_peers.sh "${need_peers[@]}"
fi
status_dir="$root/.tools/bench/status"
declare -A tool_path tool_version tool_skip
tool_version[s3mpu]="s3mpu $(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' deno.json | head -n 1) on $("$deno" --version | head -n 1)"
for t in "${tools[@]}"; do
  case "$t" in
  s3mpu*) tool_version[$t]=${tool_version[s3mpu]} ;;
  *)
    if [[ ! -f "$status_dir/$t" ]]; then
      tool_skip[$t]="unknown tool or no install status"
    elif IFS=$'\t' read -r st a b <"$status_dir/$t" && [[ "$st" == ok ]]; then
      tool_path[$t]=$a
      tool_version[$t]=$b
    else
      tool_skip[$t]=$a
    fi
    ;;
  esac
done
"$deno" cache main.ts >/dev/null 2>&1 || die "deno cache main.ts failed"

# --- source file -----------------------------------------------------------------------------
src="$root/.cache/bench-data/source-$size.bin"
if [[ ! -f "$src" || "$(stat -c %s "$src")" != "$size" ]]; then
  say "writing $size bytes of random data to $src ..."
  if ! { head -c "$size" /dev/urandom >"$src.tmp" && mv "$src.tmp" "$src"; }; then
    die "could not write $src"
  fi
fi
cat "$src" >/dev/null # into the page cache: every tool reads it hot

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
  [[ "${BENCH_KEEP:-0}" == 1 ]] || rm -rf "$work/minio-data"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(free_port)
mkdir -p "$work/minio-data"
# BENCH_TLS=1: MinIO serves HTTPS with a self-signed certificate for 127.0.0.1, which every
# client trusts through its own setting (s3mpu and aws-cli AWS_CA_BUNDLE, the Go tools
# SSL_CERT_FILE, curl --cacert), as AWS is always TLS.
tls_args=()
scheme=http
if [[ "${BENCH_TLS:-0}" == 1 ]]; then
  mkdir -p "$work/certs"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1" -keyout "$work/certs/private.key" \
    -out "$work/certs/public.crt" >/dev/null 2>&1 || die "openssl could not make a certificate"
  tls_args=(--certs-dir "$work/certs")
  scheme=https
  export AWS_CA_BUNDLE="$work/certs/public.crt" SSL_CERT_FILE="$work/certs/public.crt"
  export CURL_CA_BUNDLE="$work/certs/public.crt"
fi
MINIO_ROOT_USER=$access MINIO_ROOT_PASSWORD=$secret MINIO_BROWSER=off MINIO_UPDATE=off \
  MINIO_CI_CD=1 "$minio_exe" server --quiet --address "127.0.0.1:$port" "${tls_args[@]}" \
  --console-address "127.0.0.1:$(free_port)" "$work/minio-data" >"$work/minio.log" 2>&1 &
minio_pid=$!
url="$scheme://127.0.0.1:$port"
for _ in $(seq 1 150); do
  curl -fsS -o /dev/null --max-time 2 "$url/minio/health/ready" 2>/dev/null && break
  kill -0 "$minio_pid" 2>/dev/null || die "MinIO exited; see $work/minio.log"
  sleep 0.2
done
curl -fsS -o /dev/null "$url/minio/health/ready" || die "MinIO did not get ready; see $work/minio.log"
# shellcheck source=scripts/versions.env
. "$root/scripts/versions.env"
minio_version="$MINIO_MODULE"

export AWS_ACCESS_KEY_ID=$access AWS_SECRET_ACCESS_KEY=$secret AWS_REGION=$region
export AWS_DEFAULT_REGION=$region AWS_EC2_METADATA_DISABLED=true
# An isolated aws-cli config: the same part size and concurrency as everyone else.
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

# --- one run ---------------------------------------------------------------------------------
clk_tck=$(getconf CLK_TCK)
server_ticks() { awk '{print $14 + $15}' "/proc/$minio_pid/stat"; }
# Busy ticks of the whole machine (all CPUs): what other processes used shows up as
# busy - client - server, a measure of how disturbed a run was.
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }

# Prints the command for tool $1 uploading to key $2 (as a NUL-free argv, one per line) —
# set as the array `cmd` plus extra environment `cmd_env`.
build_cmd() {
  local t=$1 key=$2 state="$work/state-$1"
  cmd_env=()
  case "$t" in
  s3mpu | s3mpu-minio | s3mpu-v8default | s3mpu-nofsync | s3mpu-fetch | s3mpu-md5 | s3mpu-base | s3mpu-base-md5)
    rm -rf "$state" && mkdir -p "$state"
    # No --provider (what a user types) unless the variant names one.
    local provider="" main="$root/main.ts"
    [[ "$t" == s3mpu-minio ]] && provider=minio
    [[ "$t" == *-md5 ]] && provider=generic
    if [[ "$t" == s3mpu-base* ]]; then
      [[ -n "${BENCH_BASE_DIR:-}" ]] || die "s3mpu-base needs BENCH_BASE_DIR (a checkout of the base revision)"
      main="$BENCH_BASE_DIR/main.ts"
    fi
    # The V8 flags the binary is compiled with (scripts/compile_options.ts), but for
    # s3mpu-v8default, which shows what they save, and the base revision, run as it shipped.
    local v8=(--v8-flags="$s3mpu_v8_flags")
    [[ "$t" == s3mpu-v8default || "$t" == s3mpu-base* ]] && v8=()
    cmd=("$deno" run "${v8[@]}" -A --cached-only "$main" upload -b "$bucket" -k "$key" -f "$src"
      -t "$conc" -s "${part_mib}MiB" --endpoint-url "$url" --quiet
      -m "$state/meta.json" -a "$state/parts.jsonl")
    [[ -n "$provider" ]] && cmd+=(--provider "$provider")
    case "$t" in
    s3mpu-nofsync) cmd_env=(S3MPU_BENCH_NO_FSYNC=1) ;;
    s3mpu-fetch) cmd_env=(S3MPU_HTTP_HANDLER=fetch) ;;
    esac
    ;;
  aws)
    cmd=("${tool_path[aws]}" s3 cp "$src" "s3://$bucket/$key" --endpoint-url "$url"
      --only-show-errors --no-progress)
    ;;
  rclone)
    # An env-based remote; rclone >= 1.64 uploads big local files with multi-thread streams
    # through the s3 chunk writer: set both knobs and both cutoffs to the shared values.
    cmd_env=(RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Minio
      RCLONE_CONFIG_BENCH_ACCESS_KEY_ID="$access" RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY="$secret"
      RCLONE_CONFIG_BENCH_ENDPOINT="$url" RCLONE_CONFIG_BENCH_REGION="$region")
    cmd=("${tool_path[rclone]}" --config "$work/rclone.conf" -q copyto "$src" "bench:$bucket/$key"
      --s3-chunk-size "${part_mib}M" --s3-upload-concurrency "$conc" --s3-upload-cutoff "${part_mib}M"
      --multi-thread-streams "$conc" --multi-thread-cutoff "${part_mib}M"
      --multi-thread-chunk-size "${part_mib}M" --s3-no-check-bucket)
    ;;
  s5cmd)
    cmd=("${tool_path[s5cmd]}" --endpoint-url "$url" --log error cp
      --concurrency "$conc" --part-size "$part_mib" "$src" "s3://$bucket/$key")
    ;;
  mc)
    cmd_env=(MC_HOST_bench="$scheme://$access:$secret@127.0.0.1:$port" MC_CONFIG_DIR="$work/mc")
    cmd=("${tool_path[mc]}" --quiet --disable-pager put -P "$conc" -s "${part_mib}MiB" "$src" "bench/$bucket/$key")
    ;;
  lib-storage)
    cmd_env=(BENCH_NODE_DIR="$root/.tools/bench/node")
    cmd=(node "${tool_path[lib-storage]}" "$url" "$bucket" "$key" "$src" "$part_bytes" "$conc")
    ;;
  curl)
    # One PUT of the whole file, payload unsigned: what the server ingests without multipart.
    cmd=("${tool_path[curl]}" -sS -f --aws-sigv4 "aws:amz:$region:s3" --user "$access:$secret"
      -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -T "$src" "$url/$bucket/$key" -o /dev/null)
    ;;
  esac
}

head_size() {
  s3curl -I "$url/$bucket/$1" 2>/dev/null | tr -d '\r' | awk 'tolower($1)=="content-length:" {print $2}'
}

run_one() {
  local t=$1 r=$2 key="bench/$1-$2" tfile="$work/time-$1-$2" log="$work/log-$1-$2"
  build_cmd "$t" "$key"
  sync # flush the previous run's server writes before the clock starts
  local s0 w0 w1 s1 rc
  local b0 b1
  s0=$(server_ticks)
  b0=$(busy_ticks)
  w0=$EPOCHREALTIME
  env "${cmd_env[@]}" /usr/bin/time -f '%e %U %S %M' -o "$tfile" "${cmd[@]}" >"$log" 2>&1
  rc=$?
  w1=$EPOCHREALTIME
  s1=$(server_ticks)
  b1=$(busy_ticks)
  local got ok=true err=""
  got=$(head_size "$key")
  if ((rc != 0)); then
    ok=false
    err="exit $rc: $(grep -v '^Command exited' "$log" | tail -n 3 | tr '\n' ' ' | cut -c1-300)"
  elif [[ "$got" != "$size" ]]; then
    ok=false
    err="object size ${got:-missing}, expected $size"
  fi
  local u s m
  read -r _ u s m < <(tail -n 1 "$tfile")
  python3 - "$t" "$r" "$w0" "$w1" "${u:-0}" "${s:-0}" "${m:-0}" "$s0" "$s1" "$clk_tck" "$ok" "$err" "$b0" "$b1" \
    >>"$runs_file" <<'EOF'
import json, sys
t, r, w0, w1, u, s, m, s0, s1, tck, ok, err, b0, b1 = sys.argv[1:]
server = (int(s1) - int(s0)) / int(tck)
busy = (int(b1) - int(b0)) / int(tck)
print(json.dumps({
    "tool": t, "run": int(r), "wallS": round(float(w1) - float(w0), 3),
    "userS": float(u), "sysS": float(s), "cpuS": round(float(u) + float(s), 2),
    "maxRssMiB": round(int(m) / 1024, 1),
    "serverCpuS": round(server, 2),
    # CPU time the rest of the machine used meanwhile (other processes, the kernel's own).
    "otherCpuS": round(max(0.0, busy - server - float(u) - float(s)), 2),
    "ok": ok == "true", **({"error": err} if err else {}),
}))
EOF
  tail -n 1 "$runs_file" | sed 's/^/bench: /' >&2
  s3curl -X DELETE "$url/$bucket/$key" -o /dev/null 2>/dev/null || true
}

# --- the runs: round-robin over the tools, the order rotated every round ----------------------
active=()
for t in "${tools[@]}"; do
  if [[ -n "${tool_skip[$t]:-}" ]]; then say "skipping $t: ${tool_skip[$t]}"; else active+=("$t"); fi
done
((${#active[@]} > 0)) || die "no tool to run"
say "MinIO $minio_version at $url; $size bytes, ${part_mib} MiB parts, concurrency $conc," \
  "$runs runs of: ${active[*]}"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
t_all=$SECONDS
for ((r = 1; r <= runs; r++)); do
  n=${#active[@]}
  for ((i = 0; i < n; i++)); do
    run_one "${active[$(((i + r - 1) % n))]}" "$r"
  done
done
say "all runs took $((SECONDS - t_all)) s"

# --- results ---------------------------------------------------------------------------------
meta="$work/meta.json"
{
  printf '{"stamp":"%s","sizeBytes":%s,"partMiB":%s,"concurrency":%s,"runs":%s,' \
    "$stamp" "$size" "$part_mib" "$conc" "$runs"
  printf '"server":%s,"loadBefore":"%s",' "$(printf '%s' "MinIO $minio_version (single drive, $work/minio-data, over ${scheme^^})" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')" "$load_before"
  printf '"machine":%s,' "$(bash scripts/bench/machine.sh)"
  printf '"tools":{'
  sep=""
  for t in "${tools[@]}"; do
    printf '%s"%s":{"version":%s,"skipped":%s}' "$sep" "$t" \
      "$(printf '%s' "${tool_version[$t]:-}" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')" \
      "$(printf '%s' "${tool_skip[$t]:-}" | python3 -c 'import json,sys; s=sys.stdin.read(); print(json.dumps(s) if s else "null")')"
    sep=","
  done
  printf '}}\n'
} >"$meta"
name=${BENCH_NAME:-latest}
"$deno" run --allow-read --allow-write scripts/bench/summarize.ts "$meta" "$runs_file" \
  "$root/bench-results" "$name" || die "summarize failed; raw data in $runs_file"
cat "$root/bench-results/$name.md"
if [[ "${BENCH_RESUME:-0}" == 1 ]]; then
  cleanup # the resume benchmark starts its own servers
  minio_pid=""
  python3 scripts/bench/resume_bench.py "$deno" || die "the resume benchmark failed"
fi
if [[ "${BENCH_LIMIT:-0}" == 1 ]]; then
  cleanup # the --limit-rate benchmark starts its own MinIO
  minio_pid=""
  "$deno" run -A scripts/bench/limit_rate.ts || die "the --limit-rate benchmark failed or missed its target"
fi
