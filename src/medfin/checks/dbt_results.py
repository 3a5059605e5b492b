"""dbt's own results as check results: every data test (and every node that failed to build) of one
`dbt build`, read from the run's `run_results.json` and `manifest.json` (dbt artifacts).

A test is catalogued under its own name in the check catalogue (seeds.check_catalogue) when it has
a row there, or under the `dbt_test` default row (level, category, context). Severity follows the
test's dbt config (`warn` -> warning), unless a catalogue row of its own says otherwise; a test
names its catalogue row with `config: meta: {check_name: ...}`, and a `medfin_catalogue_check`
test is the check it measures (its `check_name` argument).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from medfin.checks.catalogue import CatalogueRow
from medfin.checks.history import CheckResult

DEFAULT_CATALOGUE_ROW = "dbt_test"
CATALOGUE_TEST = "medfin_catalogue_check"  # macros/tests/catalogue_check.sql

# dbt status -> check status. `skipped`: an upstream node failed, so the test could not run.
_TEST_STATUS = {
    "pass": "passed",
    "fail": "failed",
    "warn": "failed",
    "error": "error",
    "skipped": "error",
}


@dataclass(frozen=True)
class DbtRun:
    """The facts of one dbt invocation the checks need."""

    invocation_id: str
    started_at: datetime
    results: list[dict[str, Any]]
    nodes: Mapping[str, Mapping[str, Any]]
    sources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def failed_nodes(self) -> list[str]:
        return [
            r["unique_id"]
            for r in self.results
            if r.get("status") in ("error", "fail")
            or (r.get("status") == "skipped" and not r["unique_id"].startswith("test."))
        ]

    @property
    def broken_nodes(self) -> list[dict[str, Any]]:
        """The results of the nodes that could not be built (models, seeds, snapshots): the
        causes. Nodes skipped because of them, and tests that failed, are not in the list."""
        return [
            r
            for r in self.results
            if r.get("status") == "error" and not r["unique_id"].startswith("test.")
        ]

    @property
    def skipped(self) -> int:
        return sum(r.get("status") == "skipped" for r in self.results)

    def raw_tables_read_by(self, unique_id: str) -> list[str]:
        """The contract tables (source medfin_raw) a node reads directly."""
        depends = (self.nodes.get(unique_id) or {}).get("depends_on", {}).get("nodes", [])
        prefix = "source.medfin.medfin_raw."
        return [d.removeprefix(prefix) for d in depends if d.startswith(prefix)]


def first_cause(message: str | None) -> str:
    """The line of a dbt error message that says what went wrong (dbt's own first line only
    names the node), at most 300 characters."""
    lines = [line.strip() for line in str(message or "").splitlines() if line.strip()]
    lines = [
        line
        for line in lines
        if not line.startswith(("Runtime Error in ", "Compilation Error in "))
    ]
    return (lines[0] if lines else "no message (see the dbt log)")[:300]


def read_run(target_path: Path) -> DbtRun:
    """Read run_results.json and manifest.json of the last dbt command in `target_path`."""
    run_results = json.loads((target_path / "run_results.json").read_text(encoding="utf-8"))
    manifest = json.loads((target_path / "manifest.json").read_text(encoding="utf-8"))
    meta = run_results["metadata"]
    started = meta.get("invocation_started_at") or meta["generated_at"]
    return DbtRun(
        invocation_id=str(meta["invocation_id"]),
        started_at=_timestamp(started),
        results=list(run_results["results"]),
        nodes=manifest["nodes"],
        sources=manifest.get("sources", {}),
    )


def _timestamp(value: str) -> datetime:
    """dbt writes UTC ISO timestamps ending in Z; stored as naive UTC (DuckDB `timestamp`)."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.astimezone(UTC).replace(tzinfo=None)


def check_results(
    run: DbtRun, catalogue: Mapping[str, CatalogueRow], delivery_id: str | None
) -> list[CheckResult]:
    """One CheckResult per data test and per model/seed that failed or was skipped."""
    default = catalogue.get(DEFAULT_CATALOGUE_ROW)
    rows: list[CheckResult] = []
    for result in run.results:
        unique_id = str(result["unique_id"])
        node = run.nodes.get(unique_id, {})
        status = str(result.get("status"))
        if unique_id.startswith("test."):
            if node.get("resource_type") == "unit_test" or unique_id.startswith("unit_test."):
                continue
            rows.append(
                _test_row(run, node, unique_id, status, result, catalogue, default, delivery_id)
            )
        elif status in ("error", "skipped"):
            rows.append(
                CheckResult(
                    run_id=run.invocation_id,
                    run_at=run.started_at,
                    delivery_id=delivery_id,
                    checked_by="dbt_build",
                    check_name=f"build {unique_id.split('.', 1)[0]} {node.get('name', unique_id)}",
                    check_level="table",
                    category="completeness",
                    context="verification",
                    severity="fatal",
                    scope=_relation(node) or unique_id,
                    violating_rows=None,
                    denominator_rows=None,
                    violating_share=None,
                    threshold_share=None,
                    status="error",
                    where_to_look=_first_line(result.get("message")) or "logs/dbt.log",
                )
            )
    return rows


def _test_row(
    run: DbtRun,
    node: Mapping[str, Any],
    unique_id: str,
    status: str,
    result: Mapping[str, Any],
    catalogue: Mapping[str, CatalogueRow],
    default: CatalogueRow | None,
    delivery_id: str | None,
) -> CheckResult:
    config = node.get("config") or {}
    name = str(node.get("name") or unique_id)
    own_name = (config.get("meta") or {}).get("check_name") or _catalogue_check(node) or name
    own = catalogue.get(own_name)
    row = own or default
    if own is not None:
        severity = own.severity
    elif str(config.get("severity", "ERROR")).lower() == "warn":
        severity = "warning"
    else:
        severity = default.severity if default else "error"
    column = node.get("column_name")
    level = row.check_level if own is not None and row else ("column" if column else "table")
    attached = run.nodes.get(str(node.get("attached_node") or ""), {})
    scope = _relation(attached) or str(node.get("attached_node") or "")
    if column:
        scope = f"{scope}.{column}"
    failures = result.get("failures")
    return CheckResult(
        run_id=run.invocation_id,
        run_at=run.started_at,
        delivery_id=delivery_id,
        checked_by="dbt_test",
        check_name=own_name,
        check_level=level,
        category=row.category if row else None,
        context=row.context if row else None,
        severity=severity,
        scope=scope or None,
        violating_rows=int(failures) if isinstance(failures, int) else None,
        denominator_rows=None,
        violating_share=None,
        threshold_share=row.threshold_share if row else 0.0,
        status=_TEST_STATUS.get(status, "error"),
        where_to_look=f"{scope or 'the model'}; rerun with `dbt test --select {name}`",
    )


def _catalogue_check(node: Mapping[str, Any]) -> str | None:
    """The check a `medfin_catalogue_check` test measures (its check_name argument)."""
    metadata = node.get("test_metadata") or {}
    if metadata.get("name") != CATALOGUE_TEST:
        return None
    name = (metadata.get("kwargs") or {}).get("check_name")
    return str(name) if name else None


def _relation(node: Mapping[str, Any]) -> str | None:
    schema, name = node.get("schema"), node.get("alias") or node.get("name")
    return f"{schema}.{name}" if schema and name else None


def _first_line(message: object) -> str | None:
    text = str(message or "").strip()
    return text.splitlines()[0][:300] if text else None
