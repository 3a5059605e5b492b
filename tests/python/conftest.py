"""Shared fixtures: minimal valid deliveries (written by deliveries.py) and the repository root.

Generated deliveries and built warehouses are shared through warehouses.py (built once per
run, keyed by defect profile, format and years, by all xdist workers); tests that write copy them
first.

Test modules import helpers with `from deliveries import ...`: pytest's default (prepend) import
mode puts this folder on sys.path.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from deliveries import write_delivery
from warehouses import SESSION_ROOT_ENV, reuse_dbt_parse

REPO_ROOT = Path(__file__).resolve().parents[2]


def _is_worker(config: pytest.Config) -> bool:
    """An xdist worker (the controlling process has no workerinput)."""
    return hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    """The controlling process names the folder of the run's shared deliveries and builds
    (warehouses.session_root); the xdist workers it starts inherit the name."""
    if not _is_worker(config):
        os.environ[SESSION_ROOT_ENV] = tempfile.mkdtemp(prefix="medfin-warehouses-")


def pytest_unconfigure(config: pytest.Config) -> None:
    root = os.environ.pop(SESSION_ROOT_ENV, None)
    if root and not _is_worker(config):
        shutil.rmtree(root, ignore_errors=True)


# Modules whose fixtures take minutes (the twelve month loads of test_incremental: about 5 of the
# suite's 12 minutes) run first: the xdist workers take modules in collection order, and a long
# module taken last keeps one worker busy while the other idles.
LONGEST_MODULES_FIRST = ("test_incremental.py", "test_hostile_inputs.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The modules of LONGEST_MODULES_FIRST first; the order within a module is kept."""
    items.sort(
        key=lambda item: (
            LONGEST_MODULES_FIRST.index(item.path.name)
            if item.path.name in LONGEST_MODULES_FIRST
            else len(LONGEST_MODULES_FIRST)
        )
    )


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session", autouse=True)
def _dbt_parses_once() -> Iterator[None]:
    """dbt parses the project once per session (warehouses.reuse_dbt_parse)."""
    with reuse_dbt_parse():
        yield


@pytest.fixture(params=["parquet", "csv"])
def fmt(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _minimal(tmp_path: Path, fmt: str) -> Path:
    out = tmp_path / "delivery"
    write_delivery(out, fmt)
    return out


@pytest.fixture
def delivery(tmp_path: Path, fmt: str) -> Path:
    """A valid delivery in `fmt` (parametrised: parquet and csv) with every contract table."""
    return _minimal(tmp_path, fmt)


@pytest.fixture
def parquet_delivery(tmp_path: Path) -> Path:
    return _minimal(tmp_path, "parquet")


@pytest.fixture
def csv_delivery(tmp_path: Path) -> Path:
    return _minimal(tmp_path, "csv")
