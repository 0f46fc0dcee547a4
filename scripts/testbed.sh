#!/usr/bin/env bash
# Starts and stops the shared local testbed on free loopback ports.
#   scripts/testbed.sh start   -> starts moto (and writes .testbed/env), prints the env file path
#   scripts/testbed.sh stop    -> stops everything this script started
#   scripts/testbed.sh env     -> prints the env file (source it: `. .testbed/run/env`)
# Servers a single test needs on its own (sshd, MariaDB, a throwaway moto) are started by the
# test support code instead; this shared moto holds the one applied stack of a test run.
set -euo pipefail
cd "$(dirname "$0")/.."
TESTBED=${PIPEFORM_TESTBED_DIR:-$PWD/.testbed}
RUN=${PIPEFORM_TESTBED_RUN:-$TESTBED/run}
mkdir -p "$RUN"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_http() { # wait_http URL SECONDS
  local url=$1 deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then return 1; fi
    sleep 0.2
  done
}

start_moto() {
  if [ -f "$RUN/moto.pid" ] && kill -0 "$(cat "$RUN/moto.pid")" 2>/dev/null; then return; fi
  local port; port=$(free_port)
  "$TESTBED/venv-moto/bin/moto_server" -H 127.0.0.1 -p "$port" >"$RUN/moto.log" 2>&1 &
  echo $! >"$RUN/moto.pid"
  if ! wait_http "http://127.0.0.1:$port/moto-api/" 30; then
    echo "testbed: moto_server did not answer on 127.0.0.1:$port within 30 s; see $RUN/moto.log" >&2
    tail -n 20 "$RUN/moto.log" >&2
    exit 1
  fi
  echo "$port" >"$RUN/moto.port"
}

write_env() {
  cat >"$RUN/env" <<ENV
export AWS_ENDPOINT_URL=http://127.0.0.1:$(cat "$RUN/moto.port")
export AWS_ACCESS_KEY_ID=testing
export AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=ap-northeast-2
export AWS_DEFAULT_REGION=ap-northeast-2
export AWS_EC2_METADATA_DISABLED=true
export TF_CLI_CONFIG_FILE=$PWD/scripts/terraformrc
export TF_IN_AUTOMATION=1
export PIPEFORM_TESTBED_DIR=$TESTBED
export PIPEFORM_MOTO_SERVER=$TESTBED/venv-moto/bin/moto_server
ENV
}

stop_pidfile() {
  local f=$1
  [ -f "$f" ] || return 0
  local pid; pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

case "${1:-}" in
  start) start_moto; write_env; echo "$RUN/env" ;;
  stop) for f in "$RUN"/*.pid; do [ -e "$f" ] && stop_pidfile "$f"; done; true ;;
  env) cat "$RUN/env" ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
