#!/usr/bin/env bash
# Installs what the testbed needs and is missing; fast (a few ms per item) when all is there.
# Everything lands in places this script owns: Debian packages, and venvs under .testbed/.
set -euo pipefail
cd "$(dirname "$0")/.."
TESTBED=${PIPEFORM_TESTBED_DIR:-$PWD/.testbed}
MOTO_VERSION=5.2.5
ZIGBUILD_VERSION=0.24.1
ZIG_VERSION=0.17.1
CHECKOV_VERSION=3.3.30
mkdir -p "$TESTBED"

need_apt=()
command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || need_apt+=(openssh-server)
[ -x /usr/sbin/mariadbd ] || need_apt+=(mariadb-server)
command -v mariadb >/dev/null 2>&1 || need_apt+=(mariadb-client)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
dpkg -s libssl-dev >/dev/null 2>&1 || need_apt+=(libssl-dev)
command -v scp >/dev/null 2>&1 || need_apt+=(openssh-client)
command -v sudo >/dev/null 2>&1 || need_apt+=(sudo)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v flock >/dev/null 2>&1 || need_apt+=(util-linux)
# The NAT bootstrap's namespace test (tests/nat_bootstrap.rs) runs nat.sh with these.
command -v iptables >/dev/null 2>&1 || [ -x /usr/sbin/iptables ] || need_apt+=(iptables)
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || need_apt+=(iproute2)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "install: apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# moto and checkov each get their own venv: checkov pins an older boto3 than moto wants.
venv() { # venv DIR SPEC PROBE
  local dir=$1 spec=$2 probe=$3
  if [ -x "$dir/bin/$probe" ] && [ -f "$dir/.spec" ] && [ "$(cat "$dir/.spec")" = "$spec" ]; then return; fi
  echo "install: $spec into $dir"
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check $spec
  echo "$spec" >"$dir/.spec"
}
venv "$TESTBED/venv-moto" "moto[server]==$MOTO_VERSION boto3" moto_server
venv "$TESTBED/venv-checkov" "checkov==$CHECKOV_VERSION" checkov
# `make dist`: cargo-zigbuild links against an old glibc with Zig as the C toolchain.
venv "$TESTBED/venv-zig" "cargo-zigbuild==$ZIGBUILD_VERSION ziglang==$ZIG_VERSION" cargo-zigbuild

if [ ! -x /usr/local/bin/terraform ] && ! command -v terraform >/dev/null 2>&1; then
  echo "install: terraform is not on this machine; it cannot be fetched here (no registry serves it)" >&2
  exit 1
fi
