#!/usr/bin/env bash
# Regenerates the Inputs/Outputs section (between BEGIN_TF_DOCS / END_TF_DOCS) of every
# Terraform module README from the module's *.tf files. `make test` fails while one is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
PIPEFORM_UPDATE_TF_DOCS=1 cargo test --quiet --test tf_docs
git status --short -- terraform
