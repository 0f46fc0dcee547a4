#!/usr/bin/env bash
# `make bench`: runs every bench/*.sh (each starts its own servers and prints a markdown section
# with its commands and figures, ours beside the baseline measured in the same run) and puts
# each section into docs/benchmarks.md between `<!-- bench:NAME -->` markers. `make bench
# ONLY=check` runs one and replaces only its section; the others stay as they were measured.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIPEFORM_TESTBED_DIR=${PIPEFORM_TESTBED_DIR:-$PWD/.testbed}
export TF_CLI_CONFIG_FILE=$PWD/scripts/terraformrc
scripts/install.sh
out=docs/benchmarks.md
mkdir -p docs
[ -f "$out" ] || printf '# Benchmarks\n\nProduced by `make bench` (scripts/bench.sh -> bench/*.sh).\n' >"$out"

# replace_section NAME FILE: swaps the marked section NAME of $out for FILE's text (appends it
# when the section is new).
replace_section() {
  local name=$1 body=$2 tmp
  tmp=$(mktemp)
  awk -v name="$name" -v body="$body" '
    function emit() { print "<!-- bench:" name " -->"; while ((getline l < body) > 0) print l; close(body); print "<!-- /bench:" name " -->" }
    $0 == "<!-- bench:" name " -->" { skip = 1; emit(); done = 1; next }
    $0 == "<!-- /bench:" name " -->" { skip = 0; next }
    !skip { print }
    END { if (!done) { print ""; emit() } }
  ' "$out" >"$tmp"
  mv "$tmp" "$out"
}

ran=0
for b in bench/*.sh; do
  name=$(basename "$b" .sh)
  if [ -n "${ONLY:-}" ] && [ "$ONLY" != "$name" ]; then continue; fi
  echo "bench: $b" >&2
  section=$(mktemp)
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  bash "$b" >"$section"
  {
    echo
    echo "_Section written by \`make bench ONLY=$name\` on $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"
    echo "($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), load average $load when it started._"
  } >>"$section"
  replace_section "$name" "$section"
  rm -f "$section"
  ran=$((ran + 1))
done
[ "$ran" -gt 0 ] || { echo "bench: no bench/${ONLY:-*}.sh to run" >&2; exit 2; }
echo "bench: wrote $out ($ran section(s))" >&2
