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
if [[ -n "${S3MPU_TEST_MINIO_URL:-}" ]]; then
  server=MinIO
  export AWS_ENDPOINT_URL=$S3MPU_TEST_MINIO_URL AWS_ACCESS_KEY_ID=$S3MPU_TEST_MINIO_ACCESS_KEY
  export AWS_SECRET_ACCESS_KEY=$S3MPU_TEST_MINIO_SECRET_KEY
else
  server=moto
  export AWS_ENDPOINT_URL=$S3MPU_TEST_MOTO_URL AWS_ACCESS_KEY_ID=$S3MPU_TEST_MOTO_ACCESS_KEY
  export AWS_SECRET_ACCESS_KEY=$S3MPU_TEST_MOTO_SECRET_KEY
fi
export AWS_REGION=us-east-1

rm -rf "$work" && mkdir -p "$work"
file="$work/input.bin"
say "Creating a ${size_mib} MiB file and a bucket on local $server ($AWS_ENDPOINT_URL)"
head -c "$((size_mib * 1024 * 1024))" /dev/urandom >"$file"
"$deno" run -A scripts/demo_client.ts mkbucket demo-bucket

upload=("$deno" run -A main.ts upload -b demo-bucket -k data/input.bin -f "$file"
  -m "$work/input_meta.json" -a "$work/input_parts.jsonl" -t 4 -s 8MiB)
say "Uploading; the run will be killed with SIGKILL after 5 parts"
"${upload[@]}" &
pid=$!
while [[ "$(wc -l <"$work/input_parts.jsonl" 2>/dev/null || echo 0)" -lt 5 ]]; do sleep 0.05; done
kill -9 "$pid"
wait "$pid" 2>/dev/null || echo "demo: the upload was killed (exit $?)." >&2
say "State left behind (the journal has one line per finished part)"
cat "$work/input_meta.json"
head -n 3 "$work/input_parts.jsonl"
echo "... $(wc -l <"$work/input_parts.jsonl") parts journaled"

say "Running the same command again: it resumes"
"${upload[@]}"

say "Reading the object back with an independent S3 client"
"$deno" run -A scripts/demo_client.ts verify demo-bucket data/input.bin "$file"
rm -rf "$work"
