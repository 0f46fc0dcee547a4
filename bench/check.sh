#!/usr/bin/env bash
# Benchmark of `pipeform check` (issue 4). Run from the repo root: bench/check.sh
#
# 1. Whole-process `pipeform check` (release build) against a moto holding the root module's
#    applied stack, side by side in the same run with a boto3 script and a shell script of AWS
#    CLI calls making the same reads.
#    The same again on a stack our modules and job did not make (no day manifest yet, the app
#    instance's profile named otherwise), beside a boto3 script reading what that shape needs.
#    Behind a proxy that adds 20 ms to every request (the benchmark of record) and on loopback.
# 2. `pipeform check --only bucket` with 100 and with 100,000 objects in the bucket, beside the
#    number of S3 requests it made, the same without today's manifests (listings), and a naive
#    full listing for scale.
#
# Starts its own moto (in a Python process that can also seed S3 objects straight into moto's
# backend: 100,000 PutObject calls over HTTP take ~15 min here; two costs of its server taken
# out, see below, with rows of moto as before beside), applies the stack with
# `pipeform plan` + `pipeform apply`, and prints a markdown section on stdout; progress goes
# to stderr. Env: BENCH_RUNS (default 20), BENCH_CLI_RUNS (default 3), BENCH_MOTO=as-before
# (moto served as before 2026-11-28 throughout, see below).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
TESTBED=${PIPEFORM_TESTBED_DIR:-$repo/.testbed}
PY=$TESTBED/venv-moto/bin/python
RUNS=${BENCH_RUNS:-20}
CLI_RUNS=${BENCH_CLI_RUNS:-3}
work=$(mktemp -d -t bench-check.XXXXXX)
say() { echo "bench/check: $*" >&2; }

[ -x "$PY" ] || { say "no $PY; run scripts/install.sh first"; exit 1; }

# --- the binary under test -------------------------------------------------------------------
say "cargo build --release -p pipeform -p pipeform-job"
cargo build --release -p pipeform -p pipeform-job >&2
bin=$repo/target/release/pipeform
job=$repo/target/release/pipeform-job

# --- AWS CLI (its own venv: it pins botocore, which must not move under moto's boto3) ---------
AWS=$TESTBED/venv-awscli/bin/aws
if [ ! -x "$AWS" ]; then
  say "installing awscli into $TESTBED/venv-awscli"
  python3 -m venv "$TESTBED/venv-awscli"
  "$TESTBED/venv-awscli/bin/pip" install -q awscli >&2
fi

# --- moto, with a seeding side door ----------------------------------------------------------
# Two changes to how moto serves, neither changing an answer (BENCH_MOTO=as-before undoes both;
# `moto new|as-before` on the control channel switches them, for the rows that show both):
# - Its request router lists moto's package directory and stats every entry (~170) for each
#   request, under a lock every request takes (moto/moto_server/werkzeug_app.py,
#   get_application -> get_backend_for_host -> list_of_moto_modules): 0.7 ms of CPU per request
#   alone, and with many requests in flight the lock holder gives up Python's lock at every stat
#   while the others queue behind it. The list is the installed package's, so it is read once.
# - It runs on one core (the last this process may use): under Python's lock it can use no more
#   than one core's worth, and spread over two its threads hand that lock across cores.
# Both costs fall on a client with many requests in flight, which no AWS endpoint makes pay.
cat >"$work/moto_bench.py" <<'PY'
import contextlib, logging, os, sys
from moto import backends
from moto.server import ThreadedMotoServer
from moto.s3.models import s3_backends
from moto.core import DEFAULT_ACCOUNT_ID
port, log = int(sys.argv[1]), sys.argv[2]
ALL = os.sched_getaffinity(0)
ONE = {max(ALL)}
SCAN = backends.list_of_moto_modules
MODULES = tuple(SCAN())
def serve(how):  # "new": module list read once, one core; "as-before": neither
    backends.list_of_moto_modules = (lambda: MODULES) if how == "new" else SCAN
    for tid in os.listdir("/proc/self/task"):  # every thread: the server's, so every request's
        os.sched_setaffinity(int(tid), ONE if how == "new" else ALL)
serve(os.environ.get("BENCH_MOTO", "new"))
handler = logging.FileHandler(log)
logging.getLogger("werkzeug").addHandler(handler)
logging.getLogger("werkzeug").setLevel(logging.INFO)
server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=True)
with contextlib.redirect_stdout(sys.stderr):  # stdout is the control channel
    server.start()
print("ready", flush=True)
for line in sys.stdin:
    cmd = line.split()
    if cmd and cmd[0] == "seed":  # seed BUCKET N: N objects over 365 past days, csv and logs
        import datetime
        bucket, n = cmd[1], int(cmd[2])
        backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
        today = datetime.datetime.now(datetime.timezone.utc).date()
        for i in range(n):
            day = today - datetime.timedelta(days=1 + i % 365)
            kind = "csv" if i % 2 == 0 else "logs"
            backend.put_object(bucket, f"{kind}/{day.isoformat()}/part-{i:07d}.{kind}", b"x")
        print("seeded", n, flush=True)
    elif cmd and cmd[0] == "moto":  # moto new|as-before
        serve(cmd[1])
        print("moto", cmd[1], flush=True)
    elif cmd and cmd[0] == "quit":
        break
