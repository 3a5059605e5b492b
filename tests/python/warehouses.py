"""Tiny deliveries and warehouses built once per test session and shared by the test modules.

A build of the whole project takes several seconds, so every (defect profile, format) pair is
generated and built at most once per pytest run.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from medfin.build import BuildResult, Progress, build
from medfin.contract.staging import STAGING_MODELS as staging_models_of_the_contract
from medfin.generate import generate_delivery

SEED = 11

# Contract table -> its staging model (one source: medfin.contract.staging).
STAGING_MODELS = dict(staging_models_of_the_contract)

_ROOT = Path(tempfile.mkdtemp(prefix="medfin-warehouses-"))
atexit.register(shutil.rmtree, _ROOT, ignore_errors=True)


@dataclass(frozen=True)
class Built:
    delivery: Path
    warehouse: Path
    result: BuildResult | None = None
    # What the build reported to its progress callback, in order.
    progress: list[Progress] = field(default_factory=list)

    @property
    def expected(self) -> dict[str, Any]:
        return json.loads((self.delivery / "expected.json").read_text(encoding="utf-8"))

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql).fetchall()


@cache
def built(
    defects: str = "default", fmt: str = "parquet", years: tuple[int, int] = (2021, 2021)
) -> Built:
    name = f"{defects}-{fmt}-{years[0]}-{years[1]}"
    delivery = _ROOT / name / "delivery"
    generate_delivery("tiny", years, SEED, delivery, defects=defects, fmt=fmt, progress=False)
    warehouse = _ROOT / name / "medfin.duckdb"
    progress: list[Progress] = []
    result = build(delivery, warehouse, verbose=False, progress=progress.append)
    return Built(delivery, warehouse, result, progress)


@cache
def staging_project() -> Path:
    """A copy of the project with only its staging layer (models/staging, its dbt tests, every
    macro and seed): builds in a few seconds, and its own dbt tests gate publication."""
    repo = Path(__file__).resolve().parents[2]
    project = _ROOT / "staging-project"
    (project / "models").mkdir(parents=True)
    (project / "tests" / "dbt").mkdir(parents=True)
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(repo / name, project / name)
    for folder in ("macros", "seeds", "models/staging", "tests/dbt/staging"):
        shutil.copytree(repo / folder, project / folder)
    return project
