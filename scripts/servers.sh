#!/usr/bin/env bash
# Starts or stops the S3 servers the integration tests run against, on loopback only.
#
#   bash scripts/servers.sh start   # MinIO and versitygw (if built) + moto_server; writes .cache/servers.env
#   bash scripts/servers.sh stop    # kills them by recorded pid, removes their data
#
# S3MPU_TEST_MORE_STORES="seaweedfs garage" adds SeaweedFS (.tools/bin/weed) and Garage
# (.tools/bin/garage), as scripts/test_more_stores.sh does. Each of versitygw, SeaweedFS and
# Garage that is not built, or does not start, is left out: .cache/servers.env then says
# S3MPU_TEST_<STORE>_UNAVAILABLE=<reason> and the others run. Otherwise it sets
# S3MPU_TEST_<STORE>_URL/_ACCESS_KEY/_SECRET_KEY (STORE: VERSITYGW, SEAWEEDFS, GARAGE).
# Set S3MPU_TEST_VERSITYGW_UNAVAILABLE before `start` to skip versitygw with that reason.
#
# .cache/servers.env is bash-sourceable (set -a; . .cache/servers.env; set +a) and sets
# S3MPU_TEST_MINIO_URL/_ACCESS_KEY/_SECRET_KEY and S3MPU_TEST_MOTO_URL/_ACCESS_KEY/_SECRET_KEY,
# or S3MPU_TEST_MINIO_UNAVAILABLE=<reason> when there is no MinIO binary. Set
# S3MPU_TEST_MINIO_UNAVAILABLE before `start` to skip MinIO with that reason (scripts/test.sh
# does so when the MinIO build failed). MinIO's root user/password come from
# S3MPU_TEST_MINIO_ACCESS_KEY / S3MPU_TEST_MINIO_SECRET_KEY when set.
# Servers log to .cache/<name>.log (minio, moto, versitygw, seaweedfs, garage).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/versions.env
. "$root/scripts/versions.env"
cache="$root/.cache"
env_file="$cache/servers.env"
minio_exe="$root/.tools/bin/minio"
minio_data="$cache/minio-data"
versitygw_exe="$root/.tools/bin/versitygw"
weed_exe="$root/.tools/bin/weed"
garage_exe="$root/.tools/bin/garage"
host=127.0.0.1
start_timeout=${S3MPU_SERVER_START_TIMEOUT:-60}

log() { echo "servers: $*" >&2; }

free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Starts "$@" in its own session (so `stop` can end the whole process group) with output to
# log file $2, recording the pid in pid file $1.
spawn() {
  local pid_file=$1 log_file=$2
  shift 2
  rm -f "$pid_file"
  # shellcheck disable=SC2016 # $$ and $@ are expanded by the inner bash
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pid_file" "$@" >"$log_file" 2>&1 </dev/null &
  for _ in $(seq 1 50); do
    [[ -s "$pid_file" ]] && return 0
    sleep 0.1
  done
  log "could not start $1 (no pid recorded)"
  return 1
}

# Whether process $1 exists and is not a zombie (an exited server its parent has not reaped).
running() {
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ "$state" != Z ]]
}

alive() { [[ -s "$1" ]] && running "$(cat "$1")"; }

# Waits until URL $2 answers with HTTP success while the process in pid file $1 lives.
wait_http() {
  local pid_file=$1 url=$2 deadline=$((SECONDS + start_timeout))
  while ((SECONDS < deadline)); do
    alive "$pid_file" || return 1
    if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  return 1
}

# Ends the process group recorded in pid file $1 if it is still the server ($2 is a word
# that must appear in its command line, so a recycled pid is never killed).
stop_one() {
  local pid_file=$1 name=$2 pid
  [[ -s "$pid_file" ]] || return 0
  pid="$(cat "$pid_file")"
  if running "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$name"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      running "$pid" || break
      sleep 0.1
    done
    if running "$pid"; then
      log "$name (pid $pid) did not stop on SIGTERM; sending SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pid_file"
}

stop() {
  stop_one "$cache/minio.pid" minio
  stop_one "$cache/moto.pid" moto
  stop_one "$cache/versitygw.pid" versitygw
  stop_one "$cache/seaweedfs.pid" weed
  stop_one "$cache/garage.pid" garage
  rm -rf "$minio_data" "$cache/versitygw-data" "$cache/seaweedfs-data" "$cache/garage-data" \
    "$env_file"
}

