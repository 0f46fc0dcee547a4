#!/usr/bin/env bash
# `make bench`: runs every bench/*.sh (each starts its own servers and prints a markdown section
# with its commands and figures, ours beside the baseline measured in the same run) and writes
# them all to docs/benchmarks.md. `make bench ONLY=check` runs one.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIPEFORM_TESTBED_DIR=${PIPEFORM_TESTBED_DIR:-$PWD/.testbed}
export TF_CLI_CONFIG_FILE=$PWD/scripts/terraformrc
scripts/install.sh
out=docs/benchmarks.md
tmp=$(mktemp)
{
  echo "# Benchmarks"
  echo
  echo "Produced by \`make bench\` (scripts/bench.sh -> bench/*.sh) on $(date -u +%Y-%m-%d), $(nproc) cores,"
  echo "$(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs). Whole-process wall times;"
  echo "every figure of ours stands beside its baseline measured in the same run."
  echo
} >"$tmp"
for b in bench/*.sh; do
  name=$(basename "$b" .sh)
  if [ -n "${ONLY:-}" ] && [ "$ONLY" != "$name" ]; then continue; fi
  echo "bench: $b" >&2
  bash "$b" >>"$tmp"
  echo >>"$tmp"
done
mkdir -p docs
mv "$tmp" "$out"
echo "bench: wrote $out" >&2
