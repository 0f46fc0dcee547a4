#!/usr/bin/env bash
# The shared test stack in .testbed/stack (applied by the tests' support code).
#   scripts/stack.sh destroy   -> terraform destroy of it, with its time; fails if destroy fails
set -euo pipefail
cd "$(dirname "$0")/.."
TESTBED=${PIPEFORM_TESTBED_DIR:-$PWD/.testbed}
STACK=$TESTBED/stack
case "${1:-}" in
  destroy)
    if [ ! -f "$STACK/applied" ]; then
      echo "stack: nothing applied in $STACK; nothing to destroy"
      exit 0
    fi
    # shellcheck disable=SC1091
    . "$TESTBED/run/env"
    start=$SECONDS
    # The tests leave objects (and versions) in the bucket. moto does not let the provider's
    # force_destroy empty a versioned bucket (the destroy waits for minutes), so empty it here.
    if [ -f "$STACK/terraform/pipeform.auto.tfvars.json" ]; then
      "$TESTBED/venv-moto/bin/python" - "$STACK/terraform/pipeform.auto.tfvars.json" <<'PY'
import json, sys, boto3
s3 = boto3.client("s3")
bucket = json.load(open(sys.argv[1]))["bucket_name"]
if bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
    sys.exit(0)
try:
    s3.delete_bucket_policy(Bucket=bucket)  # the TLS-only policy denies plain-HTTP deletes
except Exception:
    pass
for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
    items = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
    if items:
        s3.delete_objects(Bucket=bucket, Delete={"Objects": items, "Quiet": True})
PY
    fi
    terraform -chdir="$STACK/terraform" destroy -auto-approve -input=false -no-color -lock-timeout=60s >"$STACK/destroy.log" 2>&1 || {
      echo "stack: terraform destroy FAILED; last lines of $STACK/destroy.log:" >&2
      tail -n 30 "$STACK/destroy.log" >&2
      exit 1
    }
    left=$(terraform -chdir="$STACK/terraform" state list 2>/dev/null | wc -l)
    grep -E '^Destroy complete' "$STACK/destroy.log" || true
    echo "stack: destroyed in $((SECONDS - start)) s; resources left in state: $left"
    rm -f "$STACK/applied"
    [ "$left" -eq 0 ]
    ;;
  *) echo "usage: $0 destroy" >&2; exit 2 ;;
esac