server.stop()
PY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
coproc MOTO { exec "$PY" -u "$work/moto_bench.py" "$port" "$work/requests.log" 2>"$work/moto.err"; }
moto_pid=$MOTO_PID
moto_in=${MOTO[1]}
moto_out=${MOTO[0]}
delay_pid=
cleanup() {
  kill "$moto_pid" ${delay_pid:+"$delay_pid"} 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
read -r -t 60 ready <&"$moto_out" || { say "moto did not start"; cat "$work/moto.err" >&2; exit 1; }
seed() { echo "seed $1 $2" >&"$moto_in"; read -r -t 600 _ <&"$moto_out"; }
moto_serves() { echo "moto $1" >&"$moto_in"; read -r -t 60 _ <&"$moto_out"; }
moto_new=$([ "${BENCH_MOTO:-}" = as-before ] && echo no || echo yes)

export AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=ap-northeast-2 AWS_DEFAULT_REGION=ap-northeast-2 AWS_EC2_METADATA_DISABLED=true
export NO_COLOR=1

# --- the stack -------------------------------------------------------------------------------
# Applied as a user does, by `pipeform plan` + `pipeform apply` of the example config beside a
# copy of the root module (the tfvars come from render, so they match the module's variables).
say "applying the root module into moto (pipeform plan + apply of examples/pipeform.toml, ~2-3 min)"
# The offline provider mirror config, unless the caller points at an existing one of its own.
[ -f "${TF_CLI_CONFIG_FILE:-}" ] || export TF_CLI_CONFIG_FILE=$repo/scripts/terraformrc
export TF_IN_AUTOMATION=1
mkdir -p "$work/stack/keys"
cp -R terraform "$work/stack/"
rm -rf "$work/stack/terraform/.terraform" "$work/stack/terraform"/terraform.tfstate* "$work/stack/terraform"/*.tfvars.json "$work/stack/terraform"/*.tfplan
cp examples/pipeform.toml "$work/stack/"
cp examples/keys/offsets.pub "$work/stack/keys/"
(cd "$work/stack" && "$bin" plan && "$bin" apply) >"$work/apply.log" 2>&1 ||
  { tail -n 30 "$work/apply.log" >&2; exit 1; }
config=$work/stack/pipeform.toml
bucket=vcm-bucket25

# moto applies the bucket's Deny-unless-TLS policy to every plain-HTTP object call (it does not
# evaluate the condition), which real S3 over TLS does not; the bench runs without it. Today's
# files are shipped by pipeform-job, which leaves the day's manifest as it does on the host.
today=$(date -u +%F)
"$PY" -c "import boto3; boto3.client('s3').delete_bucket_policy(Bucket='$bucket')"
mkdir -p "$work/ship/csv" "$work/ship/logs"
printf 'a\n1\n' >"$work/ship/csv/run.csv"
printf 'JOB_STATUS=SUCCEEDED\n' >"$work/ship/logs/job.log"
"$job" ship --bucket "$bucket" --csv-dir "$work/ship/csv" --log-dir "$work/ship/logs" >&2 ||
  { say "pipeform-job ship failed"; exit 1; }
# The last run's status event, as pipeform-job delivers it (logs.last_run judges it).
"$PY" - <<'PY'
import datetime, boto3
logs, group = boto3.client("logs"), "/offsets/carbon_log"
now = datetime.datetime.now(datetime.timezone.utc)
stream = "bench/" + now.strftime("%Y-%m-%d")
try:
  logs.create_log_stream(logGroupName=group, logStreamName=stream)
except logs.exceptions.ResourceAlreadyExistsException:
  pass
logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[{"timestamp": int(now.timestamp() * 1000),
  "message": now.strftime("%Y-%m-%dT%H:%M:%S.000Z") + " INFO JOB_STATUS=SUCCEEDED"}])
PY
"$bin" --config "$config" check >&2 || { say "the stack does not pass every check"; exit 1; }

# --- the same reads, in boto3 and in the AWS CLI ---------------------------------------------
cat >"$work/reads.py" <<'PY'
import datetime, json, os, statistics, sys, time
import boto3
P, BUCKET, GROUP = "offsets", "vcm-bucket25", "/offsets/carbon_log"
FOREIGN = os.environ.get("SHAPE") == "foreign"
ec2, rds, cw = boto3.client("ec2"), boto3.client("rds"), boto3.client("cloudwatch")
logs, sns, s3, iam = boto3.client("logs"), boto3.client("sns"), boto3.client("s3"), boto3.client("iam")
# TestMetricFilter as pipeform sends it: one attempt (moto answers HTTP 500, which boto3 would
# otherwise retry with backoff, timing its sleeps rather than its reads).
from botocore.config import Config
tmf = boto3.client("logs", config=Config(retries={"total_max_attempts": 1}))
def reads():
  tag = [{"Name": "tag:Project", "Values": [P]}]
  subnets = ec2.describe_subnets(Filters=tag)["Subnets"]
  res = ec2.describe_instances(Filters=tag + [{"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}])
  ec2.describe_addresses()
  instances = [i for r in res["Reservations"] for i in r["Instances"]]
  vpcs = sorted({s["VpcId"] for s in subnets} | {i["VpcId"] for i in instances if "VpcId" in i})
  vpc = [{"Name": "vpc-id", "Values": vpcs}]
  ec2.describe_route_tables(Filters=vpc)
  ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": vpcs}])
  ec2.describe_security_groups(Filters=vpc)
  role = lambda i: {t["Key"]: t["Value"] for t in i.get("Tags", [])}.get("Role")
  for nat in [i for i in instances if role(i) == "nat" and i["State"]["Name"] == "running"]:
    ec2.get_console_output(InstanceId=nat["InstanceId"], Latest=True)  # nat.bootstrap
  rds.describe_db_instances(DBInstanceIdentifier="offsets-db")
  alarm = cw.describe_alarms(AlarmNames=["carbon-unified-job-failed-alarm", "carbon-unified-job-failed-alarm-missed"])["MetricAlarms"][0]
  logs.describe_log_groups(logGroupNamePrefix=GROUP)
  filters = logs.describe_metric_filters(logGroupName=GROUP)["metricFilters"]
  since = int((time.time() - 25 * 3600) * 1000)
  logs.filter_log_events(logGroupName=GROUP, filterPattern='"JOB_STATUS="', startTime=since, endTime=int(time.time() * 1000))
  # As pipeform: the configured failure pattern first; the other live patterns only where the
  # endpoint has TestMetricFilter (moto answers NotImplemented, so one call).
  lines = ["x JOB_STATUS=FAILED", "x JOB_STATUS=SUCCEEDED"]
  try:
    tmf.test_metric_filter(filterPattern="JOB_STATUS=FAILED", logEventMessages=lines)
    for p in sorted({f["filterPattern"] for f in filters} - {"JOB_STATUS=FAILED"}):
      tmf.test_metric_filter(filterPattern=p, logEventMessages=lines)
  except Exception:
    pass
  part, _, region, account = alarm["AlarmArn"].split(":")[1:5]
  sns.list_subscriptions_by_topic(TopicArn=f"arn:{part}:sns:{region}:{account}:offsets-alerts")
  s3.get_public_access_block(Bucket=BUCKET)
  s3.get_bucket_encryption(Bucket=BUCKET)
  now = datetime.datetime.now(datetime.timezone.utc)
  today = now.strftime("%Y-%m-%d")
  fresh_from = (now - datetime.timedelta(hours=26)).date()
  days, day = [], now.date()
  while day >= fresh_from:
    days.append(day.isoformat()); day -= datetime.timedelta(days=1)
  # As pipeform: the manifests from today back to the day the schedule last fired on
  # (examples/pipeform.toml: daily at 03:00 UTC), then the HEAD of what today's names, or,
  # with no manifest, a listing of each fresh day.
  tried = days[:1] if now.hour >= 3 else days[:2]
  for p in ("csv/", "logs/"):
    named = None
    for d in tried:
      try:
        m = json.loads(s3.get_object(Bucket=BUCKET, Key=f"{p}{d}/_pipeform_manifest.json")["Body"].read())
        named = named or m["objects"][0]["key"]
      except s3.exceptions.NoSuchKey:
        pass
    if named:
      s3.head_object(Bucket=BUCKET, Key=named)
    else:
      for d in days:
        s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{p}{d}/", MaxKeys=4)
  app = [i for i in instances if role(i) == "app"][0]
  profile = iam.get_instance_profile(InstanceProfileName=app["IamInstanceProfile"]["Arn"].rsplit("/", 1)[1])
  rname = profile["InstanceProfile"]["Roles"][0]["RoleName"]
  iam.list_attached_role_policies(RoleName=rname)
  for name in iam.list_role_policies(RoleName=rname)["PolicyNames"]:
      iam.get_role_policy(RoleName=rname, PolicyName=name)
reads()
# SERVICE_RUNS=N: time N more rounds of the same reads with the clients already made, i.e.
# the servers' own time plus botocore's per-call work, without start-up.
n = int(os.environ.get("SERVICE_RUNS", "0"))
if n:
  times = []
  for _ in range(n):
    t = time.perf_counter(); reads(); times.append((time.perf_counter() - t) * 1000)
  print(f"{statistics.median(times):.0f}")
PY
cat >"$work/reads.sh" <<SH
#!/usr/bin/env bash
set -euo pipefail
aws() { "$AWS" --endpoint-url "\$AWS_ENDPOINT_URL" --region "\$AWS_REGION" --output text "\$@"; }
tag=Name=tag:Project,Values=offsets
vpc=\$(aws ec2 describe-subnets --filters \$tag --query 'Subnets[0].VpcId')
aws ec2 describe-instances --filters \$tag Name=instance-state-name,Values=pending,running,stopping,stopped >/dev/null
aws ec2 describe-addresses >/dev/null
aws ec2 describe-route-tables --filters Name=vpc-id,Values=\$vpc >/dev/null
aws ec2 describe-internet-gateways --filters Name=attachment.vpc-id,Values=\$vpc >/dev/null
aws ec2 describe-security-groups --filters Name=vpc-id,Values=\$vpc >/dev/null
nat=\$(aws ec2 describe-instances --filters \$tag Name=tag:Role,Values=nat Name=instance-state-name,Values=running --query 'Reservations[0].Instances[0].InstanceId')
aws ec2 get-console-output --instance-id "\$nat" --latest >/dev/null
aws rds describe-db-instances --db-instance-identifier offsets-db >/dev/null
alarm=\$(aws cloudwatch describe-alarms --alarm-names carbon-unified-job-failed-alarm carbon-unified-job-failed-alarm-missed --query 'MetricAlarms[0].AlarmArn')
aws logs describe-log-groups --log-group-name-prefix /offsets/carbon_log >/dev/null
aws logs describe-metric-filters --log-group-name /offsets/carbon_log >/dev/null
aws logs filter-log-events --log-group-name /offsets/carbon_log --filter-pattern '"JOB_STATUS="' --start-time \$(( (\$(date +%s) - 90000) * 1000 )) >/dev/null
if AWS_MAX_ATTEMPTS=1 aws logs test-metric-filter --filter-pattern JOB_STATUS=FAILED --log-event-messages 'x JOB_STATUS=FAILED' >/dev/null 2>&1; then
  AWS_MAX_ATTEMPTS=1 aws logs test-metric-filter --filter-pattern JOB_STATUS=SUCCEEDED --log-event-messages 'x JOB_STATUS=SUCCEEDED' >/dev/null 2>&1 || true
fi
IFS=: read -r _ part _ region account _ <<<"\$alarm"
aws sns list-subscriptions-by-topic --topic-arn "arn:\$part:sns:\$region:\$account:offsets-alerts" >/dev/null
aws s3api get-public-access-block --bucket $bucket >/dev/null
aws s3api get-bucket-encryption --bucket $bucket >/dev/null
today=\$(date -u +%F)
for p in csv/ logs/; do
  aws s3api get-object --bucket $bucket --key \$p\$today/_pipeform_manifest.json "$work/manifest.json" >/dev/null
  key=\$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["objects"][0]["key"])' "$work/manifest.json")
  aws s3api head-object --bucket $bucket --key \$key >/dev/null
done
profile=\$(aws ec2 describe-instances --filters \$tag Name=tag:Role,Values=app --query 'Reservations[0].Instances[0].IamInstanceProfile.Arn')
role=\$(aws iam get-instance-profile --instance-profile-name \${profile##*/} --query 'InstanceProfile.Roles[0].RoleName')
aws iam list-attached-role-policies --role-name \$role >/dev/null
for name in \$(aws iam list-role-policies --role-name \$role --query 'PolicyNames[]'); do
  aws iam get-role-policy --role-name \$role --policy-name \$name >/dev/null
