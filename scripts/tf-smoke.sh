#!/usr/bin/env bash
# Applies the root module into whatever AWS endpoint the environment names (normally a local
# moto: AWS_ENDPOINT_URL, dummy credentials), checks that a second plan is empty, destroys it.
#   AWS_ENDPOINT_URL=http://127.0.0.1:5555 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
#   AWS_REGION=ap-northeast-2 AWS_EC2_METADATA_DISABLED=true scripts/tf-smoke.sh
# After the empty plan, the live stack is checked with boto3 (the moto venv's python, or
# PIPEFORM_PYTHON); without such a python that step is skipped with a notice.
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

# The variables come from `pipeform render` of the example config (one source of truth: a
# hand-kept copy here fell behind when the root module gained required variables), in the
# smoke's region, with this run's key; then the test-only teardown switches.
PIPEFORM=${PIPEFORM:-$repo/target/debug/pipeform}
if [ ! -x "$PIPEFORM" ]; then
  (cd "$repo" && cargo build --quiet --bin pipeform)
fi
sed -e "s/ap-northeast-2/$region/g" \
  -e "s|^public_key_path *=.*|public_key_path = \"$work/id_ed25519.pub\"|" \
  "$repo/examples/pipeform.toml" >"$work/pipeform.toml"
"$PIPEFORM" --quiet render --config "$work/pipeform.toml" --terraform-dir "$tf" \
  --out "$tf/pipeform.auto.tfvars.json" >/dev/null
