#!/usr/bin/env bash
# `make demo`: the whole story on this machine, on the embedded default config
# (examples/pipeform.toml): terraform apply into moto, deploy to a local sshd host, one job run
# on it (into a local MariaDB and moto's S3), `pipeform check` all green, then two things broken
# out of band and shown red by `check` and `drift`, then restored with plan + apply. On the way, a
# run with a bad CSV: its JOB_STATUS=FAILED line read back from the log group, `check` red on
# logs.last_run, then green after a good run; and a filter pattern that cannot match, caught by
# alarm.pattern.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PIPEFORM_TESTBED_DIR=${PIPEFORM_TESTBED_DIR:-$ROOT/.testbed}
TESTBED=$PIPEFORM_TESTBED_DIR
DEMO=$TESTBED/demo
started=$SECONDS

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then B=$'\033[1m'; G=$'\033[32m'; R=$'\033[31m'; N=$'\033[0m'; else B= G= R= N=; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
show() { printf '%s$ %s%s\n' "$B" "$*" "$N"; }
# run_expect CODE CMD...: runs a command, shows it and its exit code, fails the demo on surprise.
run_expect() {
  local want=$1; shift
  show "$*"
  set +e; "$@"; local code=$?; set -e
  if [ "$code" = "$want" ]; then
    local c=$G; [ "$code" = 0 ] || c=$R
    printf '%s-> exit %s (expected)%s\n' "$c" "$code" "$N"
  else
    printf '%s-> exit %s, expected %s: the demo stops here%s\n' "$R" "$code" "$want" "$N" >&2
    exit 1
  fi
}

step "install what is missing, build"
scripts/install.sh
cargo build --bins --quiet
PF=$ROOT/target/debug/pipeform
# The job binary to deploy: `make dist`'s small glibc-2.17 build when it exists and is newer
# than the job's sources; otherwise the debug build just made (a cold dist build takes tens of
# minutes on 2 cores, too long to wait for in a demo; docs/benchmarks.md has the figures).
JOB=$ROOT/target/debug/pipeform-job
DIST=$ROOT/dist/$(uname -m)/pipeform-job
if [ -x "$DIST" ] && [ -z "$(find crates/pipeform-job crates/pipeform-shared Cargo.lock -newer "$DIST" -type f -print -quit)" ]; then
  JOB=$DIST
  echo "deploying $JOB ($(du -h "$JOB" | cut -f1), from make dist)"
else
  echo "deploying the debug build $JOB ($(du -h "$JOB" | cut -f1)); run \`make dist\` first to deploy the small release build"
fi

step "testbed: moto, sshd, MariaDB on loopback"
# The demo's own moto (run dir demo-run), so a demo never disturbs the stack a test run holds.
export PIPEFORM_TESTBED_RUN=$TESTBED/demo-run
# shellcheck disable=SC1091
. "$(scripts/testbed.sh start)"
curl -fsS -X POST "$AWS_ENDPOINT_URL/moto-api/reset" >/dev/null
# A fresh sshd (new host keys, empty known_hosts) so the unknown-host refusal shows every time.
scripts/sshd.sh stop >/dev/null 2>&1 || true
scripts/sshd.sh start >/dev/null
# shellcheck disable=SC1091
. "$TESTBED/run/sshd/env"
DB_PORT=$(scripts/mariadb.sh start)
echo "moto $AWS_ENDPOINT_URL | sshd $SSHD_HOST:$SSHD_PORT | MariaDB 127.0.0.1:$DB_PORT"

# A fresh work dir: the example config as it is, and a copy of the root module for its state.
rm -rf "$DEMO"; mkdir -p "$DEMO/keys"
# Two changes for this machine: the local host has no `ubuntu` user, so the job runs as the
# root we log in as; and moto speaks plain HTTP, which the bucket's TLS-only policy would deny.
sed -e 's/^# run_as = "ubuntu" .*/run_as = "root"/' -e 's/^# require_tls = true .*/require_tls = false/' \
  examples/pipeform.toml >"$DEMO/pipeform.toml"