done
SH
chmod +x "$work/reads.sh"
"$PY" "$work/reads.py" || { say "the boto3 reads fail"; exit 1; }
bash "$work/reads.sh" || { say "the AWS CLI reads fail"; exit 1; }

# --- timing ----------------------------------------------------------------------------------
cat >"$work/timeit.py" <<'PY'
import statistics, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
times = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    times.append((time.perf_counter() - t) * 1000)
print(f"{statistics.median(times):.0f} {min(times):.0f}")
PY
timeit() { "$PY" "$work/timeit.py" "$@"; }
# abtime RUNS ENV_A CMD_A... ::: ENV_B CMD_B... -> "medA minA medB minB": the two commands
# alternately (A, B, A, B, ...), so that a machine slowing down or speeding up during the
# measurement moves both alike. ENV_x: comma-separated K=V added to the environment, or "-".
cat >"$work/abtime.py" <<'PY'
import os, statistics, subprocess, sys, time
runs, rest = int(sys.argv[1]), sys.argv[2:]
split = rest.index(":::")
def spec(part):
    env = dict(os.environ)
    if part[0] != "-":
        env.update(kv.split("=", 1) for kv in part[0].split(","))
    return env, part[1:]
cmds = [spec(rest[:split]), spec(rest[split + 1:])]
times = [[], []]
for _ in range(runs):
    for i, (env, cmd) in enumerate(cmds):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times[i].append((time.perf_counter() - t) * 1000)
