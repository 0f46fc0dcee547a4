# The two commands of the README: `make demo` and `make test`. Both install what is missing.
SHELL := /bin/bash

.PHONY: demo test bench install lint testbed-up testbed-down dist

demo:
	scripts/demo.sh

test:
	scripts/test.sh

bench:
	ONLY=$(ONLY) scripts/bench.sh

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
