#!/usr/bin/env bash
# Applies the root module into whatever AWS endpoint the environment names (normally a local
# moto: AWS_ENDPOINT_URL, dummy credentials), checks that a second plan is empty, destroys it.
#   AWS_ENDPOINT_URL=http://127.0.0.1:5555 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
#   AWS_REGION=ap-northeast-2 AWS_EC2_METADATA_DISABLED=true scripts/tf-smoke.sh
# Options (env): TF_SMOKE_KEEP=1 keeps the stack and the work dir (no destroy) for inspection;
# TF_SMOKE_DIR=DIR uses DIR as the work dir instead of a fresh temp dir.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# The offline provider mirror config, unless the caller points at an existing one of its own.
if [ -z "${TF_CLI_CONFIG_FILE:-}" ] || [ ! -f "$TF_CLI_CONFIG_FILE" ]; then
  export TF_CLI_CONFIG_FILE=$repo/scripts/terraformrc
fi
export TF_IN_AUTOMATION=1
export AWS_EC2_METADATA_DISABLED=${AWS_EC2_METADATA_DISABLED:-true}

if [ -z "${AWS_ENDPOINT_URL:-}" ]; then
  echo "tf-smoke: AWS_ENDPOINT_URL is not set; refusing to run against real AWS" >&2
  exit 2
fi
region=${AWS_REGION:-${AWS_DEFAULT_REGION:-ap-northeast-2}}

work=${TF_SMOKE_DIR:-$(mktemp -d -t tf-smoke.XXXXXX)}
mkdir -p "$work"
cp -R "$repo/terraform" "$work/"
rm -rf "$work/terraform/.terraform" "$work/terraform"/terraform.tfstate* "$work/terraform"/*.tfvars.json
tf="$work/terraform"

ssh-keygen -q -t ed25519 -N '' -C tf-smoke -f "$work/id_ed25519" <<<y >/dev/null
pubkey=$(cat "$work/id_ed25519.pub")

# The example values of shared/contract.md section 2, plus test-only teardown switches.
cat >"$tf/smoke.auto.tfvars.json" <<JSON
{
  "project_name": "offsets",
  "region": "$region",
  "environment": "prod",
  "vpc_cidr": "10.20.0.0/16",
  "availability_zones": ["${region}a", "${region}c"],
  "public_subnet_cidrs": ["10.20.1.0/24", "10.20.2.0/24"],
  "db_subnet_cidrs": ["10.20.101.0/24", "10.20.102.0/24"],
  "nat_instance_type": "t3.nano",
  "app_instance_type": "t3.small",
  "ssh_allowed_cidrs": ["203.0.113.10/32"],
  "ssh_public_key": "$pubkey",
  "rds_identifier": "offsets-db",
  "rds_instance_class": "db.t3.micro",
  "rds_engine_version": "8.0",
  "rds_database": "offsets",
  "rds_username": "offsets_admin",
  "log_group_name": "/offsets/carbon_log",
  "log_retention_days": 30,
  "failure_pattern": "JOB_STATUS=FAILED",
  "metric_namespace": "OffsetsPipeline",
  "metric_name": "CarbonUnifiedJobFailed",
  "alarm_name": "carbon-unified-job-failed-alarm",
  "alarm_period_seconds": 300,
  "sns_topic_name": "offsets-alerts",
  "alert_emails": ["ops@example.com"],
  "bucket_name": "vcm-bucket25",
  "csv_prefix": "csv/{date}",
  "logs_prefix": "logs/{date}",
  "rds_deletion_protection": false,
  "rds_skip_final_snapshot": true,
  "bucket_force_destroy": true
}
JSON

timings=()
step() { # step NAME CMD... : runs CMD, records its wall time
  local name=$1 start end rc=0
  shift
  start=$(date +%s.%N)
  "$@" || rc=$?
  end=$(date +%s.%N)
  timings+=("$(printf '%-8s %6.1f s (exit %d)' "$name" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$rc")")
  return "$rc"
}
report() {
  echo "tf-smoke: timings"
  printf '  %s\n' "${timings[@]}"
  echo "tf-smoke: work dir $work"
}
destroyed=0
cleanup() {
  local rc=$?
  if [ "$destroyed" = 0 ] && [ -z "${TF_SMOKE_KEEP:-}" ] && [ -f "$tf/terraform.tfstate" ]; then
    echo "tf-smoke: destroying after failure" >&2
    terraform -chdir="$tf" destroy -auto-approve -input=false -no-color >"$work/destroy.log" 2>&1 ||
      echo "tf-smoke: destroy failed too, see $work/destroy.log" >&2
  fi
  report
  exit "$rc"
}
trap cleanup EXIT

step init terraform -chdir="$tf" init -input=false -no-color >"$work/init.log"
step apply terraform -chdir="$tf" apply -auto-approve -input=false -no-color >"$work/apply.log" ||
  { tail -n 40 "$work/apply.log" >&2; exit 1; }
if ! step plan terraform -chdir="$tf" plan -detailed-exitcode -input=false -no-color >"$work/plan.log"; then
  echo "tf-smoke: the plan after apply is not empty (or failed):" >&2
  grep -E '^\s+[~+-]|# |Error' "$work/plan.log" | head -n 60 >&2
  exit 1
fi
terraform -chdir="$tf" output -json >"$work/outputs.json"
if [ -n "${TF_SMOKE_KEEP:-}" ]; then
  echo "tf-smoke: TF_SMOKE_KEEP set, stack left applied (state in $tf)"
  destroyed=1
  exit 0
fi
step destroy terraform -chdir="$tf" destroy -auto-approve -input=false -no-color >"$work/destroy.log" ||
  { tail -n 40 "$work/destroy.log" >&2; exit 1; }
destroyed=1
[ -n "${TF_SMOKE_DIR:-}" ] || rm -rf "$work"
echo "tf-smoke: OK"
