#!/usr/bin/env bash
# `make test`: install what is missing, lint, start the testbed, run every test, destroy the
# shared stack, stop the testbed. Each phase prints its time; the first failure stops the run
# (the testbed is stopped on every exit).
set -euo pipefail
cd "$(dirname "$0")/.."
export PIPEFORM_TESTBED_DIR=${PIPEFORM_TESTBED_DIR:-$PWD/.testbed}
export TF_CLI_CONFIG_FILE=$PWD/scripts/terraformrc
export TF_IN_AUTOMATION=1
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

phase_start=0
phase() { phase_start=$SECONDS; printf '\n==> %s\n' "$*"; }
done_phase() { printf '==> ok (%d s)\n' $((SECONDS - phase_start)); }

cleanup() { scripts/testbed.sh stop >/dev/null 2>&1 || true; }
trap cleanup EXIT

phase "install what is missing"; scripts/install.sh; done_phase

phase "cargo build (all targets)"; cargo build --all-targets --quiet; done_phase

phase "lint: cargo fmt, clippy -D warnings, terraform fmt/validate, checkov"
cargo fmt --all -- --check
cargo clippy --all-targets --quiet -- -D warnings
scripts/tf-lint.sh
done_phase

# Every fuzz target briefly, two at a time, so a parser change that breaks a property fails
# here; the long runs are `make fuzz` (docs/fuzzing.md, with the build and smoke times).
phase "fuzz smoke: every target for 10 s"; FUZZ_SECONDS=10 FUZZ_JOBS=2 scripts/fuzz.sh; done_phase

phase "testbed: shared moto"; scripts/testbed.sh start; done_phase

# Removing the marker makes the first test that needs the stack apply it afresh into this moto.
rm -f "$PIPEFORM_TESTBED_DIR/stack/applied" "$PIPEFORM_TESTBED_DIR/stack.log"

phase "cargo test (unit, CLI, and end-to-end against moto, MariaDB, sshd)"
cargo test --no-fail-fast
done_phase

if [ -f "$PIPEFORM_TESTBED_DIR/stack.log" ]; then
  phase "end-to-end: the shared stack"
  cat "$PIPEFORM_TESTBED_DIR/stack.log"
  done_phase
fi

phase "end-to-end: terraform destroy of the shared stack"
scripts/stack.sh destroy
done_phase
