#!/usr/bin/env bash
# Benchmark: whole-process `pipeform render` (read + validate pipeform.toml, read the public key,
# parse the root module's *.tf with hcl-rs, write the tfvars atomically) side by side with
# `terraform validate` of the same root module, measured in the same run.
#
# Run from the repository root: bash bench/render.sh
# Env: PIPEFORM_BENCH_TF_DIR  root module to use (default: terraform)
#      PIPEFORM_BENCH_RUNS    runs per command (default: 30)
# Prints a markdown section for docs/benchmarks.md on stdout; progress goes to stderr.
set -euo pipefail

cd "$(dirname "$0")/.."
repo=$PWD
tf_src=${PIPEFORM_BENCH_TF_DIR:-terraform}
runs=${PIPEFORM_BENCH_RUNS:-30}

if [ ! -f "$tf_src/variables.tf" ]; then
  echo "bench/render.sh: no root module at $tf_src (set PIPEFORM_BENCH_TF_DIR)" >&2
  exit 1
fi
command -v terraform >/dev/null || { echo "bench/render.sh: terraform not on PATH" >&2; exit 1; }

echo "building release pipeform..." >&2
cargo build --release --bin pipeform >&2
bin=$repo/target/release/pipeform

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A private copy of the root module, so `terraform init` leaves nothing in the repository.
cp -r "$tf_src/." "$work/root"
rm -rf "$work/root/.terraform" "$work/root/.terraform.lock.hcl" "$work/root"/*.tfstate* \
  "$work/root/pipeform.auto.tfvars.json"
export TF_CLI_CONFIG_FILE=$repo/scripts/terraformrc TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
echo "terraform init (offline provider mirror)..." >&2
terraform -chdir="$work/root" init -backend=false -input=false -no-color >"$work/init.log" 2>&1 \
  || { cat "$work/init.log" >&2; exit 1; }

render_cmd="$bin --config $repo/examples/pipeform.toml render --terraform-dir $work/root --out $work/vars.json"
validate_cmd="terraform -chdir=$work/root validate -no-color"
# Both must succeed before they are timed.
$render_cmd >/dev/null
$validate_cmd >/dev/null

if command -v hyperfine >/dev/null; then
  hyperfine --style none --warmup 3 --runs "$runs" -N \
    --export-markdown "$work/table.md" \
    -n "pipeform render" "$render_cmd" \
    -n "terraform validate" "$validate_cmd" >&2
  table=$(cat "$work/table.md")
  tool="hyperfine $(hyperfine --version | awk '{print $2}'), $runs runs after 3 warm-up runs"
else
  # Fallback: wall clock of each run via date +%s%N.
  measure() {
    local cmd=$1 i t0 t1 sum=0 min= max=0 ms
    for ((i = 0; i < runs; i++)); do
      t0=$(date +%s%N); $cmd >/dev/null 2>&1; t1=$(date +%s%N)
      ms=$(( (t1 - t0) / 1000 ))
      sum=$((sum + ms)); [ -z "$min" ] || [ "$ms" -lt "$min" ] && min=$ms; [ "$ms" -gt "$max" ] && max=$ms
    done
    awk -v s="$sum" -v n="$runs" -v lo="$min" -v hi="$max" \
      'BEGIN { printf "%.1f | %.1f | %.1f", s / n / 1000, lo / 1000, hi / 1000 }'
  }
  table="| Command | Mean [ms] | Min [ms] | Max [ms] |
|:---|---:|---:|---:|
| \`pipeform render\` | $(measure "$render_cmd") |
| \`terraform validate\` | $(measure "$validate_cmd") |"
  tool="date +%s%N loop, $runs runs"
fi

load=$(cut -d' ' -f1 /proc/loadavg)
vars=$(grep -c '^  "' "$work/vars.json")
cat <<MD
## render (config)

Whole-process \`pipeform render\` (parse and validate \`examples/pipeform.toml\`, read the public
key, parse every \`*.tf\` of the root module with hcl-rs, check $vars written variables against
its \`variable\` blocks, write the tfvars atomically) next to \`terraform validate\` of the same root
module, measured in the same run. Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) shared cores
(load average $load while timing) with $tool; $(terraform version | head -1).

\`\`\`
bash bench/render.sh
# pipeform render:    target/release/pipeform --config examples/pipeform.toml render --terraform-dir ROOT --out OUT
# terraform validate: terraform -chdir=ROOT validate -no-color   (ROOT: a copy of $tf_src after terraform init -backend=false)
\`\`\`

$table
MD
