#!/bin/bash
# pipeform NAT bootstrap: nat.sh VPC_CIDR (run as root, at every boot).
#
# IPv4 forwarding on, MASQUERADE for VPC_CIDR out of the default route's interface, and the
# FORWARD rules. Waits up to NAT_WAIT_SECONDS (default 300) for a default route, because at
# boot the interface may come up after this runs; without one it fails rather than install a
# rule with an empty interface. A second run adds no rule. Every outcome ends in one status
# line on stdout and on the console (NAT_CONSOLE, default /dev/console, when writable), which
# `pipeform check` reads back through EC2's console output (nat.bootstrap):
#   pipeform-nat: OK <cidr> via <iface>
#   pipeform-nat: FAILED <reason>
set -uo pipefail

console=${NAT_CONSOLE:-/dev/console}

status() {
  local line="pipeform-nat: $*"
  printf '%s\n' "$line"
  if [ -w "$console" ]; then
    printf '%s\n' "$line" >>"$console" 2>/dev/null || true
  fi
}

# fail REASON: the reason on stderr and in the status line (kept to one line), then exit 1.
fail() {
  local reason=${1//$'\n'/ }
  printf 'nat.sh: %s\n' "$reason" >&2
  status "FAILED $reason"
  exit 1
}

is_ipv4_cidr() {
  local ip=${1%/*} len=${1##*/} octet
  local -a octets
  [[ $1 =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}$ ]] || return 1
  ((10#$len <= 32)) || return 1
  IFS=. read -r -a octets <<<"$ip"
  for octet in "${octets[@]}"; do
    ((10#$octet <= 255)) || return 1
  done
}

# The interface of the first IPv4 default route, or nothing. Reads the word after `dev`, so a
# route without a gateway (`default dev eth0 scope link`) or with nexthops is read right too.
default_iface() {
  ip -4 route show default 2>/dev/null |
    awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }'
}

# ensure_rule TABLE CHAIN -A|-I RULE...: adds RULE unless `iptables -C` finds it already.
ensure_rule() {
  local table=$1 chain=$2 how=$3 err
  shift 3
  if iptables -w -t "$table" -C "$chain" "$@" 2>/dev/null; then
    return 0
  fi
  if ! err=$(iptables -w -t "$table" "$how" "$chain" "$@" 2>&1); then
    fail "iptables -t $table $how $chain $*: $err"
  fi
}

[ $# -eq 1 ] || fail "usage: nat.sh VPC_CIDR (e.g. nat.sh 10.0.0.0/16); got $# arguments"
cidr=$1
is_ipv4_cidr "$cidr" || fail "VPC_CIDR '$cidr' is not an IPv4 CIDR such as 10.0.0.0/16"
wait_seconds=${NAT_WAIT_SECONDS:-300}
[[ $wait_seconds =~ ^[0-9]+$ ]] ||
  fail "NAT_WAIT_SECONDS '$wait_seconds' is not a whole number of seconds"
[ "$(id -u)" -eq 0 ] || fail "must run as root (it sets sysctls and iptables rules)"
command -v ip >/dev/null 2>&1 || fail "ip (iproute2) is not installed"
command -v iptables >/dev/null 2>&1 || fail "iptables is not installed"

# Poll once a second; the deadline is counted in whole seconds from here.
SECONDS=0
iface=$(default_iface)
while [ -z "$iface" ]; do
  if ((SECONDS >= 10#$wait_seconds)); then
    fail "no IPv4 default route after ${wait_seconds} s; nothing masquerades $cidr"
  fi
  sleep 1
  iface=$(default_iface)
done

# Forwarding, and no ICMP redirects: the private subnets' hosts must keep sending through us.
for setting in ipv4/ip_forward=1 ipv4/conf/all/send_redirects=0; do
  key=${setting%=*} value=${setting#*=}
  if ! printf '%s\n' "$value" 2>/dev/null >"/proc/sys/net/$key"; then
    fail "cannot set net.${key//\//.} = $value"
  fi
done

ensure_rule nat POSTROUTING -A -s "$cidr" -o "$iface" -j MASQUERADE
# Inserted at the top: an image's own FORWARD rules (often a final REJECT) must not come first.
ensure_rule filter FORWARD -I -s "$cidr" -j ACCEPT
ensure_rule filter FORWARD -I -d "$cidr" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT

status "OK $cidr via $iface"
