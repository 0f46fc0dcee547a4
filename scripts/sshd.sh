#!/usr/bin/env bash
# A private OpenSSH server for `make demo` (the tests start their own): free loopback port, its
# own host keys, root login with its own ed25519 key only (no passwords), own pid file and log.
#   scripts/sshd.sh start  -> prints SSHD_HOST, SSHD_PORT, SSHD_USER, SSHD_KEY, SSHD_KNOWN_HOSTS
#                             as shell assignments (also in .testbed/run/sshd/env; `source` it)
#   scripts/sshd.sh stop
# Deploy to it with:
#   pipeform deploy --host "$SSHD_HOST" --port "$SSHD_PORT" --user "$SSHD_USER" \
#     --identity "$SSHD_KEY" --known-hosts "$SSHD_KNOWN_HOSTS" --accept-new-host-key ...
# The known_hosts file starts empty, so the first deploy shows the unknown-host refusal unless
# --accept-new-host-key is given. Needs root (sshd, and the login user is root).
# SSHD_PLAIN_USER=NAME also creates (if missing) and admits a user NAME with /bin/sh as its
# shell, and prints SSHD_PLAIN_USER: a login without root's shell start-up files (bench/deploy.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
TESTBED=${PIPEFORM_TESTBED_DIR:-$PWD/.testbed}
DIR=$TESTBED/run/sshd
mkdir -p "$TESTBED/run"

case "${1:-}" in
  start)
    if [ -f "$DIR/sshd.pid" ] && kill -0 "$(cat "$DIR/sshd.pid")" 2>/dev/null; then cat "$DIR/env"; exit 0; fi
    if [ "$(id -u)" != 0 ]; then echo "sshd.sh: run as root (sshd and the root login need it)" >&2; exit 1; fi
    command -v /usr/sbin/sshd >/dev/null || { echo "sshd.sh: /usr/sbin/sshd missing: apt-get install -y openssh-server" >&2; exit 1; }
    rm -rf "$DIR"; mkdir -p "$DIR"; chmod 755 "$DIR"  # the plain user reads authorized_keys; keys stay 0600
    mkdir -p /run/sshd
    for t in ed25519 ecdsa; do ssh-keygen -q -t "$t" -N '' -C pipeform-demo-host -f "$DIR/host_$t"; done
    ssh-keygen -q -t ed25519 -N '' -C pipeform-demo -f "$DIR/client"
    cp "$DIR/client.pub" "$DIR/authorized_keys"
    : >"$DIR/known_hosts"
    users=root
    if [ -n "${SSHD_PLAIN_USER:-}" ]; then
      id "$SSHD_PLAIN_USER" >/dev/null 2>&1 || useradd -m -s /bin/sh "$SSHD_PLAIN_USER"
      # useradd locks the password ("!"), which also blocks key logins without PAM.
      usermod -p '*' "$SSHD_PLAIN_USER"
      users="root $SSHD_PLAIN_USER"
    fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    cat >"$DIR/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $DIR/host_ed25519
HostKey $DIR/host_ecdsa
PidFile $DIR/sshd.pid
AuthorizedKeysFile $DIR/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
AllowUsers $users
Subsystem sftp internal-sftp
LogLevel VERBOSE
CFG
    /usr/sbin/sshd -f "$DIR/sshd_config" -E "$DIR/sshd.log"
    for _ in $(seq 100); do
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
      sleep 0.1
    done
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "sshd.sh: sshd did not listen on 127.0.0.1:$port; log:" >&2; cat "$DIR/sshd.log" >&2; exit 1
    fi
    cat >"$DIR/env" <<ENV
SSHD_HOST=127.0.0.1
SSHD_PORT=$port
SSHD_USER=root
SSHD_KEY=$DIR/client
SSHD_KNOWN_HOSTS=$DIR/known_hosts
ENV
    if [ -n "${SSHD_PLAIN_USER:-}" ]; then echo "SSHD_PLAIN_USER=$SSHD_PLAIN_USER" >>"$DIR/env"; fi
    cat "$DIR/env"
    ;;
  stop)
    if [ -f "$DIR/sshd.pid" ]; then kill "$(cat "$DIR/sshd.pid")" 2>/dev/null || true; rm -f "$DIR/sshd.pid"; fi
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
