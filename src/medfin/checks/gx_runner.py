"""Run the expectation suites (`expectations/`) against a built warehouse with Great Expectations.

`run_checks(warehouse)` reads the check catalogue (seeds.check_catalogue) and the reference sets
the suites need, validates every suite through GX's SQL datasource (DuckDB via duckdb-engine, an
ephemeral GX context: no project folder, analytics off, no network), writes GX's Data Docs,
appends one row per expectation to quality.check_results and returns a `CheckRun` (results.py).
The caller writes medfin's own report from it (`report.write_report`):

    <warehouse stem>.checks/data_docs/index.html     GX Data Docs (styled from CDNs, so unstyled
                                                     offline)
    <warehouse stem>.checks/quality-report.html      every check result, one file, no network

Each expectation names its check in the catalogue, whose row gives severity, level, category,
context and thresholds (a suite carries none of them). A check that cannot run (its table is
missing, its catalogue row is missing, GX raised) is recorded with status `error`; a fatal or error
check that failed or errored blocks publication (`CheckRun.ok`).
"""

from __future__ import annotations

import copy
import gc
import os
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from medfin.checks import catalogue
from medfin.checks.catalogue import CatalogueRow
from medfin.checks.gx_compat import (
    DATA_DOCS_SITE,
    close_datasource,
    duckdb_url,
    gx_context,
    keep_duckdb_connection_open,
)
from medfin.checks.history import (
    CHECK_RESULTS,
    CHECK_RESULTS_COLUMNS,
    CheckResult,
    record_results,
)
from medfin.checks.results import CheckError, CheckRun, Outcome, default_report_dir, new_run_id
from medfin.checks.suites import (
    Suite,
    is_count_column,
    is_long_table,
    load_suites,
    parameters,
    seed_parameter,
)
from medfin.sqltext import identifier, literal

CHECKED_BY = "great_expectations"
DELIVERY_AUDIT = "staging.stg_medfin_build__delivery_audit"
DATA_DOCS_FOLDER = "data_docs"
# GX's own severity of an expectation, from the catalogue's (never written in a suite).
GX_SEVERITY = {"fatal": "critical", "error": "critical", "warning": "warning"}

__all__ = ["CHECKED_BY", "CheckError", "CheckRun", "Outcome", "run_checks"]


# --------------------------------------------------------------------------- the warehouse
@contextmanager
def _connect(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    try:
        con = duckdb.connect(str(warehouse))
    except duckdb.Error as exc:
        raise CheckError(f"cannot open the warehouse {warehouse}: {exc}") from None
    try:
        yield con
    finally:
        con.close()


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    """schema.table -> [(column, data type)] for every table and view of the warehouse."""
    rows = con.execute(
        "select schema_name || '.' || table_name, column_name, data_type from duckdb_columns()"
        " where database_name = current_database() and not internal"
        " order by schema_name, table_name, column_index"
    ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, data_type))
    return tables


def _earlier(
    con: duckdb.DuckDBPyConnection, tables: Mapping[str, Any], run_id: str | None
) -> tuple[str | None, list[CheckResult]]:
    """The rows of this run already recorded (run_id given) or of the latest build run."""
    if CHECK_RESULTS not in tables:
        return None, []
    recorded = {c for c, _ in tables[CHECK_RESULTS]}
    if not set(CHECK_RESULTS_COLUMNS) <= recorded:
        return None, []
    if run_id is None:
        latest = con.execute(
            f"select run_id from {CHECK_RESULTS} where checked_by <> ?"
            " order by run_at desc limit 1",
            [CHECKED_BY],
        ).fetchone()
        if latest is None:
            return None, []
        run_id = str(latest[0])
    order = "case severity when 'fatal' then 0 when 'error' then 1 else 2 end, status, check_name"
    rows = con.execute(
        f"select {', '.join(CHECK_RESULTS_COLUMNS)} from {CHECK_RESULTS}"
        f" where run_id = ? and checked_by <> ? order by {order}",
        [run_id, CHECKED_BY],
    ).fetchall()
    return run_id, [CheckResult(*row) for row in rows]


def _audited_delivery(con: duckdb.DuckDBPyConnection, tables: Mapping[str, Any]) -> str | None:
    """The delivery id the build recorded in its delivery audit (a view over a file in the
    build's work folder; None when that file is gone)."""
    if DELIVERY_AUDIT not in tables:
        return None
    try:
        row = con.execute(
            f"select min(delivery_id) from {DELIVERY_AUDIT} where delivery_id is not null"
        ).fetchone()
    except duckdb.Error:
        return None
    return str(row[0]) if row and row[0] is not None else None


