# The two commands of the README: `make demo` and `make test`. Both install what is missing.
SHELL := /bin/bash

.PHONY: demo test bench fuzz install lint testbed-up testbed-down dist

demo:
	scripts/demo.sh

test:
	scripts/test.sh

bench:
	ONLY=$(ONLY) scripts/bench.sh

# Every fuzz target for FUZZ_SECONDS (default 60) each; see docs/fuzzing.md.
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

install:
	scripts/install.sh

# The small job binary deploy uploads: dist/<machine>/pipeform-job, glibc >= 2.17.
dist:
	MACHINES="$(MACHINES)" scripts/dist.sh

lint: install
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	scripts/tf-lint.sh

testbed-up: install
	scripts/testbed.sh start

testbed-down:
	scripts/testbed.sh stop