[ "$(grep -cE '^(run_as = "root"|require_tls = false)' "$DEMO/pipeform.toml")" = 2 ]
cp examples/keys/offsets.pub "$DEMO/keys/offsets.pub"
mkdir -p "$DEMO/terraform"
cp -r terraform/*.tf terraform/modules "$DEMO/terraform/"
cd "$DEMO"

step "render, plan, apply into moto"
run_expect 0 "$PF" render
run_expect 0 "$PF" plan
run_expect 0 "$PF" apply
show "terraform output"
terraform -chdir=terraform output -no-color | grep -E '^(app_public_ip|nat_instance_id|nat_public_ip|rds_address|bucket_name|sns_topic_arn|log_group_name) '

step "deploy pipeform-job to the local sshd host"
HOST=$DEMO/host
PREFIX=$HOST/opt/pipeform
mkdir -p "$HOST/var/lib/pipeform/csv" "$HOST/var/log/pipeform" "$HOST/etc/cron.d"
cat >"$HOST/var/lib/pipeform/csv/offsets.csv" <<'CSV'
project_id,vintage,tonnes,retired_on,registry
VCS-1001,2021,1250.50,2026-11-01,Verra
VCS-1002,2022,980.00,2026-11-03,Verra
GS-2001,2020,310.25,,Gold Standard
CSV
cat >"$HOST/var/lib/pipeform/csv/emissions.csv" <<'CSV'
site,month,co2e_tonnes
seoul-1,2026-10-01,412.7
busan-2,2026-10-01,198.3
CSV
deploy_args=(--host "$SSHD_HOST" --port "$SSHD_PORT" --user "$SSHD_USER" --identity "$SSHD_KEY"
  --known-hosts "$SSHD_KNOWN_HOSTS" --prefix "$PREFIX" --cron-dir "$HOST/etc/cron.d"
  --agent-dir "$HOST/opt/aws/amazon-cloudwatch-agent"
  --set PIPEFORM_DB_HOST=127.0.0.1 --set "PIPEFORM_DB_PORT=$DB_PORT"
  --set "PIPEFORM_DB_PASSWORD_SOURCE=file:$TESTBED/run/mariadb.password"
  --set "PIPEFORM_ENDPOINT_URL=$AWS_ENDPOINT_URL"
  --set "PIPEFORM_CSV_DIR=$HOST/var/lib/pipeform/csv" --set "PIPEFORM_LOG_DIR=$HOST/var/log/pipeform")
echo "(first without --accept-new-host-key: an unknown host is refused)"
run_expect 3 "$PF" deploy --binary "$JOB" "${deploy_args[@]}"
run_expect 0 "$PF" deploy --binary "$JOB" --accept-new-host-key "${deploy_args[@]}"
echo "(again: identical binary, nothing uploaded)"
run_expect 0 "$PF" deploy --binary "$JOB" "${deploy_args[@]}"
show "cat $HOST/etc/cron.d/pipeform-job"; cat "$HOST/etc/cron.d/pipeform-job"

step "one job run on the host (over SSH, as cron would)"
ssh_host=(ssh -q -i "$SSHD_KEY" -p "$SSHD_PORT" -o "UserKnownHostsFile=$SSHD_KNOWN_HOSTS" -o StrictHostKeyChecking=yes "$SSHD_USER@$SSHD_HOST")
# On EC2 the instance profile gives the job its credentials; here moto takes any.
run_expect 0 "${ssh_host[@]}" "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing $PREFIX/current/pipeform-job run --env-file $PREFIX/job.env"
show "grep JOB_STATUS $HOST/var/log/pipeform/pipeform-job.log"
grep JOB_STATUS "$HOST/var/log/pipeform/pipeform-job.log" | tail -n 1
show "SELECT COUNT(*) FROM offsets.offsets"
mariadb -h127.0.0.1 -P"$DB_PORT" -uoffsets_admin -p"$(cat "$TESTBED/run/mariadb.password")" offsets -e 'SELECT COUNT(*) AS offsets_rows FROM offsets; SELECT COUNT(*) AS emissions_rows FROM emissions;'

step "pipeform check: the live stack is wired the way the code says"
run_expect 0 "$PF" check

step "a bad CSV: the run fails, its JOB_STATUS=FAILED line reaches the log group, check goes red"
cp "$HOST/var/lib/pipeform/csv/offsets.csv" "$DEMO/offsets.csv.good"
printf 'id,extra\n1,2\n3\n' >"$HOST/var/lib/pipeform/csv/broken.csv"
run_expect 1 "${ssh_host[@]}" "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing $PREFIX/current/pipeform-job run --env-file $PREFIX/job.env"
show "aws logs filter-log-events (read back from the log group in moto)"
"$TESTBED/venv-moto/bin/python" - <<'PY'
import os, boto3
logs = boto3.client("logs", region_name=os.environ["AWS_REGION"])
events = logs.filter_log_events(logGroupName="/offsets/carbon_log", filterPattern='"JOB_STATUS="')["events"]
for e in events[-2:]:
    print(e["logStreamName"], e["message"])
PY
run_expect 1 "$PF" check --only logs
rm "$HOST/var/lib/pipeform/csv/broken.csv"

step "a good run again: logs.last_run is green"
run_expect 0 "${ssh_host[@]}" "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing $PREFIX/current/pipeform-job run --env-file $PREFIX/job.env"
run_expect 0 "$PF" check --only logs

step "a filter pattern that cannot match (case counts): alarm.pattern catches it"
"$TESTBED/venv-moto/bin/python" - <<'PY'
import os, boto3
logs = boto3.client("logs", region_name=os.environ["AWS_REGION"])
f = [f for f in logs.describe_metric_filters(logGroupName="/offsets/carbon_log")["metricFilters"] if f["filterPattern"] == "JOB_STATUS=FAILED"][0]
# moto appends on put_metric_filter instead of replacing a filter of the same name: delete first.
logs.delete_metric_filter(logGroupName="/offsets/carbon_log", filterName=f["filterName"])
logs.put_metric_filter(logGroupName="/offsets/carbon_log", filterName=f["filterName"], filterPattern='"job_status=failed"', metricTransformations=f["metricTransformations"])
print("filter", f["filterName"], "pattern -> \"job_status=failed\"")
PY
run_expect 1 "$PF" check --only alarm.pattern
# On AWS, apply's in-place update of the filter restores it. moto appends on PutMetricFilter, so
# here the bad filter is removed first and apply creates the filter afresh.
"$TESTBED/venv-moto/bin/python" - <<'PY'
import os, boto3
logs = boto3.client("logs", region_name=os.environ["AWS_REGION"])
for f in logs.describe_metric_filters(logGroupName="/offsets/carbon_log")["metricFilters"]:
    if f["filterPattern"] == '"job_status=failed"':
        logs.delete_metric_filter(logGroupName="/offsets/carbon_log", filterName=f["filterName"])
PY
run_expect 1 "$PF" plan --detailed-exitcode
run_expect 0 "$PF" apply
run_expect 0 "$PF" check --only alarm.pattern

step "break two things out of band: log retention 30 -> 7 days, the DB subnets' default route deleted"
"$TESTBED/venv-moto/bin/python" - <<'PY'
import json, os, subprocess, boto3
out = json.loads(subprocess.check_output(["terraform", "-chdir=terraform", "output", "-json"]))
region = os.environ["AWS_REGION"]
boto3.client("logs", region_name=region).put_retention_policy(logGroupName=out["log_group_name"]["value"], retentionInDays=7)
boto3.client("ec2", region_name=region).delete_route(RouteTableId=out["private_route_table_id"]["value"], DestinationCidrBlock="0.0.0.0/0")
print("retention of", out["log_group_name"]["value"], "-> 7; 0.0.0.0/0 deleted from", out["private_route_table_id"]["value"])
PY
run_expect 1 "$PF" check
run_expect 1 "$PF" drift

step "restore: plan shows the way back, apply takes it"
run_expect 1 "$PF" plan --detailed-exitcode
run_expect 0 "$PF" apply
run_expect 0 "$PF" check
run_expect 0 "$PF" drift

step "done in $((SECONDS - started)) s"
echo "The stack stays up in moto ($AWS_ENDPOINT_URL) with its state in $DEMO/terraform;"
echo "stop the servers with: PIPEFORM_TESTBED_RUN=$TESTBED/demo-run scripts/testbed.sh stop; scripts/sshd.sh stop; scripts/mariadb.sh stop"
