# One Makefile that the README, CI (.ci/run) and developers all call.
#   make demo   build + install into .venv, then run the main job on the bundled defaults
#   make test   build the wheel, install it with the test extra, lint, run every Rust and Python test
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
export PYO3_PYTHON := $(abspath $(PY))

.PHONY: venv demo wheel install-test system-deps lint test test-rust test-python inplace clean

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
	$(VENV)/bin/ruff check python tests benches examples
	$(PY) -m mypy  # python/, settings in pyproject.toml [tool.mypy]

test-rust:
	cargo test --release

# the installed wheel (EXPECT_INSTALLED), no test may skip for a missing reference or data set (NO_SKIP),
# hypothesis' full example counts (the ci profile, tests/testing_utils.py)
test-python:
	FERROFORMERS_EXPECT_INSTALLED=1 FERROFORMERS_NO_SKIP=1 HYPOTHESIS_PROFILE=ci $(PY) -m pytest -q

# the real speech the audio tests use is made with Debian's espeak-ng and sox (../shared/data/build_media.sh)
system-deps:
	@command -v espeak-ng >/dev/null && command -v sox >/dev/null || \
		{ apt-get update -q && apt-get install -y -q espeak-ng sox; }

test: system-deps install-test lint test-rust test-python

# developers: build the extension into the source tree and run tests with PYTHONPATH=python
inplace:
	cargo build --release --features python --lib
	# copy then rename: a test process that has the old module mapped keeps it intact
	cp target/release/libferroformers.so python/ferroformers/_native.abi3.so.tmp
	mv python/ferroformers/_native.abi3.so.tmp python/ferroformers/_native.abi3.so

clean:
	rm -rf dist target $(VENV)