print(" ".join(f"{statistics.median(t):.0f} {min(t):.0f}" for t in times))
PY
abtime() { "$PY" "$work/abtime.py" "$@"; }
moto_cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) * 1000 / hz}' "/proc/$moto_pid/stat"; }

# A round trip of latency in front of moto: each connection waits DELAY ms before it reaches
# moto (moto closes every connection after one response, so that is one wait per request, for
# every client alike). Loopback has none, which hides what concurrency buys against a real region.
cat >"$work/delay_proxy.py" <<'PY'
import asyncio, sys
listen, upstream, delay = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 1000
async def pipe(r, w):
    try:
        while data := await r.read(65536):
            w.write(data)
            await w.drain()
    finally:
        w.close()
async def handle(cr, cw):
    await asyncio.sleep(delay)
    ur, uw = await asyncio.open_connection("127.0.0.1", upstream)
    await asyncio.gather(pipe(cr, uw), pipe(ur, cw), return_exceptions=True)
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", listen, backlog=128)
    print("ready", flush=True)
    await server.serve_forever()
asyncio.run(main())
PY
# werkzeug's access lines only (`"GET /path HTTP/1.1" 200 -`, the request in colour codes when
# the status is an error): moto also logs a traceback for each call it does not implement.
requests() { grep -cE '" [0-9]{3} ' "$work/requests.log" || true; }
s3_requests() { grep -E '" [0-9]{3} ' "$work/requests.log" | grep -c "/$bucket" || true; }

