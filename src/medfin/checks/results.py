"""What a Great Expectations run returns: plain data, no GX and no I/O.

`gx_runner.run_checks` returns a `CheckRun`; the caller (`medfin check`, `medfin build`) prints it
and writes the quality report (`report.write_report`). Both import this module; neither imports
the other.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from medfin.checks.history import CheckResult, blocking

REPORT_FILE = "quality-report.html"


class CheckError(RuntimeError):
    """The checks could not run at all (no warehouse, file locked, GX internals changed)."""


@dataclass(frozen=True)
class Outcome:
    """One expectation's result: the recorded row plus what the report shows besides it."""

    suite: str
    expectation: str  # GX expectation type
    description: str
    detail: str
    result: CheckResult


@dataclass(frozen=True)
class CheckRun:
    run_id: str
    run_at: datetime
    delivery_id: str | None
    warehouse: Path
    report_dir: Path
    outcomes: tuple[Outcome, ...]
    earlier: tuple[CheckResult, ...]  # rows of the build run already in quality.check_results
    earlier_run_id: str | None
    recorded: int
    seconds: float
    data_docs_index: Path | None

    @property
    def results(self) -> list[CheckResult]:
        return [o.result for o in self.outcomes]

    @property
    def blocking(self) -> list[CheckResult]:
        """GX checks that stop publication: fatal/error and failed or could not run."""
        return blocking(self.results)

    @property
    def blocking_outcomes(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.result.blocks_publication]

    @property
    def ok(self) -> bool:
        return not self.blocking

    @property
    def report(self) -> Path:
        """Where `report.write_report` writes the self-contained HTML report of this run."""
        return self.report_dir / REPORT_FILE


def default_report_dir(warehouse: Path) -> Path:
    """Where the check reports of a warehouse go (Data Docs, quality report):
    `warehouse/medfin.duckdb` -> `warehouse/medfin.checks`."""
    return warehouse.with_name(f"{warehouse.stem}.checks")


def new_run_id(run_at: datetime) -> str:
    return f"{run_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