# --------------------------------------------------------------------------- planning
@dataclass
class _Planned:
    """One expectation of a suite: run by GX (status None) or decided without it."""

    suite: Suite
    index: int
    expectation: dict[str, Any]
    status: str | None = None
    detail: str = ""
    violating: int | None = None
    denominator: int | None = None
    gx_result: Any = None


@dataclass
class _SuitePlan:
    suite: Suite
    query: str | None
    parameters: dict[str, Any]
    items: list[_Planned]


def _plan(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    tables: Mapping[str, list[tuple[str, str]]],
    thresholds: Mapping[str, CatalogueRow],
    on: date,
) -> _SuitePlan:
    items = [_Planned(suite, i, e) for i, e in enumerate(suite.expectations)]
    plan = _SuitePlan(suite, None, {}, items)

    def decide(status: str, detail: str, denominator: int | None = None) -> _SuitePlan:
        for item in items:
            if item.status is None:
                item.status, item.detail, item.denominator = status, detail, denominator
        return plan

    if suite.batch == "count_cells":
        in_schema = {t: c for t, c in tables.items() if t.split(".")[0] == suite.schema}
        if not in_schema:
            return decide("not_applicable", f"no table in schema {suite.schema} yet", 0)
        long_format = suite.long_format
        long_tables = [t for t, columns in in_schema.items() if is_long_table(columns, long_format)]
        cells = [
            (table, column)
            for table, columns in in_schema.items()
            if table not in long_tables
            for column, data_type in columns
            if is_count_column(column, data_type, suite.count_columns)
        ]
        if not cells and not long_tables:
            return decide("not_applicable", f"no count column in schema {suite.schema}", 0)

        def relation(table: str) -> str:
            return ".".join(identifier(part) for part in table.split(".", 1))

        # Wide tables: one row per cell of every count column. Long tables: one row per count row,
        # its scope naming the table and the row's labels (e.g. reporting.data_package 6a count).
        selects = [
            f"select {literal(f'{table}.{column}')} as scope,"
            f" cast({identifier(column)} as bigint) as value from {relation(table)}"
            for table, column in cells
        ]
        for table in long_tables:
            labels = ", ".join(
                f"cast({identifier(c)} as varchar)" for c in long_format["label_columns"]
            )
            value = identifier(long_format["value_column"])
            selects.append(
                f"select {literal(table + ' ')} || concat_ws(' ', {labels}) as scope,"
                f" cast({value} as bigint) as value from {relation(table)}"
                f" where {long_format['count_rows']}"
            )
        plan.query = "\nunion all\n".join(selects)
    elif suite.batch is not None:
        return decide("error", f"unknown batch kind {suite.batch!r} in {suite.path.name}")
    else:
        if suite.table not in tables:
            return decide("error", f"table {suite.table} does not exist in the warehouse")
        plan.query = suite.batch_query()

    for item in items:
        check = str(item.expectation["meta"]["check_name"])
        row = thresholds.get(check)
        if row is None:
            item.status = "error"
            item.detail = f"{catalogue.TABLE} has no row for {check} valid on {on}"
            continue
        item.expectation = {**item.expectation, "severity": GX_SEVERITY[row.severity]}
        for name in parameters(item.expectation):
            try:
                plan.parameters[name] = _parameter(con, suite, name, thresholds, on)
            except LookupError as exc:
                item.status, item.detail = "error", str(exc)
    return plan


