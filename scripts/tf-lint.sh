#!/usr/bin/env bash
# terraform fmt -check, terraform validate (offline init), and checkov with 0 failed checks.
set -euo pipefail
cd "$(dirname "$0")/.."
export TF_CLI_CONFIG_FILE=${TF_CLI_CONFIG_FILE:-$PWD/scripts/terraformrc}
terraform fmt -check -recursive terraform
terraform -chdir=terraform init -backend=false -input=false -no-color >/dev/null
terraform -chdir=terraform validate -no-color
scripts/checkov.sh
