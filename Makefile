# The two commands of the README: `make demo` and `make test`. Both install what is missing.
SHELL := /bin/bash

.PHONY: demo test bench install lint testbed-up testbed-down

demo:
	scripts/demo.sh

test:
	scripts/test.sh

bench:
	ONLY=$(ONLY) scripts/bench.sh

install:
	scripts/install.sh

lint: install
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	scripts/tf-lint.sh

testbed-up: install
	scripts/testbed.sh start

testbed-down:
	scripts/testbed.sh stop