def _parameter(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    name: str,
    thresholds: Mapping[str, CatalogueRow],
    on: date,
) -> Any:
    if name in suite.value_sets:
        value_set = suite.value_sets[name]
        try:
            values = [_plain(r[0]) for r in con.execute(value_set.sql()).fetchall()]
        except duckdb.Error as exc:
            raise LookupError(f"value set {name}: {exc}") from None
        if not values:
            raise LookupError(f"value set {name}: {value_set.table}.{value_set.column} is empty")
        return values
    parsed = seed_parameter(name)
    if parsed is None:  # load_suite refuses such suites; kept for a suite built in code
        raise LookupError(f"unknown $PARAMETER {name}")
    check, field = parsed
    row = thresholds.get(check)
    if row is None:
        raise LookupError(f"{catalogue.TABLE} has no row for {check} valid on {on}")
    if field == "threshold_share":
        return float(row.threshold_share or 0.0)  # empty = 0 (the seed's documentation)
    lower, upper = row.lower_bound, row.upper_bound
    if field == "values":
        if lower is None or upper is None:
            raise LookupError(f"{catalogue.TABLE} row {check} needs lower_bound and upper_bound")
        return list(range(int(lower), int(upper) + 1))
    value = lower if field == "lower_bound" else upper
    if value is None:
        raise LookupError(f"{catalogue.TABLE} row {check} has no {field}")
    return float(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


# --------------------------------------------------------------------------- running GX
def _run_gx(
    warehouse: Path,
    plans: Sequence[_SuitePlan],
    docs_dir: Path,
    run_id: str,
    run_at: datetime,
) -> Path | None:
    """Validate every runnable expectation; fill `gx_result` (or an error) on each item."""
    runnable = [p for p in plans if any(item.status is None for item in p.items)]
    keep_duckdb_connection_open()
    if docs_dir.exists():
        shutil.rmtree(docs_dir)
    context = gx_context(docs_dir)

    import great_expectations as gx
    from great_expectations.core.expectation_suite import expectationSuiteSchema
    from great_expectations.core.run_identifier import RunIdentifier

    datasource = None
    try:
        datasource = context.data_sources.add_sql(
            name="warehouse", connection_string=duckdb_url(warehouse)
        )
        for plan in runnable:
            items = [item for item in plan.items if item.status is None]
            raw = copy.deepcopy(plan.suite.raw)
            raw["expectations"] = [copy.deepcopy(item.expectation) for item in items]
            raw.pop("id", None)
            try:
                suite = context.suites.add(gx.ExpectationSuite(**expectationSuiteSchema.load(raw)))
                asset = datasource.add_query_asset(name=plan.suite.name, query=plan.query)
                batch = asset.add_batch_definition_whole_table("whole table")
                validation = context.validation_definitions.add(
                    gx.ValidationDefinition(name=plan.suite.name, data=batch, suite=suite)
                )
                result_format: dict[str, Any] = {"result_format": "SUMMARY"}
                if plan.suite.index_columns:
                    result_format["unexpected_index_column_names"] = list(plan.suite.index_columns)
                validated = validation.run(
                    expectation_parameters=plan.parameters,
                    result_format=result_format,
                    run_id=RunIdentifier(run_name=run_id, run_time=run_at),
                )
            except Exception as exc:  # GX raises many kinds; the suite is recorded as `error`
                for item in items:
                    item.status, item.detail = "error", _first_line(f"{type(exc).__name__}: {exc}")
                continue
            by_id = {r.expectation_config.id: r for r in validated.results}
            for item, expectation in zip(items, suite.expectations, strict=True):
                item.gx_result = by_id.get(expectation.id)
                if item.gx_result is None:
                    item.status, item.detail = "error", "GX returned no result"
        index = context.build_data_docs(site_names=[DATA_DOCS_SITE]).get(DATA_DOCS_SITE)
    finally:
        if datasource is not None:
            close_datasource(datasource)
        del context, datasource
        gc.collect()  # frees the DuckDB database GX opened, so it can be opened again here
    index_path = docs_dir / "index.html"
    return index_path if index and index_path.exists() else None


def _first_line(text: str, limit: int = 400) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _exception_message(gx_result: Any) -> str | None:
    info = getattr(gx_result, "exception_info", None) or {}
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "GX raised an exception")
    for value in info.values():
        if isinstance(value, Mapping) and value.get("raised_exception"):
            return str(value.get("exception_message") or "GX raised an exception")
    return None


def _describe_unexpected(result: Mapping[str, Any], limit: int = 5) -> str:
    indexed = result.get("partial_unexpected_index_list") or []
    if indexed:
        shown = [", ".join(f"{k}={_plain(v)}" for k, v in row.items()) for row in indexed[:limit]]
    else:
        shown = [repr(_plain(v)) for v in (result.get("partial_unexpected_list") or [])[:limit]]
    count = result.get("unexpected_count")
    more = f" (and {count - len(shown)} more)" if count and count > len(shown) else ""
    return "; ".join(shown) + more


