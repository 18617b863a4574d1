#!/usr/bin/env bash
# Starts or stops the S3 servers the integration tests run against, on loopback only.
#
#   bash scripts/servers.sh start   # MinIO (if built) + moto_server; writes .cache/servers.env
#   bash scripts/servers.sh stop    # kills both by recorded pid, removes their data
#
# .cache/servers.env is bash-sourceable (set -a; . .cache/servers.env; set +a) and sets
# S3MPU_TEST_MINIO_URL/_ACCESS_KEY/_SECRET_KEY and S3MPU_TEST_MOTO_URL/_ACCESS_KEY/_SECRET_KEY,
# or S3MPU_TEST_MINIO_UNAVAILABLE=<reason> when there is no MinIO binary. Set
# S3MPU_TEST_MINIO_UNAVAILABLE before `start` to skip MinIO with that reason (scripts/test.sh
# does so when the MinIO build failed). MinIO's root user/password come from
# S3MPU_TEST_MINIO_ACCESS_KEY / S3MPU_TEST_MINIO_SECRET_KEY when set.
# Servers log to .cache/minio.log and .cache/moto.log.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/versions.env
. "$root/scripts/versions.env"
cache="$root/.cache"
env_file="$cache/servers.env"
minio_exe="$root/.tools/bin/minio"
minio_data="$cache/minio-data"
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
  rm -rf "$minio_data" "$env_file"
}

start_minio() {
  local user=$1 password=$2 attempt port console
  for attempt in 1 2 3; do
    port="$(free_port)"
    console="$(free_port)"
    rm -rf "$minio_data"
    mkdir -p "$minio_data"
    MINIO_ROOT_USER="$user" MINIO_ROOT_PASSWORD="$password" MINIO_BROWSER=off \
      MINIO_UPDATE=off MINIO_CI_CD=1 \
      spawn "$cache/minio.pid" "$cache/minio.log" "$minio_exe" server --quiet \
      --address "$host:$port" --console-address "$host:$console" "$minio_data"
    if wait_http "$cache/minio.pid" "http://$host:$port/minio/health/ready"; then
      minio_url="http://$host:$port"
      return 0
    fi
    log "MinIO did not answer on $host:$port (attempt $attempt); last log lines:"
    tail -n 20 "$cache/minio.log" >&2 || true
    stop_one "$cache/minio.pid" minio
  done
  return 1
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

start_moto() {
  local attempt port moto_server
  if ! moto_server="$(moto_server_path)"; then
    log "could not install moto[server]==$MOTO_VERSION"
    return 1
  fi
  for attempt in 1 2 3; do
    port="$(free_port)"
    spawn "$cache/moto.pid" "$cache/moto.log" "$moto_server" -H "$host" -p "$port"
    if wait_http "$cache/moto.pid" "http://$host:$port/"; then
      moto_url="http://$host:$port"
      return 0
    fi
    log "moto_server did not answer on $host:$port (attempt $attempt); last log lines:"
    tail -n 20 "$cache/moto.log" >&2 || true
    stop_one "$cache/moto.pid" moto
  done
  return 1
}

start() {
  mkdir -p "$cache"
  stop # leftovers of an earlier run
  local t0=$SECONDS
  local minio_user=${S3MPU_TEST_MINIO_ACCESS_KEY:-s3mpu-test}
  local minio_password=${S3MPU_TEST_MINIO_SECRET_KEY:-s3mpu-test-secret-key}
  local minio_unavailable=${S3MPU_TEST_MINIO_UNAVAILABLE:-}
  minio_url=""
  moto_url=""

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

  {
    echo "# Written by scripts/servers.sh start; removed by stop."
    if [[ -n "$minio_url" ]]; then
      printf 'S3MPU_TEST_MINIO_URL=%q\n' "$minio_url"
      printf 'S3MPU_TEST_MINIO_ACCESS_KEY=%q\n' "$minio_user"
      printf 'S3MPU_TEST_MINIO_SECRET_KEY=%q\n' "$minio_password"
    else
      # One line, so the file stays simple to read from any language.
      printf 'S3MPU_TEST_MINIO_UNAVAILABLE=%q\n' "$(printf '%s' "$minio_unavailable" | tr '\n' ' ' | cut -c1-500)"
    fi
    printf 'S3MPU_TEST_MOTO_URL=%q\n' "$moto_url"
    printf 'S3MPU_TEST_MOTO_ACCESS_KEY=%q\n' testing
    printf 'S3MPU_TEST_MOTO_SECRET_KEY=%q\n' testing
  } >"$env_file"
  if [[ -n "$minio_url" ]]; then
    log "MinIO at $minio_url, moto at $moto_url (ready in $((SECONDS - t0))s); env: $env_file"
  else
    log "MinIO unavailable ($minio_unavailable); moto at $moto_url (ready in $((SECONDS - t0))s)"
  fi
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*)
  echo "usage: bash scripts/servers.sh start|stop" >&2
  exit 2
  ;;
esac
