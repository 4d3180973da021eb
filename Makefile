# One Makefile that the README, CI (.ci/run) and developers all call.
#   make demo   build + install into .venv, then run the main job on the bundled defaults
#   make test   build the wheel and sdist, install the wheel with the test extra, lint, run every Rust and Python
#               test (tests/test_distribution.py checks the wheel and the sdist themselves)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
export PYO3_PYTHON := $(abspath $(PY))

# The release wheel: abi3 (one wheel for every CPython >= 3.10), linked by zig against glibc 2.17 symbols so it
# installs on manylinux2014 systems (any glibc >= 2.17), for the x86_64 baseline CPU (no -C target-cpu: the AVX2
# kernels are chosen at run time); --locked: the dependencies of Cargo.lock. .github/workflows/release.yml builds
# the manylinux wheels with the same flags (tests/test_distribution.py checks that they agree).
WHEEL_FLAGS := --release --locked --zig --compatibility manylinux2014
# maturin (cargo-zigbuild) runs zig as `$(PY) -m ziglang`; ziglang comes with the `build` dependency group
export CARGO_ZIGBUILD_PYTHON_PATH := $(abspath $(PY))

.PHONY: venv build-tools demo wheel sdist install-test system-deps lint check-aarch64 test test-rust test-python \
	fuzz inplace clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

venv: $(PY)

# maturin, ziglang, auditwheel, twine: pyproject.toml's `build` dependency group (needs pip >= 25.1)
build-tools: venv
	$(PIP) install -q --group build

demo: venv
	$(PIP) install -q .
	cd /tmp && $(abspath $(VENV))/bin/ferroformers demo

wheel: build-tools
	rm -f dist/ferroformers-*.whl
	$(VENV)/bin/maturin build $(WHEEL_FLAGS) --out dist --quiet

sdist: build-tools
	rm -f dist/ferroformers-*.tar.gz
	$(VENV)/bin/maturin sdist --out dist

# the wheel, not the source tree, is what the Python tests import (tests/test_package.py checks it)
install-test: wheel sdist
	$(PIP) install -q "$$(ls dist/ferroformers-*.whl)[test]"
	$(PIP) install -q --force-reinstall --no-deps "$$(ls dist/ferroformers-*.whl)"

# mypy.stubtest checks _native.pyi against the built module (as pydantic-core does): the source tree's
# (`make inplace`) when there is one, else the installed one (`make test` runs lint after install-test)
lint: venv
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --all-targets --features python -- -D warnings
	$(VENV)/bin/ruff check python tests benches examples
	$(VENV)/bin/ruff format --check python tests benches examples
	$(PY) -m mypy  # python/, settings in pyproject.toml [tool.mypy]
	PYTHONPATH=$(if $(wildcard python/ferroformers/_native*.so),python) $(PY) -m mypy.stubtest ferroformers._native

# the crate (scalar paths, no x86 intrinsics) builds for aarch64, with and without the bindings
check-aarch64:
	rustup target add aarch64-unknown-linux-gnu
	cargo clippy --target aarch64-unknown-linux-gnu --all-targets -- -D warnings
	cargo clippy --target aarch64-unknown-linux-gnu --all-targets --features python -- -D warnings

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
# Only when cargo-fuzz cannot be installed is the run skipped, with a message saying so.
fuzz:
	@if ! command -v cargo-fuzz >/dev/null && ! cargo install --locked --version $(CARGO_FUZZ_VERSION) cargo-fuzz; then \
		echo "make fuzz: SKIPPED: cargo-fuzz $(CARGO_FUZZ_VERSION) could not be installed (cargo install failed above)"; \
		exit 0; \
	fi; \
	set -ex; \
	RUSTC_BOOTSTRAP=1 cargo fuzz build; \
	for t in $(FUZZ_TARGETS); do \
		RUSTC_BOOTSTRAP=1 ASAN_OPTIONS=allocator_may_return_null=1 cargo fuzz run $$t -- \
			-max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -malloc_limit_mb=100000000; \
	done

# the installed wheel (EXPECT_INSTALLED), no test may skip for a missing reference or data set (NO_SKIP),
# hypothesis' full example counts (the ci profile, tests/testing_utils.py)
test-python:
	FERROFORMERS_EXPECT_INSTALLED=1 FERROFORMERS_NO_SKIP=1 HYPOTHESIS_PROFILE=ci $(PY) -m pytest -q

# the real speech the audio tests use is made with Debian's espeak-ng and sox (../shared/data/build_media.sh);
# qemu-user runs the installed wheel on CPU models without AVX/AVX2 (tests/test_distribution.py)
system-deps:
	@command -v espeak-ng >/dev/null && command -v sox >/dev/null && command -v qemu-x86_64 >/dev/null || \
		{ apt-get update -q && apt-get install -y -q espeak-ng sox qemu-user; }

test: system-deps install-test lint check-aarch64 test-rust fuzz test-python

# developers: build the extension into the source tree and run tests with PYTHONPATH=python
inplace:
	cargo build --release --features python --lib
	# copy then rename: a test process that has the old module mapped keeps it intact
	cp target/release/libferroformers.so python/ferroformers/_native.abi3.so.tmp
	mv python/ferroformers/_native.abi3.so.tmp python/ferroformers/_native.abi3.so

clean:
	rm -rf dist target $(VENV)