# --------------------------------------------------------------------------- the API
def run_checks(
    warehouse: Path,
    report_dir: Path | None = None,
    *,
    run_id: str | None = None,
    delivery_id: str | None = None,
    record: bool = True,
    suites_dir: Path | None = None,
) -> CheckRun:
    """Run every expectation suite against `warehouse`; record the results and return them.

    `run_id`: the build's run id when the build calls this as its publication gate (the report
    then also lists the rows that run already recorded); default a new id. `delivery_id`: default
    the delivery of the latest build run recorded in quality.check_results, else the one in the
    build's delivery audit (staging.stg_medfin_build__delivery_audit). `record=False` leaves
    quality.check_results untouched. GX's Data Docs go to `report_dir`/data_docs; the caller
    writes medfin's report (`report.write_report(run)`). Raises CheckError when the checks cannot
    run at all.
    """
    started = time.perf_counter()
    # Absolute, not resolved: the published name is a link into the current release, and the
    # reports belong next to the name (<stem>.checks), not inside one release.
    warehouse = Path(os.path.abspath(warehouse))
    if not warehouse.is_file():
        raise CheckError(f"no warehouse at {warehouse} (build one with `medfin build`)")
    report_dir = Path(report_dir).resolve() if report_dir else default_report_dir(warehouse)
    suites = load_suites(suites_dir)
    run_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    given_run_id = run_id
    run_id = run_id or new_run_id(run_at)
    today = run_at.date()

    with _connect(warehouse) as con:
        tables = _tables(con)
        thresholds = catalogue.read(con, today)
        earlier_run_id, earlier = _earlier(con, tables, given_run_id)
        plans = [_plan(con, suite, tables, thresholds, today) for suite in suites]
        if delivery_id is None:
            delivery_id = next((r.delivery_id for r in earlier if r.delivery_id), None)
        if delivery_id is None:
            delivery_id = _audited_delivery(con, tables)

    report_dir.mkdir(parents=True, exist_ok=True)
    docs_index = _run_gx(warehouse, plans, report_dir / DATA_DOCS_FOLDER, run_id, run_at)

    outcomes = tuple(
        _outcome(item, thresholds, run_id, run_at, delivery_id)
        for plan in plans
        for item in plan.items
    )
    recorded = 0
    if record:
        with _connect(warehouse) as con:
            recorded = record_results(con, [o.result for o in outcomes])

    return CheckRun(
        run_id=run_id,
        run_at=run_at,
        delivery_id=delivery_id,
        warehouse=warehouse,
        report_dir=report_dir,
        outcomes=outcomes,
        earlier=tuple(earlier),
        earlier_run_id=earlier_run_id,
        recorded=recorded,
        seconds=time.perf_counter() - started,
        data_docs_index=docs_index,
    )


def _outcome(
    item: _Planned,
    thresholds: Mapping[str, CatalogueRow],
    run_id: str,
    run_at: datetime,
    delivery_id: str | None,
) -> Outcome:
    meta = item.expectation.get("meta") or {}
    check_name = str(meta["check_name"])
    row_of = thresholds.get(check_name)
    status, detail = item.status, item.detail
    violating, denominator = item.violating, item.denominator
    where_to_look = str(meta.get("where_to_look") or (row_of.where_to_look if row_of else "") or "")
    if status is None:
        result = dict(item.gx_result.result or {})
        message = _exception_message(item.gx_result)
        if message is not None:
            status, detail = "error", _first_line(message)
        else:
            status = "passed" if item.gx_result.success else "failed"
            denominator = result.get("element_count")
            violating = result.get("unexpected_count")
            if violating is None and denominator is not None:
                violating = 0 if item.gx_result.success else None
            if status == "failed":
                detail = _describe_unexpected(result)
                scopes = sorted(
                    {
                        str(row["scope"])
                        for row in result.get("partial_unexpected_index_list") or []
                        if "scope" in row
                    }
                )
                if scopes:
                    where_to_look = f"{', '.join(scopes)}: {where_to_look}"
    share = violating / denominator if violating is not None and denominator else None
    row = CheckResult(
        run_id=run_id,
        run_at=run_at,
        delivery_id=delivery_id,
        checked_by=CHECKED_BY,
        check_name=check_name,
        check_level=row_of.check_level if row_of else None,
        category=row_of.category if row_of else None,
        context=row_of.context if row_of else None,
        # a check without a catalogue row is a defect of the catalogue: it blocks, never guesses
        severity=row_of.severity if row_of else "error",
        scope=item.suite.scope(item.expectation),
        violating_rows=violating,
        denominator_rows=denominator,
        violating_share=share,
        threshold_share=(row_of.threshold_share or 0.0) if row_of else None,
        status=str(status),
        where_to_look=where_to_look or None,
    )
    return Outcome(
        suite=item.suite.name,
        expectation=str(item.expectation.get("type")),
        description=str(item.expectation.get("description") or ""),
        detail=detail,
        result=row,
    )