# start_tries LABEL NAME PROCESS TRY: up to three calls of the function TRY, which picks
# ports (setting `where` for messages), spawns the server with pid and log files
# .cache/NAME.pid and .log, waits until it is ready and sets its URL. After a failed try the
# last log lines are shown and the process (named PROCESS) is stopped.
start_tries() {
  local label=$1 name=$2 process=$3 try=$4 attempt where=""
  for attempt in 1 2 3; do
    "$try" && return 0
    log "$label did not answer on $where (attempt $attempt); last log lines:"
    tail -n 20 "$cache/$name.log" >&2 || true
    stop_one "$cache/$name.pid" "$process"
  done
  return 1
}

minio_try() {
  local port console
  port="$(free_port)"
  console="$(free_port)"
  where="$host:$port"
  rm -rf "$minio_data"
  mkdir -p "$minio_data"
  MINIO_ROOT_USER="$user" MINIO_ROOT_PASSWORD="$password" MINIO_BROWSER=off \
    MINIO_UPDATE=off MINIO_CI_CD=1 \
    spawn "$cache/minio.pid" "$cache/minio.log" "$minio_exe" server --quiet \
    --address "$host:$port" --console-address "$host:$console" "$minio_data"
  wait_http "$cache/minio.pid" "http://$host:$port/minio/health/ready" || return 1
  minio_url="http://$host:$port"
}

start_minio() {
  local user=$1 password=$2
  start_tries MinIO minio minio minio_try
}

# Prints the moto_server to run: the one on PATH, else the pinned version installed into a
# virtualenv under .tools/ from PyPI.
moto_server_path() {
  local venv="$root/.tools/moto-venv"
  if command -v moto_server >/dev/null 2>&1; then
    command -v moto_server
    return 0
  fi
  if [[ ! -x "$venv/bin/moto_server" ]]; then
    log "moto_server is not on PATH; installing moto[server]==$MOTO_VERSION into $venv ..."
    rm -rf "$venv"
    python3 -m venv "$venv" >&2 &&
      "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2 ||
      return 1
  fi
  printf '%s\n' "$venv/bin/moto_server"
}

moto_try() {
  local port
  port="$(free_port)"
  where="$host:$port"
  spawn "$cache/moto.pid" "$cache/moto.log" "$moto_server" -H "$host" -p "$port"
  wait_http "$cache/moto.pid" "http://$host:$port/" || return 1
  moto_url="http://$host:$port"
}

start_moto() {
  local moto_server
  if ! moto_server="$(moto_server_path)"; then
    log "could not install moto[server]==$MOTO_VERSION"
    return 1
  fi
  start_tries moto_server moto moto moto_try
}

# Waits until URL $2 answers with any HTTP status (S3 APIs answer 403 to anonymous requests)
# while the process in pid file $1 lives.
wait_http_any() {
  local pid_file=$1 url=$2 deadline=$((SECONDS + start_timeout)) code
  while ((SECONDS < deadline)); do
    alive "$pid_file" || return 1
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null)" || true
    [[ "$code" =~ ^[1-5][0-9][0-9]$ ]] && return 0
    sleep 0.2
  done
  return 1
}

# Fixed test credentials of the extra stores (loopback only, data removed by `stop`).
versitygw_user=s3mpu-test
versitygw_password=s3mpu-test-secret-key
seaweedfs_user=s3mpu-test
seaweedfs_password=s3mpu-test-secret-key
# Garage key ids are "GK" and 24 hex digits, secrets 64 hex digits.
garage_user=GK5333d70c7e0ce3c1a2b4d6e8
garage_password=5e1c7d0f2a9b48e6c3d5f7a1b2c4e6d8f0a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9

# versitygw (POSIX backend) on a fresh directory; object metadata goes to a sidecar directory
# so the data directory's file system needs no extended attributes.
versitygw_try() {
  local port data="$cache/versitygw-data"
  port="$(free_port)"
  where="$host:$port"
  rm -rf "$data"
  mkdir -p "$data/objects" "$data/sidecar"
  spawn "$cache/versitygw.pid" "$cache/versitygw.log" "$versitygw_exe" \
    --port "$host:$port" --access "$versitygw_user" --secret "$versitygw_password" \
    --region us-east-1 --quiet --health /health \
    posix --sidecar "$data/sidecar" "$data/objects"
  wait_http "$cache/versitygw.pid" "http://$host:$port/health" || return 1
  versitygw_url="http://$host:$port"
}

