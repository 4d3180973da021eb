"""What the tests need from outside the package, and what happens when it is missing (a pytest plugin, loaded
by tests/conftest.py).

Tests compare against reference libraries (transformers, tokenizers, torch, Pillow, pyarrow, ray, ...) and real
data built from ../shared/data. For a developer, a missing one skips the tests that need it. Under
`FERROFORMERS_NO_SKIP` (set by `make test`; implied by `FERROFORMERS_EXPECT_INSTALLED`) it is a failure: a run
that skipped most of the suite must not pass. Every skip goes through `missing()`, and under
`FERROFORMERS_NO_SKIP` the hooks below turn any other skip (a stray `pytest.skip`, `importorskip` or `skipif`)
into a failure too.

Hypothesis example counts come from the profile named by `HYPOTHESIS_PROFILE`: "dev" (the default) runs a
quarter of what "ci" (`make test`) runs. A test asks for `examples(n)`: n under "ci".
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Generator
from types import ModuleType
from typing import Any, NoReturn

import pytest
from hypothesis import settings

NO_SKIP = bool(os.environ.get("FERROFORMERS_NO_SKIP") or os.environ.get("FERROFORMERS_EXPECT_INSTALLED"))
INSTALLED = bool(os.environ.get("FERROFORMERS_EXPECT_INSTALLED"))

CI_EXAMPLES = 100  # hypothesis' own default
settings.register_profile("ci", max_examples=CI_EXAMPLES, deadline=None, print_blob=True)
settings.register_profile("dev", max_examples=CI_EXAMPLES // 4, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def examples(n: int) -> int:
    """A test's hypothesis example count: `n` under the "ci" profile, scaled to the loaded profile."""
    return max(1, n * settings.default.max_examples // CI_EXAMPLES)


def missing(reason: str) -> NoReturn:
    """Something a test needs is not here: skip for a developer, fail under FERROFORMERS_NO_SKIP."""
    if NO_SKIP:
        pytest.fail(f"{reason} (FERROFORMERS_NO_SKIP: every test must run)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def require_module(name: str) -> ModuleType:
    """Import a library a test compares against (`pytest.importorskip` that fails under FERROFORMERS_NO_SKIP)."""
    try:
        return importlib.import_module(name)
    except ImportError as e:
        missing(f"{name} is not installed ({e}); the test extra has it: pip install 'ferroformers[test]'")


# ---- hooks ---------------------------------------------------------------------------------------------------
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "installed_wheel: checks the installed wheel; runs only under "
        "FERROFORMERS_EXPECT_INSTALLED (deselected otherwise, never skipped)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if INSTALLED:
        return
    deselected = [item for item in items if item.get_closest_marker("installed_wheel")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("installed_wheel")]


def _fail_skip(report: Any) -> None:
    if NO_SKIP and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under FERROFORMERS_NO_SKIP, where every test must run: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    _fail_skip(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, None]:
    outcome = yield
    _fail_skip(outcome.get_result())
