#!/usr/bin/env bash
# `make dist`: the pipeform-job binary that deploy uploads, built for each host machine with the
# `dist` profile (Cargo.toml) and cargo-zigbuild, against glibc 2.17 so it runs on every glibc
# host of the last ten years (the preflight of `pipeform deploy` checks it). Output:
# dist/<uname -m>/pipeform-job. A target whose Rust standard library is not installed is
# reported and skipped, not failed obscurely.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
TESTBED=${PIPEFORM_TESTBED_DIR:-$PWD/.testbed}
# cargo-zigbuild finds zig through the venv's python (`python -m ziglang`).
export PATH=$TESTBED/venv-zig/bin:$PATH

# One line per host machine: `uname -m` name, Rust target, glibc floor. Adding a target is a
# line here (and its standard library: `rustup target add <triple>`).
TARGETS=(
  "x86_64 x86_64-unknown-linux-gnu 2.17"
  "aarch64 aarch64-unknown-linux-gnu 2.17"
)
# Only what is asked for (`make dist MACHINES="x86_64"`), default: all of the above.
MACHINES=${MACHINES:-}

installed=$(rustup target list --installed 2>/dev/null || rustc --print target-list)
built=0
for line in "${TARGETS[@]}"; do
  read -r machine triple glibc <<<"$line"
  if [ -n "$MACHINES" ] && [[ " $MACHINES " != *" $machine "* ]]; then continue; fi
  if ! grep -qx "$triple" <<<"$installed"; then
    echo "dist: $machine skipped: the Rust standard library for $triple is not installed" \
      "(\`rustup target add $triple\`; rustup cannot download it on this machine)" >&2
    continue
  fi
  echo "dist: building pipeform-job for $machine ($triple, glibc >= $glibc)"
  nice -n "${DIST_NICE:-10}" cargo zigbuild --quiet --locked --profile dist -p pipeform-job \
    --target "$triple.$glibc"
  mkdir -p "dist/$machine"
  cp "target/$triple/dist/pipeform-job" "dist/$machine/pipeform-job"
  size=$(stat -c %s "dist/$machine/pipeform-job")
  echo "dist: dist/$machine/pipeform-job ($(awk -v s="$size" 'BEGIN { printf "%.1f MiB", s / 1048576 }'))"
  built=$((built + 1))
done
if [ "$built" = 0 ]; then
  echo "dist: nothing was built (see above)" >&2
  exit 1
fi
