# One Makefile that the README, CI (.ci/run) and developers all call.
#   make demo   build + install into .venv, then run the main job on the bundled defaults
#   make test   build the wheel, install it with the test extra, lint, run every Rust and Python test
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
export PYO3_PYTHON := $(abspath $(PY))

.PHONY: venv demo wheel install-test system-deps lint test test-rust test-python fuzz inplace clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip "maturin>=1.7,<2"

venv: $(PY)

demo: venv
	$(PIP) install -q .
	cd /tmp && $(abspath $(VENV))/bin/ferroformers demo

wheel: venv
	rm -rf dist
	$(VENV)/bin/maturin build --release --out dist --quiet

# the wheel, not the source tree, is what the Python tests import (tests/test_package.py checks it)
install-test: wheel
	$(PIP) install -q "$$(ls dist/ferroformers-*.whl)[test]"
	$(PIP) install -q --force-reinstall --no-deps "$$(ls dist/ferroformers-*.whl)"

lint: venv
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --all-targets --features python -- -D warnings
	$(VENV)/bin/ruff check python tests benches

test-rust:
	cargo test --release

# cargo-fuzz (from crates.io) runs each fuzz target for FUZZ_SECONDS under AddressSanitizer. It passes
# nightly-only rustc flags (-Zsanitizer=address, ...): RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them.
# The allocator returns NULL instead of aborting, and only allocations past 100 TB count as the fuzzer's
# out-of-memory: the targets ask for hostile sizes on purpose and must get an error back (-rss_limit_mb still
# catches a size that is granted and filled).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := tokenize image audio
CARGO_FUZZ_VERSION := 0.13.2
fuzz:
	@command -v cargo-fuzz >/dev/null || cargo install --locked --version $(CARGO_FUZZ_VERSION) cargo-fuzz
	RUSTC_BOOTSTRAP=1 cargo fuzz build
	for t in $(FUZZ_TARGETS); do \
		RUSTC_BOOTSTRAP=1 ASAN_OPTIONS=allocator_may_return_null=1 cargo fuzz run $$t -- \
			-max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -malloc_limit_mb=100000000 || exit 1; \
	done

test-python:
	FERROFORMERS_EXPECT_INSTALLED=1 $(PY) -m pytest -q

# the real speech the audio tests use is made with Debian's espeak-ng and sox (../shared/data/build_media.sh)
system-deps:
	@command -v espeak-ng >/dev/null && command -v sox >/dev/null || \
		{ apt-get update -q && apt-get install -y -q espeak-ng sox; }

test: system-deps install-test lint test-rust fuzz test-python

# developers: build the extension into the source tree and run tests with PYTHONPATH=python
inplace:
	cargo build --release --features python --lib
	# copy then rename: a test process that has the old module mapped keeps it intact
	cp target/release/libferroformers.so python/ferroformers/_native.abi3.so.tmp
	mv python/ferroformers/_native.abi3.so.tmp python/ferroformers/_native.abi3.so

clean:
	rm -rf dist target $(VENV)
