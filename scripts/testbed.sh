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

# Starts moto on a free port. The port is free when chosen, not when moto binds it: another
# process taking it in between makes moto exit (then a fresh port is tried), and what answers
# there may be that other process (so moto counts as up only once its own log says it runs on
# the port, and it is still alive).
start_moto() {
  if [ -f "$RUN/moto.pid" ] && kill -0 "$(cat "$RUN/moto.pid")" 2>/dev/null; then return; fi
  local port pid attempt deadline
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    "$TESTBED/venv-moto/bin/moto_server" -H 127.0.0.1 -p "$port" >"$RUN/moto.log" 2>&1 &
    pid=$!
    echo "$pid" >"$RUN/moto.pid"
    deadline=$((SECONDS + 30))
    until grep -q "Running on http://127.0.0.1:$port" "$RUN/moto.log" &&
      curl -fsS -o /dev/null "http://127.0.0.1:$port/moto-api/" 2>/dev/null; do
      kill -0 "$pid" 2>/dev/null || break
      if [ $SECONDS -ge $deadline ]; then
        echo "testbed: moto_server did not answer on 127.0.0.1:$port within 30 s; see $RUN/moto.log" >&2
        tail -n 20 "$RUN/moto.log" >&2
        exit 1
      fi
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$port" >"$RUN/moto.port"
      return
    fi
    echo "testbed: moto_server exited on 127.0.0.1:$port (attempt $attempt of 5), trying another port:" >&2
    tail -n 3 "$RUN/moto.log" >&2
  done
  echo "testbed: moto_server could not start on 5 ports; see $RUN/moto.log" >&2
  exit 1
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