cat >"$tf/smoke.auto.tfvars.json" <<JSON
{
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
  [ ! -d "$work" ] || echo "tf-smoke: work dir $work"
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
terraform -chdir="$tf" show -json >"$work/show.json"

python=${PIPEFORM_PYTHON:-${PIPEFORM_TESTBED_DIR:-$repo/.testbed}/venv-moto/bin/python}
if [ -x "$python" ] && "$python" -c 'import boto3' 2>/dev/null; then
  cat >"$work/verify.py" <<'PY'
# Checks the applied stack through the AWS APIs: relationships, not just tags.
import json, sys, boto3
out = {k: v["value"] for k, v in json.load(open(sys.argv[1])).items()}
ec2, rds, s3 = boto3.client("ec2"), boto3.client("rds"), boto3.client("s3")
cw, logs, iam = boto3.client("cloudwatch"), boto3.client("logs"), boto3.client("iam")
fails = []
def check(name, ok, detail=""):
    print(f"  {'ok  ' if ok else 'FAIL'} {name} {detail}")
    if not ok:
        fails.append(name)

rt = ec2.describe_route_tables(RouteTableIds=[out["private_route_table_id"]])["RouteTables"][0]
default = [r for r in rt["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
check("private 0.0.0.0/0 -> NAT ENI", len(default) == 1 and default[0].get("NetworkInterfaceId") == out["nat_network_interface_id"], str(default))
assoc = sorted(a["SubnetId"] for a in rt["Associations"] if a.get("SubnetId"))
check("private table on DB subnets", assoc == sorted(out["db_subnet_ids"]), str(assoc))
eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[out["nat_network_interface_id"]])["NetworkInterfaces"][0]
check("NAT ENI belongs to NAT instance", eni["Attachment"]["InstanceId"] == out["nat_instance_id"])
prt = ec2.describe_route_tables(RouteTableIds=[out["public_route_table_id"]])["RouteTables"][0]
pdef = [r for r in prt["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
check("public 0.0.0.0/0 -> IGW", len(pdef) == 1 and pdef[0].get("GatewayId") == out["internet_gateway_id"], str(pdef))
sdc = ec2.describe_instance_attribute(InstanceId=out["nat_instance_id"], Attribute="sourceDestCheck")["SourceDestCheck"]["Value"]
check("NAT sourceDestCheck false", sdc is False, str(sdc))
addr = ec2.describe_addresses(AllocationIds=[out["nat_eip_allocation_id"]])["Addresses"][0]
check("EIP associated with NAT", addr.get("InstanceId") == out["nat_instance_id"] and addr["PublicIp"] == out["nat_public_ip"], str(addr.get("InstanceId")))
insts = {i["InstanceId"]: i for r in ec2.describe_instances(InstanceIds=[out["nat_instance_id"], out["app_instance_id"]])["Reservations"] for i in r["Instances"]}
for iid, role in ((out["nat_instance_id"], "nat"), (out["app_instance_id"], "app")):
    i = insts[iid]
    tags = {t["Key"]: t["Value"] for t in i.get("Tags", [])}
    check(f"{role} IMDSv2 required", i["MetadataOptions"]["HttpTokens"] == "required")
    check(f"{role} tags", tags.get("Role") == role and tags.get("Project") == "offsets" and tags.get("ManagedBy") == "pipeform", str(tags))
    vols = [m["Ebs"]["VolumeId"] for m in i["BlockDeviceMappings"]]
    for v in ec2.describe_volumes(VolumeIds=vols)["Volumes"]:
        vt = {t["Key"]: t["Value"] for t in v.get("Tags", [])}
        check(f"{role} root volume encrypted+tagged", v["Encrypted"] and vt.get("Project") == "offsets", f"{v['VolumeId']} {vt}")
app = insts[out["app_instance_id"]]
check("app instance profile", out["instance_profile_name"] in app.get("IamInstanceProfile", {}).get("Arn", ""), str(app.get("IamInstanceProfile")))
check("app public IP", bool(app.get("PublicIpAddress")) and app.get("PublicIpAddress") == out["app_public_ip"], str(app.get("PublicIpAddress")))
check("app in first public subnet", app["SubnetId"] == out["public_subnet_ids"][0])
alarm = cw.describe_alarms(AlarmNames=[out["alarm_name"]])["MetricAlarms"][0]
check("alarm actions + ok actions contain topic", out["sns_topic_arn"] in alarm["AlarmActions"] and out["sns_topic_arn"] in alarm["OKActions"], f"{alarm['AlarmActions']} {alarm['OKActions']}")
check("alarm Sum >= 1", alarm["Statistic"] == "Sum" and alarm["Threshold"] == 1 and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold")
lg = [g for g in logs.describe_log_groups(logGroupNamePrefix=out["log_group_name"])["logGroups"] if g["logGroupName"] == out["log_group_name"]][0]
check("log group retention", lg.get("retentionInDays") == 30, str(lg.get("retentionInDays")))
mf = logs.describe_metric_filters(logGroupName=out["log_group_name"])["metricFilters"]
check("metric filter", any(f["filterName"] == out["metric_filter_name"] and f["filterPattern"] == "JOB_STATUS=FAILED" for f in mf), str(mf))
pab = s3.get_public_access_block(Bucket=out["bucket_name"])["PublicAccessBlockConfiguration"]
check("bucket public access block all true", all(pab.values()) and len(pab) == 4, str(pab))
enc = s3.get_bucket_encryption(Bucket=out["bucket_name"])["ServerSideEncryptionConfiguration"]["Rules"]
check("bucket encryption", enc[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms"), str(enc))
check("bucket versioning", s3.get_bucket_versioning(Bucket=out["bucket_name"]).get("Status") == "Enabled")
db = rds.describe_db_instances(DBInstanceIdentifier=out["rds_identifier"])["DBInstances"][0]
check("RDS not public", db["PubliclyAccessible"] is False)
check("RDS encrypted", db["StorageEncrypted"] is True)
check("RDS in DB subnets only", sorted(s["SubnetIdentifier"] for s in db["DBSubnetGroup"]["Subnets"]) == sorted(out["db_subnet_ids"]))
check("RDS managed secret", db.get("MasterUserSecret", {}).get("SecretArn") == out["rds_master_user_secret_arn"])
sgs = ec2.describe_security_groups(GroupIds=[out["app_security_group_id"], out["nat_security_group_id"], out["rds_security_group_id"]])["SecurityGroups"]
open_ssh = [g["GroupId"] for g in sgs for p in g["IpPermissions"] if p.get("FromPort", 0) <= 22 <= p.get("ToPort", 65535) and (any(r["CidrIp"] == "0.0.0.0/0" for r in p.get("IpRanges", [])) or any(r["CidrIpv6"] == "::/0" for r in p.get("Ipv6Ranges", [])))]
check("no SSH from the internet", not open_ssh, str(open_ssh))
pol = iam.get_role_policy(RoleName=out["iam_role_name"], PolicyName=out["iam_role_name"] + "-access")["PolicyDocument"]
res = json.dumps(pol)
check("role policy scoped to prefixes", f"{out['bucket_arn']}/csv/*" in res and f"{out['bucket_arn']}/logs/*" in res and '"*"' not in res)
secret = boto3.client("secretsmanager").get_secret_value(SecretId=out["rds_master_user_secret_arn"])
password = json.loads(secret["SecretString"])["password"]
check("no DB password in terraform show -json", password not in open(sys.argv[2]).read())
print(f"verify: {len(fails)} failed" + (f": {fails}" if fails else ""))
sys.exit(1 if fails else 0)
PY
  echo "tf-smoke: verifying the live stack"
  step verify env AWS_DEFAULT_REGION="$region" "$python" "$work/verify.py" "$work/outputs.json" "$work/show.json"
else
  echo "tf-smoke: no python with boto3 at $python (set PIPEFORM_PYTHON): live checks skipped" >&2
fi
rm -f "$work/show.json"
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
