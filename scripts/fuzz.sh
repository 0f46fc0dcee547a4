#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for FUZZ_SECONDS each (default 60), one after another,
# niced (2 shared cores). Targets are built once first; the committed seed corpus in
# fuzz/corpus/<target> is copied to a scratch corpus so a run does not rewrite it. A crash
# leaves its input in fuzz/artifacts/<target>/ and fails the script: turn it into a regression
# test beside the parser it broke.
#   FUZZ_SECONDS=600 scripts/fuzz.sh           # every target, 10 minutes each
#   FUZZ_SECONDS=10 scripts/fuzz.sh jobenv     # one target
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${FUZZ_SECONDS:-60}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
nice cargo +nightly fuzz build
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for t in "${targets[@]}"; do
  mkdir -p "$scratch/$t"
  cp -r "corpus/$t/." "$scratch/$t/" 2>/dev/null || true
  echo "== fuzz $t for ${seconds}s"
  nice cargo +nightly fuzz run "$t" "$scratch/$t" -- -max_total_time="$seconds" -print_final_stats=1 2>&1 \
    | grep -E '^(#[0-9]+.*DONE|stat::|==[0-9]+==|SUMMARY|Done|thread|panicked|INFO: Running with entropic)' || true
  # cargo fuzz exits non-zero on a crash; pipefail would hide it behind grep, so check artifacts.
  if compgen -G "artifacts/$t/crash-*" >/dev/null; then
    echo "fuzz $t: crash input(s) in fuzz/artifacts/$t/" >&2
    exit 1
  fi
done