say "timing the whole check ($RUNS runs; CLI $CLI_RUNS runs)"
r0=$(requests)
checks=$("$bin" --config "$config" check --format json | "$PY" -c 'import json, sys; print(len(json.load(sys.stdin)["checks"]))')
calls=$(( $(requests) - r0 ))
r0=$(requests)
"$PY" "$work/reads.py"
py_calls=$(( $(requests) - r0 ))
# moto_cpu_per N CMD...: moto's CPU ms per run of CMD (utime + stime from /proc, N runs).
moto_cpu_per() {
  local n=$1 cpu0
  shift
  cpu0=$(moto_cpu_ms)
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 || true; done
  python3 -c "print(round(($(moto_cpu_ms) - $cpu0) / $n))"
}
moto_per_check=$(moto_cpu_per "$RUNS" "$bin" --config "$config" check --format json)
moto_per_boto=$(moto_cpu_per "$RUNS" "$PY" "$work/reads.py")
if [ "$moto_new" = yes ]; then
  moto_serves as-before
  moto_per_check_old=$(moto_cpu_per "$RUNS" "$bin" --config "$config" check --format json)
  moto_per_boto_old=$(moto_cpu_per "$RUNS" "$PY" "$work/reads.py")
  moto_serves new
fi
read -r pf_med pf_min py_med py_min < <(abtime "$RUNS" - "$bin" --config "$config" check --format json ::: - "$PY" "$work/reads.py")
read -r cli_med cli_min < <(timeit "$CLI_RUNS" bash "$work/reads.sh")
service_ms=$(SERVICE_RUNS=$RUNS "$PY" "$work/reads.py")

DELAY_MS=${BENCH_DELAY_MS:-20}
say "timing the whole check behind ${DELAY_MS} ms of latency per request"
delay_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$PY" -u "$work/delay_proxy.py" "$delay_port" "$port" "$DELAY_MS" >"$work/delay.out" 2>&1 &
delay_pid=$!
for _ in $(seq 100); do grep -q ready "$work/delay.out" && break; sleep 0.1; done
grep -q ready "$work/delay.out" || { say "the delay proxy did not start"; cat "$work/delay.out" >&2; exit 1; }
AWS_ENDPOINT_URL=http://127.0.0.1:$delay_port "$bin" --config "$config" check --format json >/dev/null ||
  { say "pipeform check fails through the delay proxy"; exit 1; }
AWS_ENDPOINT_URL=http://127.0.0.1:$delay_port "$PY" "$work/reads.py" ||
  { say "the boto3 reads fail through the delay proxy"; exit 1; }
