#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for FUZZ_SECONDS each (default 60), FUZZ_JOBS at a time
# (default 1; 2 uses both cores of the build machine), niced. Targets are built once first; the
# committed seed corpus in fuzz/corpus/<target> is copied to a scratch corpus so a run does not
# rewrite it. A crash leaves its input in fuzz/artifacts/<target>/ and fails the script: turn it
# into a regression test beside the parser it broke.
#   FUZZ_SECONDS=600 scripts/fuzz.sh                  # every target, 10 minutes each
#   FUZZ_SECONDS=10 FUZZ_JOBS=2 scripts/fuzz.sh       # the smoke of make test
#   FUZZ_SECONDS=10 scripts/fuzz.sh jobenv            # one target
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${FUZZ_SECONDS:-60}"
jobs="${FUZZ_JOBS:-1}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
nice cargo +nightly fuzz build
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

crashed=()
# Runs `$@` (targets) side by side, then prints each one's summary.
batch() {
  for t in "$@"; do
    mkdir -p "$scratch/$t"
    cp -r "corpus/$t/." "$scratch/$t/" 2>/dev/null || true
    nice cargo +nightly fuzz run "$t" "$scratch/$t" -- -max_total_time="$seconds" \
      -print_final_stats=1 >"$scratch/$t.log" 2>&1 &
  done
  # cargo fuzz exits non-zero on a crash; the artifacts below say which target crashed.
  wait || true
  for t in "$@"; do
    echo "== fuzz $t for ${seconds}s"
    grep -E '^(#[0-9]+.*DONE|stat::|==[0-9]+==|SUMMARY|Done|thread|panicked|INFO: Running with entropic)' \
      "$scratch/$t.log" || true
    if compgen -G "artifacts/$t/crash-*" >/dev/null; then
      crashed+=("$t")
    fi
  done
}

for ((i = 0; i < ${#targets[@]}; i += jobs)); do
  batch "${targets[@]:i:jobs}"
done
if [ ${#crashed[@]} -gt 0 ]; then
  for t in "${crashed[@]}"; do
    echo "fuzz $t: crash input(s) in fuzz/artifacts/$t/" >&2
  done
  exit 1
fi
