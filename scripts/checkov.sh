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
# checkov exits 1 when any check fails; --soft-fail is not used.
exec "$checkov" -d terraform --framework terraform --skip-download --quiet --compact "$@"