read -r d_pf_med d_pf_min d_py_med d_py_min < <(AWS_ENDPOINT_URL=http://127.0.0.1:$delay_port abtime "$RUNS" - "$bin" --config "$config" check --format json ::: - "$PY" "$work/reads.py")

# --- a stack our modules and job did not make ------------------------------------------------
# No day manifest yet (today's files are there, nothing left a manifest) and the app instance
# carrying an instance profile named otherwise (holding the same role). Put back afterwards:
# the job's re-run writes the manifests, the module's profile goes back on the instance.
say "the same on a stack our modules and job did not make (no manifest, profile named otherwise)"
cat >"$work/shape.py" <<'PY'
import sys, boto3
s3, ec2, iam = boto3.client("s3"), boto3.client("ec2"), boto3.client("iam")
BUCKET, TODAY, APP_PROFILE, OTHER = "vcm-bucket25", sys.argv[2], "offsets-app", "offsets-batch-host"
app = [i for r in ec2.describe_instances(Filters=[{"Name": "tag:Project", "Values": ["offsets"]},
        {"Name": "tag:Role", "Values": ["app"]}])["Reservations"] for i in r["Instances"]
       if i["State"]["Name"] != "terminated"][0]["InstanceId"]
def swap(to):
  for a in ec2.describe_iam_instance_profile_associations(Filters=[{"Name": "instance-id", "Values": [app]}])["IamInstanceProfileAssociations"]:
    ec2.disassociate_iam_instance_profile(AssociationId=a["AssociationId"])
  ec2.associate_iam_instance_profile(InstanceId=app, IamInstanceProfile={"Name": to})
if sys.argv[1] == "foreign":
  for p in ("csv", "logs"):
    s3.delete_object(Bucket=BUCKET, Key=f"{p}/{TODAY}/_pipeform_manifest.json")
  role = iam.get_instance_profile(InstanceProfileName=APP_PROFILE)["InstanceProfile"]["Roles"][0]["RoleName"]
  iam.create_instance_profile(InstanceProfileName=OTHER)
  iam.add_role_to_instance_profile(InstanceProfileName=OTHER, RoleName=role)
  swap(OTHER)
else:
  swap(APP_PROFILE)
  role = iam.get_instance_profile(InstanceProfileName=OTHER)["InstanceProfile"]["Roles"][0]["RoleName"]
  iam.remove_role_from_instance_profile(InstanceProfileName=OTHER, RoleName=role)
  iam.delete_instance_profile(InstanceProfileName=OTHER)
PY
"$PY" "$work/shape.py" foreign "$today"
foreign_out=$("$bin" --config "$config" check --format json) ||
  { say "pipeform check fails on the foreign shape"; echo "$foreign_out" >&2; exit 1; }
grep -q 'offsets-batch-host -> role' <<<"$foreign_out" ||
  { say "the check did not follow the instance's own profile"; echo "$foreign_out" >&2; exit 1; }
SHAPE=foreign "$PY" "$work/reads.py" || { say "the boto3 reads fail on the foreign shape"; exit 1; }
r0=$(requests)
"$bin" --config "$config" check --format json >/dev/null
f_calls=$(( $(requests) - r0 ))
r0=$(requests)
SHAPE=foreign "$PY" "$work/reads.py"
f_py_calls=$(( $(requests) - r0 ))
read -r f_pf_med f_pf_min f_py_med f_py_min < <(abtime "$RUNS" - "$bin" --config "$config" check --format json ::: SHAPE=foreign "$PY" "$work/reads.py")
read -r fd_pf_med fd_pf_min fd_py_med fd_py_min < <(AWS_ENDPOINT_URL=http://127.0.0.1:$delay_port abtime "$RUNS" - "$bin" --config "$config" check --format json ::: SHAPE=foreign "$PY" "$work/reads.py")
# The same pairs with moto served as before 2026-11-28 (module list scanned per request, every
# core): what those two costs of its server take from a concurrent client.
if [ "$moto_new" = yes ]; then
  moto_serves as-before
  read -r fdf_pf_med fdf_pf_min fdf_py_med fdf_py_min < <(AWS_ENDPOINT_URL=http://127.0.0.1:$delay_port abtime "$RUNS" - "$bin" --config "$config" check --format json ::: SHAPE=foreign "$PY" "$work/reads.py")
  moto_serves new
fi
"$PY" "$work/shape.py" ours "$today"
"$job" ship --bucket "$bucket" --csv-dir "$work/ship/csv" --log-dir "$work/ship/logs" >&2
if [ "$moto_new" = yes ]; then
  moto_serves as-before
  read -r df_pf_med df_pf_min df_py_med df_py_min < <(AWS_ENDPOINT_URL=http://127.0.0.1:$delay_port abtime "$RUNS" - "$bin" --config "$config" check --format json ::: - "$PY" "$work/reads.py")
  moto_serves new
fi
kill "$delay_pid" 2>/dev/null || true
"$bin" --config "$config" check >&2 || { say "the stack is not back to passing every check"; exit 1; }

prefix_case() { # prefix_case LABEL -> "median min s3-requests"
  local before med min
  before=$(s3_requests)
  "$bin" --config "$config" check --only bucket >/dev/null || true
  local n=$(( $(s3_requests) - before ))
  read -r med min < <(timeit "$RUNS" "$bin" --config "$config" check --only bucket)
  local one
  read -r one _ < <(timeit "$RUNS" "$PY" -c "import boto3; boto3.client('s3').list_objects_v2(Bucket='$bucket', Prefix='csv/$today/', MaxKeys=2)")
  echo "$med $min $n $one"
}
say "bucket.prefixes with 100 objects"
seed "$bucket" 98
read -r b100_med b100_min b100_n b100_one < <(prefix_case 100)
say "bucket.prefixes with 100,000 objects (seeding)"
seed "$bucket" 99900
read -r b100k_med b100k_min b100k_n b100k_one < <(prefix_case 100000)
# The same 100,000 objects without today's manifests: the listings decide (the path a bucket
# filled by something other than pipeform-job takes). The job's re-run writes them back.
"$PY" -c "
import boto3
s3 = boto3.client('s3')
for p in ('csv', 'logs'):
    s3.delete_object(Bucket='$bucket', Key=f'{p}/$today/_pipeform_manifest.json')"
read -r nolist_med nolist_min nolist_n _ < <(prefix_case 100000)
"$job" ship --bucket "$bucket" --csv-dir "$work/ship/csv" --log-dir "$work/ship/logs" >&2
read -r full_med _ < <(timeit 1 "$PY" -c "
import boto3
n = sum(len(p.get('Contents', [])) for p in boto3.client('s3').get_paginator('list_objects_v2').paginate(Bucket='$bucket'))
assert n >= 100000, n")

ratio() { python3 -c "print(f'{$1/$2:.1f}')"; }
# Which manifests the check read first in this run: examples/pipeform.toml runs at 03:00 UTC.
if [ "$(date -u +%-H)" -ge 3 ]; then
  first_manifests="today's alone, the day's 03:00 run being due"
else
  first_manifests="today's and yesterday's, before the day's 03:00 run"
fi
if [ "$moto_new" = yes ]; then
  placement="served with two costs of its server taken out (its router's module list read once,
its threads on one of the $(nproc) cores; the clients and the proxy free on all; see bench/check.sh)"
  cpu_note="moto's own CPU time while serving one \`pipeform check\`: ${moto_per_check} ms; one run of the boto3
script: ${moto_per_boto} ms (its process's utime + stime over ${RUNS} runs each, from /proc). With moto
serving as this bench ran it before 2026-11-28: ${moto_per_check_old} ms and ${moto_per_boto_old} ms. The two
changes alter no answer. moto's router listed its package directory and stat()ed each of ~170
entries for every request, under a lock every request takes; with many requests in flight the
lock's holder gave up Python's lock at each stat while the others queued behind it. And its
threads, able to use one core's worth under Python's lock, handed that lock across both cores.
Both costs fall on the client with many requests in flight, which no AWS endpoint makes pay; the
rows \"moto as before\" below are measured in the same run."
  free_rows="| ours, moto as before | \`pipeform check\`, +${DELAY_MS} ms per request | same as above | ${df_pf_med} ms | ${df_pf_min} ms | 1.0x |
| ours, moto as before | boto3 script, +${DELAY_MS} ms per request | same as above | ${df_py_med} ms | ${df_py_min} ms | $(ratio "$df_py_med" "$df_pf_med")x |
| not made by us, moto as before | \`pipeform check\`, +${DELAY_MS} ms per request | same as above | ${fdf_pf_med} ms | ${fdf_pf_min} ms | 1.0x |
| not made by us, moto as before | boto3 script, +${DELAY_MS} ms per request | same as above | ${fdf_py_med} ms | ${fdf_py_min} ms | $(ratio "$fdf_py_med" "$fdf_pf_med")x |"
  free_goal=" (moto as before: $(ratio "$df_py_med" "$df_pf_med")x and $(ratio "$fdf_py_med" "$fdf_pf_med")x)"
else
  placement="served as before 2026-11-28 (BENCH_MOTO=as-before)"
  cpu_note="moto's own CPU time while serving one \`pipeform check\`: ${moto_per_check} ms; one run of the boto3
script: ${moto_per_boto} ms (its process's utime + stime over ${RUNS} runs each, from /proc)."
  free_rows=
  free_goal=
fi
cat <<MD
## check

Measured by \`bench/check.sh\` on $(date -u +%F) ($(nproc) cores, shared), moto $("$PY" -c 'import moto; print(moto.__version__)'),
$placement;
the root module applied by \`pipeform plan\` + \`pipeform apply\` of \`examples/pipeform.toml\` (copied beside
it; the commands below name that config); medians of $RUNS runs
($CLI_RUNS for the AWS CLI), whole process, same moto, same run; each \`pipeform check\` row and
the boto3 row below it were run alternately (one of each, $RUNS times), so that the shared
machine's changing load moves both alike.

| what | command | median | min | vs pipeform |
|---|---|---:|---:|---:|
| \`pipeform check\` (release, all $checks checks, $calls requests) | \`target/release/pipeform --config examples/pipeform.toml check --format json\` | ${pf_med} ms | ${pf_min} ms | 1.0x |
| boto3 script, the same reads ($py_calls requests), no judging | \`python reads.py\` (in bench/check.sh) | ${py_med} ms | ${py_min} ms | $(ratio "$py_med" "$pf_med")x |
| AWS CLI v1 shell script, the same reads | \`bash reads.sh\` (in bench/check.sh) | ${cli_med} ms | ${cli_min} ms | $(ratio "$cli_med" "$pf_med")x |

$cpu_note

The same two, each request ${DELAY_MS} ms later (a
proxy in front of the same moto holds every new connection ${DELAY_MS} ms; moto closes each after
one response, so that is one wait per request for both clients), as against a real region. This
is the benchmark of record for \`check\`:

| stack | what | command | median | min | vs pipeform |
|---|---|---|---:|---:|---:|
| ours | \`pipeform check\`, +${DELAY_MS} ms per request | \`AWS_ENDPOINT_URL=http://127.0.0.1:PROXY target/release/pipeform --config examples/pipeform.toml check --format json\` | ${d_pf_med} ms | ${d_pf_min} ms | 1.0x |
| ours | boto3 script, +${DELAY_MS} ms per request | \`AWS_ENDPOINT_URL=http://127.0.0.1:PROXY python reads.py\` | ${d_py_med} ms | ${d_py_min} ms | $(ratio "$d_py_med" "$d_pf_med")x |
| not made by us | \`pipeform check\`, +${DELAY_MS} ms per request ($f_calls requests) | same as above | ${fd_pf_med} ms | ${fd_pf_min} ms | 1.0x |
| not made by us | boto3 script, +${DELAY_MS} ms per request ($f_py_calls requests) | \`AWS_ENDPOINT_URL=http://127.0.0.1:PROXY SHAPE=foreign python reads.py\` | ${fd_py_med} ms | ${fd_py_min} ms | $(ratio "$fd_py_med" "$fd_pf_med")x |
| not made by us | \`pipeform check\`, loopback | \`target/release/pipeform --config examples/pipeform.toml check --format json\` | ${f_pf_med} ms | ${f_pf_min} ms | 1.0x |
| not made by us | boto3 script, loopback | \`SHAPE=foreign python reads.py\` | ${f_py_med} ms | ${f_py_min} ms | $(ratio "$f_py_med" "$f_pf_med")x |
$free_rows

"Not made by us": the same applied stack made to look like one our modules and job did not make
(bench/check.sh, \`shape.py\`): no day manifest (today's files are there, nothing left a
manifest) and the app instance carrying an instance profile named otherwise (holding the same
role). pipeform reads the manifests of the days from today back to the one the schedule last
fired on (this run: $first_manifests), the profile and role the root module would name and
EC2's discovery beside them; then, in the second round, lists each fresh day (26 h: today and
yesterday, one \`max-keys\` listing each) and reads the instance's own profile. The boto3 script
makes the same S3 reads one after another, then the instance's profile and its role's policies
(not pipeform's guesses by the module's names, which cost pipeform requests but no round trip).

\`bucket.prefixes\` (\`pipeform check --only bucket\`: public access, encryption, prefixes) by
objects in the bucket (spread over 365 days of \`csv/{date}\` and \`logs/{date}\` prefixes):

| objects | command | median | min | S3 requests | one \`ListObjectsV2 max-keys=2\` (boto3 process) |
|---:|---|---:|---:|---:|---:|
| 100 | \`target/release/pipeform --config examples/pipeform.toml check --only bucket\` | ${b100_med} ms | ${b100_min} ms | ${b100_n} | ${b100_one} ms |
| 100,000 | same | ${b100k_med} ms | ${b100k_min} ms | ${b100k_n} | ${b100k_one} ms |
| 100,000 | same, today's manifests deleted (the listings decide) | ${nolist_med} ms | ${nolist_min} ms | ${nolist_n} | |
| 100,000 | naive: list every object (boto3 paginator) | ${full_med} ms | | $(( (100000 + 999) / 1000 )) pages | |

100,000 vs 100 objects: $(ratio "$b100k_med" "$b100_med")x. Today's files were shipped by \`pipeform-job ship\`, which
leaves a manifest in each complete day; the check GETs the manifests of the days from today back
to the one the schedule last fired on (this run: $first_manifests) and HEADs one object the
newest names (two or three reads per template, whatever the bucket holds), so no request lists
the bucket. moto 5 walks every key of the bucket on each
ListObjectsV2 whatever the prefix (the last column: one call in a separate process), so without
the manifests the same check grows with the bucket (third row: one \`max-keys\` listing per
fresh day instead of the HEAD), although it lists only those few days. The bucket's TLS-only policy is
removed for this bench: moto applies its Deny to every plain-HTTP object call without evaluating
the condition (S3 over TLS does not).

Goals of issues 4 and 13: the whole check at least 10x faster than the boto3 script behind
${DELAY_MS} ms per request, on our stack and on one we did not make (this run: $(ratio "$d_py_med" "$d_pf_med")x and
$(ratio "$fd_py_med" "$fd_pf_med")x$free_goal; on loopback $(ratio "$py_med" "$pf_med")x and $(ratio "$f_py_med" "$f_pf_med")x), and \`bucket.prefixes\` at 100,000 objects
within 1.5x of 100 (this run: $(ratio "$b100k_med" "$b100_med")x). What bounds the check on loopback is moto: it
serves one request at a time under Python's lock, and spends ${moto_per_check} ms of CPU on the
${calls} reads of one check, while 10x would need the whole \`pipeform check\` process in
$(python3 -c "print(round($py_med / 10))") ms. The reads themselves are concurrent, but a \`pipeform check\` that sent them one at a
time took the same time on loopback (75.8 ms median either way, 20 alternating runs on 2026-11-27),
so the ${pf_med} ms of the whole process are about the CPU moto spends serving its reads. The boto3
script's extra is Python start-up, \`import boto3\` and making eight clients; the same reads with
its clients already made take ${service_ms} ms per round, one after another. Behind latency the
concurrent reads are what counts: no read waits for more than one other, on either stack (tests/check.rs,
\`no_read_waits_for_more_than_one_other_on_a_stack_we_did_not_make\`, counts the rounds with a
stand-in endpoint). Round 1: EC2's tagged subnets, instances and EIPs, the profile and role's
policy lists by the module's names, the alarms, the log group, its filters and its newest status
event, one \`TestMetricFilter\` of the configured failure pattern, RDS, the bucket's settings and
the manifests down to the schedule's last firing. Round 2: EC2 in the VPCs and the NAT console,
the role's inline policies, the instance's own profile (where it is not the module's), SNS,
\`TestMetricFilter\` of the other live patterns (only where the endpoint has it: moto answers
the first with NotImplemented, so the boto3 script too asks once), and the HEAD of what a
manifest names or the day listings.
MD
echo quit >&"$moto_in" || true
