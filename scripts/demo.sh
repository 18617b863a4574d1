#!/usr/bin/env bash
# The main job, end to end, on a fresh machine: installs Deno, builds MinIO (or falls back to
# moto), starts a local S3 server, creates a file, starts uploading it, kills the upload with
# SIGKILL part-way, runs the same command again to resume, and verifies the stored bytes
# with an independent S3 client. Stops the server on exit.
#
#   bash scripts/demo.sh                 # 512 MiB file
#   DEMO_SIZE_MIB=2048 bash scripts/demo.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mkdir -p .cache
size_mib=${DEMO_SIZE_MIB:-512}
work="$root/.cache/demo"
say() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

# Test runs and the demo share .cache/servers.env and the servers: one at a time.
exec 9>"$root/.cache/test.lock"
flock -w 900 9 || { echo "demo: another test run or demo holds .cache/test.lock" >&2; exit 1; }
deno="$(bash scripts/ensure_deno.sh)"
if ! bash scripts/ensure_minio.sh >/dev/null; then
  echo "demo: MinIO could not be built (see above); using moto instead." >&2
  export S3MPU_TEST_MINIO_UNAVAILABLE="build failed"
fi
trap 'bash scripts/servers.sh stop >/dev/null 2>&1 || true' EXIT
bash scripts/servers.sh start
set -a
# shellcheck source=/dev/null
. .cache/servers.env
set +a
# The README's way: MinIO with --provider minio (CRC32 parts, a FULL_OBJECT CRC32 proved after
# Complete); moto is AWS's emulator, so it gets the aws preset.
if [[ -n "${S3MPU_TEST_MINIO_URL:-}" ]]; then
  server=MinIO provider=minio
  export AWS_ENDPOINT_URL=$S3MPU_TEST_MINIO_URL AWS_ACCESS_KEY_ID=$S3MPU_TEST_MINIO_ACCESS_KEY
  export AWS_SECRET_ACCESS_KEY=$S3MPU_TEST_MINIO_SECRET_KEY
else
  server=moto provider=aws
  export AWS_ENDPOINT_URL=$S3MPU_TEST_MOTO_URL AWS_ACCESS_KEY_ID=$S3MPU_TEST_MOTO_ACCESS_KEY
  export AWS_SECRET_ACCESS_KEY=$S3MPU_TEST_MOTO_SECRET_KEY
fi
export AWS_REGION=us-east-1

rm -rf "$work" && mkdir -p "$work"
file="$work/input.bin"
say "Creating a ${size_mib} MiB file and a bucket on local $server ($AWS_ENDPOINT_URL)"
head -c "$((size_mib * 1024 * 1024))" /dev/urandom >"$file"
"$deno" run -A scripts/demo_client.ts mkbucket demo-bucket

parts="$work/input_parts.jsonl"
journaled() { if [[ -f "$parts" ]]; then wc -l <"$parts"; else echo 0; fi; }
upload=("$deno" run -A main.ts upload -b demo-bucket -k data/input.bin -f "$file"
  -m "$work/input_meta.json" -a "$parts" -t 4 -s 8MiB --provider "$provider")
say "Uploading with --provider $provider; the run is killed with SIGKILL once 5 parts are journaled"
"${upload[@]}" &
pid=$!
deadline=$((SECONDS + 300))
while (($(journaled) < 5)); do
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid" && status=0 || status=$?
    echo "demo: the upload ended (exit $status) before 5 parts were journaled; see its output above." >&2
    exit 1
  fi
  if ((SECONDS > deadline)); then
    kill "$pid" 2>/dev/null || true
    echo "demo: no 5 parts were journaled within 300 s; see the upload's output above." >&2
    exit 1
  fi
  sleep 0.05
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || echo "demo: the upload was killed (exit $?)." >&2
say "State left behind (the journal has one line per finished part)"
cat "$work/input_meta.json"
head -n 3 "$parts"
# With -t 4, parts in flight finish while the kill is on its way: count what the journal holds.
echo "... $(journaled) parts journaled when the kill landed (of $((size_mib / 8)))"

say "Running the same command again: it resumes"
"${upload[@]}"

say "Reading the object back with an independent S3 client"
"$deno" run -A scripts/demo_client.ts verify demo-bucket data/input.bin "$file"
rm -rf "$work"
