"""Data quality: the check catalogue, the check-result history and the Great Expectations gate.

    catalogue    seeds/check_catalogue.csv, the one place a check is defined (severity, thresholds)
    history      quality.check_results / quality.golden_figures (kept across builds)
    dbt_results  dbt's test results as check results
    suites       the expectation suites in `expectations/` (GX suite JSON + medfin meta)
    results      what a GX run returns (CheckRun, Outcome): data only
    gx_compat    the DuckDB patch GX needs, GX's context and datasource
    gx_runner    run_checks(): validate the warehouse with GX, record, return a CheckRun
    report       the terminal table and the self-contained HTML quality report (write_report)

Great Expectations itself is imported only when checks run (it takes seconds to import).
"""

from __future__ import annotations

from medfin.checks.gx_runner import run_checks
from medfin.checks.history import CheckResult, record_results
from medfin.checks.report import write_report
from medfin.checks.results import CheckError, CheckRun, Outcome, default_report_dir

__all__ = [
    "CheckError",
    "CheckResult",
    "CheckRun",
    "Outcome",
    "default_report_dir",
    "record_results",
    "run_checks",
    "write_report",
]