start_versitygw() {
  start_tries versitygw versitygw versitygw versitygw_try
}

# SeaweedFS: master, volume, filer and S3 gateway in one `weed server`, every port on
# loopback, the test identity from an S3 config file. Every bucket gets its own collection,
# which grows several volumes at once, and the tests create dozens of buckets: small volumes
# (64 MB, sparse files) and a high volume count, or uploads fail with "failed to find
# writable volumes".
seaweedfs_try() {
  local data="$cache/seaweedfs-data" s3 master volume filer
    s3="$(free_port)" master="$(free_port)" volume="$(free_port)" filer="$(free_port)"
    where="$host:$s3"
    rm -rf "$data"
    mkdir -p "$data/store"
    cat >"$data/s3.json" <<JSON
{"identities": [{"name": "s3mpu-test",
  "credentials": [{"accessKey": "$seaweedfs_user", "secretKey": "$seaweedfs_password"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
JSON
    spawn "$cache/seaweedfs.pid" "$cache/seaweedfs.log" "$weed_exe" server \
      -ip="$host" -ip.bind="$host" -dir="$data/store" \
      -master.port="$master" -master.port.grpc="$(free_port)" \
      -volume.port="$volume" -volume.port.grpc="$(free_port)" -volume.max=1000 \
      -master.volumeSizeLimitMB=64 \
      -filer -filer.port="$filer" -filer.port.grpc="$(free_port)" \
      -s3 -s3.port="$s3" -s3.port.grpc="$(free_port)" -s3.config="$data/s3.json" \
      -s3.port.iceberg=0 -s3.port.lance=0 -master.telemetry=false
    wait_http_any "$cache/seaweedfs.pid" "http://$host:$s3/" || return 1
    seaweedfs_url="http://$host:$s3"
}

start_seaweedfs() {
  start_tries SeaweedFS seaweedfs weed seaweedfs_try
}

# Garage: a one-node cluster (replication 1), its layout applied, the test key imported
# and allowed to create buckets.
garage_try() {
  local data="$cache/garage-data" s3 rpc admin node ok
  local garage=("$garage_exe" -c "$data/garage.toml")
    s3="$(free_port)" rpc="$(free_port)" admin="$(free_port)"
    where="$host:$s3"
    rm -rf "$data"
    mkdir -p "$data"
    cat >"$data/garage.toml" <<TOML
metadata_dir = "$data/meta"
data_dir = "$data/data"
db_engine = "sqlite"
replication_factor = 1
rpc_bind_addr = "$host:$rpc"
rpc_public_addr = "$host:$rpc"
rpc_secret = "$(python3 -c 'import secrets; print(secrets.token_hex(32))')"

[s3_api]
s3_region = "us-east-1"
api_bind_addr = "$host:$s3"

[admin]
api_bind_addr = "$host:$admin"
TOML
    spawn "$cache/garage.pid" "$cache/garage.log" "${garage[@]}" server
    ok=0
    if wait_http_any "$cache/garage.pid" "http://$host:$s3/"; then
      node="$("${garage[@]}" node id -q 2>>"$cache/garage.log" | cut -d@ -f1)" &&
        "${garage[@]}" layout assign -z dc1 -c 1G "$node" >>"$cache/garage.log" 2>&1 &&
        "${garage[@]}" layout apply --version 1 >>"$cache/garage.log" 2>&1 &&
        "${garage[@]}" key import --yes -n s3mpu-test "$garage_user" "$garage_password" \
          >>"$cache/garage.log" 2>&1 &&
        "${garage[@]}" key allow --create-bucket "$garage_user" >>"$cache/garage.log" 2>&1 &&
        ok=1
    fi
    ((ok)) || return 1
    garage_url="http://$host:$s3"
}

start_garage() {
  start_tries Garage garage garage garage_try
}

# start_on_demand NAME LABEL EXE START_FUNCTION: starts an on-demand store when
# S3MPU_TEST_MORE_STORES names it; otherwise, or when it cannot start, sets start's local
# NAME_unavailable to the reason.
start_on_demand() {
  local name="$1" label="$2" exe="$3" start_fn="$4" reason=""
  if [[ "$more" != *" $name "* ]]; then
    reason="not requested (S3MPU_TEST_MORE_STORES)"
  elif [[ ! -x "$exe" ]]; then
    reason="$label binary not found at $exe (build it: bash scripts/ensure_$name.sh)"
  elif ! "$start_fn"; then
    reason="$label was built but did not start; see $cache/$name.log"
  fi
  printf -v "${name}_unavailable" '%s' "$reason"
}

start() {
  mkdir -p "$cache"
  stop # leftovers of an earlier run
  local t0=$SECONDS
  local minio_user=${S3MPU_TEST_MINIO_ACCESS_KEY:-s3mpu-test}
  local minio_password=${S3MPU_TEST_MINIO_SECRET_KEY:-s3mpu-test-secret-key}
  local minio_unavailable=${S3MPU_TEST_MINIO_UNAVAILABLE:-}
  local versitygw_unavailable=${S3MPU_TEST_VERSITYGW_UNAVAILABLE:-}
  local seaweedfs_unavailable="" garage_unavailable="" store name url reason
  local more=" ${S3MPU_TEST_MORE_STORES:-} "
  minio_url=""
  moto_url=""
  versitygw_url=""
  seaweedfs_url=""
  garage_url=""

  if [[ -z "$minio_unavailable" && ! -x "$minio_exe" ]]; then
    minio_unavailable="MinIO binary not found at $minio_exe (build it: bash scripts/ensure_minio.sh)"
  fi
  if [[ -z "$minio_unavailable" ]]; then
    if ! start_minio "$minio_user" "$minio_password"; then
      log "error: MinIO was built but did not start; see $cache/minio.log"
      stop
      return 1
    fi
  fi
  if ! start_moto; then
    log "error: moto_server did not start; see $cache/moto.log"
    stop
    return 1
  fi
  if [[ -z "$versitygw_unavailable" && ! -x "$versitygw_exe" ]]; then
    versitygw_unavailable="versitygw binary not found at $versitygw_exe (build it: bash scripts/ensure_versitygw.sh)"
  fi
  if [[ -z "$versitygw_unavailable" ]] && ! start_versitygw; then
    log "error: versitygw was built but did not start; see $cache/versitygw.log"
    stop
    return 1
  fi
  # The on-demand stores: a store that is missing or fails to start is reported, not fatal.
  start_on_demand seaweedfs SeaweedFS "$weed_exe" start_seaweedfs
  start_on_demand garage Garage "$garage_exe" start_garage

  # store_env NAME URL USER PASSWORD REASON: the store's lines of servers.env.
  store_env() {
    if [[ -n "$2" ]]; then
      printf 'S3MPU_TEST_%s_URL=%q\n' "$1" "$2"
      printf 'S3MPU_TEST_%s_ACCESS_KEY=%q\n' "$1" "$3"
      printf 'S3MPU_TEST_%s_SECRET_KEY=%q\n' "$1" "$4"
    else
      # One line, so the file stays simple to read from any language.
      printf 'S3MPU_TEST_%s_UNAVAILABLE=%q\n' "$1" "$(printf '%s' "$5" | tr '\n' ' ' | cut -c1-500)"
    fi
  }
  {
    echo "# Written by scripts/servers.sh start; removed by stop."
    store_env MINIO "$minio_url" "$minio_user" "$minio_password" "$minio_unavailable"
    printf 'S3MPU_TEST_MOTO_URL=%q\n' "$moto_url"
    printf 'S3MPU_TEST_MOTO_ACCESS_KEY=%q\n' testing
    printf 'S3MPU_TEST_MOTO_SECRET_KEY=%q\n' testing
    store_env VERSITYGW "$versitygw_url" "$versitygw_user" "$versitygw_password" \
      "$versitygw_unavailable"
    store_env SEAWEEDFS "$seaweedfs_url" "$seaweedfs_user" "$seaweedfs_password" \
      "$seaweedfs_unavailable"
    store_env GARAGE "$garage_url" "$garage_user" "$garage_password" "$garage_unavailable"
  } >"$env_file"
  for store in "MinIO|$minio_url|$minio_unavailable" "moto|$moto_url|" \
    "versitygw|$versitygw_url|$versitygw_unavailable" \
    "SeaweedFS|$seaweedfs_url|$seaweedfs_unavailable" "Garage|$garage_url|$garage_unavailable"; do
    IFS='|' read -r name url reason <<<"$store"
    if [[ -n "$url" ]]; then
      log "$name at $url"
    elif [[ "$reason" != "not requested"* ]]; then
      log "$name unavailable: $reason"
    fi
  done
  log "ready in $((SECONDS - t0))s; env: $env_file"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*)
  echo "usage: bash scripts/servers.sh start|stop" >&2
  exit 2
  ;;
esac
