"""Shared fixtures: minimal valid deliveries (written by deliveries.py) and the repository root.

Test modules import helpers with `from deliveries import ...`: pytest's default (prepend) import
mode puts this folder on sys.path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deliveries import write_delivery

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(params=["parquet", "csv"])
def fmt(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def delivery(tmp_path: Path, fmt: str) -> Path:
    """A valid delivery in `fmt` (parametrised: parquet and csv) with every contract table."""
    out = tmp_path / "delivery"
    write_delivery(out, fmt)
    return out


@pytest.fixture
def parquet_delivery(tmp_path: Path) -> Path:
    out = tmp_path / "delivery"
    write_delivery(out, "parquet")
    return out


@pytest.fixture
def csv_delivery(tmp_path: Path) -> Path:
    out = tmp_path / "delivery"
    write_delivery(out, "csv")
    return out
