#!/usr/bin/env bash
# Runs checkov offline over terraform/ and fails on any failed check. Installs nothing.
#   PIPEFORM_CHECKOV=/path/to/checkov   use that binary
#   PIPEFORM_TESTBED_DIR=DIR            use DIR/venv-checkov/bin/checkov
# Default: .testbed/venv-checkov/bin/checkov under the repository root.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${PIPEFORM_CHECKOV:-}" ]; then
  checkov=$PIPEFORM_CHECKOV
elif [ -n "${PIPEFORM_TESTBED_DIR:-}" ]; then
  checkov=$PIPEFORM_TESTBED_DIR/venv-checkov/bin/checkov
else
  checkov=$repo/.testbed/venv-checkov/bin/checkov
fi
if [ ! -x "$checkov" ]; then
  echo "checkov.sh: no checkov at $checkov (run scripts/install.sh, or set PIPEFORM_CHECKOV)" >&2
  exit 2
fi

# Offline: no Bridgecrew platform mapping, no package scan, no policy download.
export BC_SKIP_MAPPING=TRUE
export CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false

cd "$repo"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
start=$(date +%s.%N)
# checkov exits 1 when any check fails; --soft-fail is not used.
rc=0
"$checkov" -d terraform --framework terraform --skip-download --quiet --compact "$@" | tee "$out" || rc=${PIPESTATUS[0]}
end=$(date +%s.%N)
# A file checkov cannot parse is silently left unchecked: treat that as a failure too.
if grep -Eq 'Parsing errors: [1-9]' "$out"; then
  echo "checkov.sh: checkov could not parse some files; they were not checked (rerun without --quiet to see which)" >&2
  [ "$rc" -ne 0 ] || rc=1
fi
echo "checkov.sh: exit $rc in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s" >&2
exit "$rc"
