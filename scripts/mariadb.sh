#!/usr/bin/env bash
# A private MariaDB for `make demo` on a free loopback port (the tests start their own).
#   scripts/mariadb.sh start  -> prints PORT; database `offsets`, user `offsets_admin`, password in .testbed/run/mariadb.password
#   scripts/mariadb.sh stop
set -euo pipefail
cd "$(dirname "$0")/.."
TESTBED=${PIPEFORM_TESTBED_DIR:-$PWD/.testbed}
RUN=$TESTBED/run
DIR=$RUN/mariadb
mkdir -p "$RUN"

case "${1:-}" in
  start)
    if [ -f "$DIR/pid" ] && kill -0 "$(cat "$DIR/pid")" 2>/dev/null; then cat "$DIR/port"; exit 0; fi
    rm -rf "$DIR"; mkdir -p "$DIR/data"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    cat >"$DIR/my.cnf" <<CNF
[mysqld]
datadir=$DIR/data
socket=$DIR/sock
pid-file=$DIR/pid
port=$port
bind-address=127.0.0.1
local_infile=ON
skip-name-resolve
log-error=$DIR/error.log
user=root
[client]
socket=$DIR/sock
CNF
    mariadb-install-db --defaults-file="$DIR/my.cnf" --auth-root-authentication-method=socket >"$DIR/install.log" 2>&1
    /usr/sbin/mariadbd --defaults-file="$DIR/my.cnf" >/dev/null 2>&1 &
    for _ in $(seq 100); do [ -S "$DIR/sock" ] && break; sleep 0.1; done
    if [ ! -S "$DIR/sock" ]; then echo "mariadb: did not start; see $DIR/error.log" >&2; tail -n 20 "$DIR/error.log" >&2; exit 1; fi
    pw=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)
    umask 077; echo -n "$pw" >"$RUN/mariadb.password"
    mariadb --defaults-file="$DIR/my.cnf" -uroot <<SQL
CREATE DATABASE IF NOT EXISTS offsets;
CREATE USER IF NOT EXISTS 'offsets_admin'@'127.0.0.1' IDENTIFIED BY '$pw';
CREATE USER IF NOT EXISTS 'offsets_admin'@'localhost' IDENTIFIED BY '$pw';
GRANT ALL ON offsets.* TO 'offsets_admin'@'127.0.0.1';
GRANT ALL ON offsets.* TO 'offsets_admin'@'localhost';
SQL
    echo "$port" >"$DIR/port"
    echo "$port"
    ;;
  stop)
    if [ -f "$DIR/pid" ]; then kill "$(cat "$DIR/pid")" 2>/dev/null || true; fi
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
