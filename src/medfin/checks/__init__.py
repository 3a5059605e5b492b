"""Data quality: the check-result history and the Great Expectations gate (`medfin check`).

    history     quality.check_results / quality.golden_figures (kept across builds)
    suites      the expectation suites in `expectations/` (GX suite JSON + medfin meta)
    gx_runner   run_checks(): validate the warehouse with GX, record, report
    report      the terminal table and the self-contained HTML quality report

Great Expectations itself is imported only when checks run (it takes seconds to import).
"""

from __future__ import annotations

from medfin.checks.gx_runner import CheckError, CheckRun, Outcome, default_report_dir, run_checks
from medfin.checks.history import CheckResult, record_results

__all__ = [
    "CheckError",
    "CheckResult",
    "CheckRun",
    "Outcome",
    "default_report_dir",
    "record_results",
    "run_checks",
]
