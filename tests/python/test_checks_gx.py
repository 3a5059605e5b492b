"""The Great Expectations gate (`medfin check`, medfin.checks.run_checks).

Every check passes on a clean tiny build; each check is made to fail on purpose on a tampered copy
of the warehouse (one wrong row), with the right severity and exit code; results are appended to
quality.check_results run after run; the quality report is self-contained; no network is used.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from medfin.checks import CheckError, CheckResult, CheckRun, record_results, write_report
from medfin.checks import run_checks as run_only
from medfin.checks.catalogue import current_rows
from medfin.checks.gx_compat import keep_duckdb_connection_open
from medfin.checks.gx_runner import CHECKED_BY
from medfin.checks.suites import (
    META_KEYS,
    SuiteError,
    is_count_column,
    load_suite,
    load_suites,
    parameters,
)
from medfin.cli import app
from warehouses import built

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def run_checks(warehouse: Path, report_dir: Path, **kwargs: Any) -> CheckRun:
    """What `medfin check` does: run the suites, then write the report of the returned run."""
    run = run_only(warehouse, report_dir, **kwargs)
    write_report(run)
    return run


# --------------------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def clean_warehouse() -> Path:
    return built("none").warehouse


@pytest.fixture
def warehouse(clean_warehouse: Path, tmp_path: Path) -> Path:
    """A private copy of the clean tiny warehouse (tests append to and tamper with it)."""
    copy = tmp_path / "medfin.duckdb"
    shutil.copyfile(clean_warehouse, copy)
    return copy


def execute(warehouse: Path, *statements: str) -> None:
    with duckdb.connect(str(warehouse)) as con:
        for statement in statements:
            con.execute(statement)


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def run_ids(warehouse: Path) -> set[str]:
    return {r[0] for r in query(warehouse, "select distinct run_id from quality.check_results")}


def gx_rows(warehouse: Path, before: set[str]) -> list[dict[str, Any]]:
    """The rows Great Expectations recorded in runs whose id is not in `before` (the build of
    the tiny warehouse already recorded its own checks, GX ones included)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(
            "select * from quality.check_results where checked_by = ? order by run_at, check_name",
            [CHECKED_BY],
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return [r for r in rows if r["run_id"] not in before]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Refuse (and record) every IP connection attempt; unix sockets stay allowed."""
    attempts: list[object] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded(real: Any) -> Any:
        def connect(self: socket.socket, address: Any) -> Any:
            if self.family in (socket.AF_INET, socket.AF_INET6):
                attempts.append(address)
                raise OSError(f"test refuses a network connection to {address}")
            return real(self, address)

        return connect

    monkeypatch.setattr(socket.socket, "connect", guarded(real_connect))
    monkeypatch.setattr(socket.socket, "connect_ex", guarded(real_connect_ex))
    return attempts


# --------------------------------------------------------------------------- GX on DuckDB
def test_gx_reads_duckdb_results_pass_passes_and_fail_fails(tmp_path: Path) -> None:
    """With one connection kept open, a must-pass expectation passes and a must-fail one fails
    on exactly the planted row (without it every expectation fails on an empty result)."""
    import great_expectations.expectations as gxe

    from medfin.checks.gx_compat import close_datasource, duckdb_url, gx_context

    db = tmp_path / "tiny.duckdb"
    execute(
        db,
        "create schema x",
        "create table x.t as select * from (values (1, 'a'), (2, 'b'), (3, 'c')) v(n, code)",
    )
    keep_duckdb_connection_open()
    keep_duckdb_connection_open()  # idempotent
    from great_expectations.execution_engine import sqlalchemy_execution_engine as module

    assert sum(d == "duckdb" for d in module._PERSISTED_CONNECTION_DIALECTS) == 1

    context = gx_context(tmp_path / "docs")
    datasource = context.data_sources.add_sql(name="t", connection_string=duckdb_url(db))
    try:
        asset = datasource.add_query_asset(name="t", query="select * from x.t")
        batch = asset.add_batch_definition_whole_table("all").get_batch()
        must_pass = batch.validate(gxe.ExpectColumnValuesToNotBeNull(column="n"))
        must_fail = batch.validate(gxe.ExpectColumnValuesToBeInSet(column="n", value_set=[1, 2]))
    finally:
        close_datasource(datasource)
    assert must_pass.success is True
    assert must_pass.result["element_count"] == 3
    assert must_fail.success is False
    assert must_fail.result["unexpected_count"] == 1
    assert must_fail.result["partial_unexpected_list"] == [3]


def test_without_the_fix_gx_fails_everything_on_duckdb(tmp_path: Path) -> None:
    """Documents the bug the fix works around (run in a fresh interpreter, unpatched): a
    not-null expectation on a column without nulls fails with an empty result. When GX fixes
    this, the test fails and keep_duckdb_connection_open can go."""
    db = tmp_path / "tiny.duckdb"
    execute(db, "create table t as select 1 as n")
    script = textwrap.dedent(f"""
        import json, os
        os.environ["GX_ANALYTICS_ENABLED"] = "false"
        import great_expectations as gx
        import great_expectations.expectations as gxe
        context = gx.get_context(mode="ephemeral")
        ds = context.data_sources.add_sql(name="t", connection_string="duckdb:///{db}")
        batch = ds.add_query_asset(name="t", query="select * from t") \\
            .add_batch_definition_whole_table("all").get_batch()
        r = batch.validate(gxe.ExpectColumnValuesToNotBeNull(column="n"))
        print(json.dumps({{"success": r.success, "result": r.result}}))
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome == {"success": False, "result": {}}


def test_fix_refuses_changed_gx_internals(monkeypatch: pytest.MonkeyPatch) -> None:
    from great_expectations.execution_engine import sqlalchemy_execution_engine as module

    monkeypatch.delattr(module, "_PERSISTED_CONNECTION_DIALECTS")
    with pytest.raises(CheckError, match="_PERSISTED_CONNECTION_DIALECTS"):
        keep_duckdb_connection_open()


# --------------------------------------------------------------------------- the suites
def _catalogue(repo_root: Path) -> dict[str, dict[str, str]]:
    return current_rows(repo_root / "seeds" / "check_catalogue.csv")


def _suite_checks(repo_root: Path) -> set[str]:
    """The catalogue checks the suites express (their own, and quality-mart checks)."""
    return {
        e["meta"]["check_name"]
        for suite in load_suites(repo_root / "expectations")
        for e in suite.expectations
    }


def test_suites_agree_with_the_check_catalogue(repo_root: Path) -> None:
    """Each expectation names a catalogue row and writes none of its attributes; an expectation of
    a quality-mart check examines the catalogue's relation (and, for a boolean check, its column),
    so the suite is checked against the one definition."""
    catalogue = _catalogue(repo_root)
    own = {name for name, row in catalogue.items() if row["checked_by"] == CHECKED_BY}
    used: set[str] = set()
    for suite in load_suites(repo_root / "expectations"):
        assert suite.path.stem == suite.name
        for expectation in suite.expectations:
            meta = expectation["meta"]
            row = catalogue[meta["check_name"]]
            used.add(meta["check_name"])
            assert set(meta) == set(META_KEYS), (suite.name, meta)
            assert "severity" not in expectation  # GX's severity is the catalogue's, at run time
            assert row["checked_by"] in (CHECKED_BY, "quality_mart")
            if row["checked_by"] == CHECKED_BY:
                assert expectation["type"] == row["check_kind"], meta["check_name"]
            else:
                assert suite.table == f"quality.{row['relation']}", meta["check_name"]
            if row["check_kind"] == "rows_not_true":
                assert expectation["kwargs"] == {"column": row["column_name"], "value_set": [True]}
            if row["relation"] and row["column_name"] and row["checked_by"] == CHECKED_BY:
                assert suite.table and suite.table.endswith("." + row["relation"])
                assert expectation["kwargs"]["column"] == row["column_name"]
            for parameter in parameters(expectation):
                # a threshold is a parameter, never a literal in the suite
                assert parameter in suite.value_sets or parameter.startswith(meta["check_name"])
    assert own <= used  # every Great Expectations check of the catalogue is in a suite


def test_a_suite_that_repeats_the_catalogue_is_refused(tmp_path: Path, repo_root: Path) -> None:
    good = json.loads(
        (repo_root / "expectations" / "quality_contact_completeness.json").read_text("utf-8")
    )
    for copied in ({"meta": {"severity": "error"}}, {"severity": "critical"}):
        suite = json.loads(json.dumps(good))
        expectation = suite["expectations"][0]
        expectation["meta"].update(copied.get("meta", {}))
        expectation.update({k: v for k, v in copied.items() if k != "meta"})
        (tmp_path / "s.json").write_text(json.dumps(suite), encoding="utf-8")
        with pytest.raises(SuiteError, match=re.escape("seeds/check_catalogue.csv")):
            load_suite(tmp_path / "s.json")


def test_thresholds_are_parameters_not_literals(repo_root: Path) -> None:
    suite = load_suite(repo_root / "expectations" / "quality_contact_completeness.json")
    # the audited level (warning) and the material level (error), both from the catalogue
    assert [e["kwargs"]["max_value"] for e in suite.expectations] == [
        {"$PARAMETER": "contacts_not_found_share__threshold_share"},
        {"$PARAMETER": "contacts_not_found_material__threshold_share"},
    ]
    bounds = load_suite(repo_root / "expectations" / "finance_co_financing_per_citizen.json")
    between = [e for e in bounds.expectations if e["type"] == "expect_column_values_to_be_between"]
    assert between[0]["kwargs"]["min_value"] == {
        "$PARAMETER": "gx_co_financing_per_citizen_bounds__lower_bound"
    }


def test_malformed_suites_are_refused(tmp_path: Path, repo_root: Path) -> None:
    good = json.loads(
        (repo_root / "expectations" / "finance_co_financing_per_citizen.json").read_text(
            encoding="utf-8"
        )
    )
    no_meta = {k: v for k, v in good.items() if k != "meta"}
    (tmp_path / "a.json").write_text(json.dumps(no_meta), encoding="utf-8")
    with pytest.raises(SuiteError, match="missing `meta`"):
        load_suite(tmp_path / "a.json")
    unknown = json.loads(json.dumps(good))
    unknown["expectations"][1]["kwargs"]["max_value"] = {"$PARAMETER": "max rows"}
    (tmp_path / "b.json").write_text(json.dumps(unknown), encoding="utf-8")
    with pytest.raises(SuiteError, match=r"unknown \$PARAMETER"):
        load_suite(tmp_path / "b.json")
    no_check = json.loads(json.dumps(good))
    del no_check["expectations"][0]["meta"]["check_name"]
    (tmp_path / "c.json").write_text(json.dumps(no_check), encoding="utf-8")
    with pytest.raises(SuiteError, match="lacks meta check_name"):
        load_suite(tmp_path / "c.json")


# --------------------------------------------------------------------------- clean build
def test_clean_build_passes_records_and_reports(
    warehouse: Path, tmp_path: Path, no_network: list[object], repo_root: Path
) -> None:
    report_dir = tmp_path / "checks"
    before = run_ids(warehouse)
    (build_run,) = before  # the build recorded its dbt tests, mart checks and GX suites
    run = run_checks(warehouse, report_dir)

    statuses = {(r.check_name, r.scope): r.status for r in run.results}
    problems = {k: s for k, s in statuses.items() if s not in ("passed", "not_applicable")}
    assert problems == {}, [(o.result.scope, o.detail) for o in run.outcomes]
    # every suite applies: reporting.data_package is published (discretion applied)
    assert {k for k, s in statuses.items() if s == "not_applicable"} == set()
    (small,) = [r for r in run.results if r.check_name == "gx_small_numbers_suppressed"]
    (long_rows,) = query(
        warehouse,
        "select count(*) from reporting.data_package where measure = 'count' and unit <> 'kroner'",
    )
    assert small.denominator_rows == long_rows[0] + _wide_count_cells(warehouse, repo_root)
    assert run.ok and run.blocking == []
    checks = {r.check_name for r in run.results}
    assert checks == _suite_checks(repo_root)
    # severity, level, category and context of every result are the catalogue's
    catalogue = _catalogue(repo_root)
    for r in run.results:
        row = catalogue[r.check_name]
        assert (r.severity, r.check_level, r.category, r.context) == (
            row["severity"],
            row["check_level"],
            row["category"],
            row["context"],
        )
    passed = [r for r in run.results if r.status == "passed"]
    assert all(r.violating_rows == 0 and r.denominator_rows for r in passed)
    assert no_network == []

    manifest = json.loads((built("none").delivery / "manifest.json").read_text(encoding="utf-8"))
    assert run.delivery_id == manifest["delivery_id"]
    # the report lists the build run's own rows (dbt tests, quality marts) besides GX's
    assert run.earlier_run_id == build_run
    assert {r.checked_by for r in run.earlier} == {"dbt_test", "quality_mart", "publication"}
    assert build_run in run.report.read_text(encoding="utf-8")

    rows = gx_rows(warehouse, before)
    assert run.recorded == len(rows) == len(run.outcomes)
    assert {r["run_id"] for r in rows} == {run.run_id}
    assert {r["delivery_id"] for r in rows} == {manifest["delivery_id"]}
    assert {r["status"] for r in rows} == {"passed"}

    assert run.report == report_dir / "quality-report.html"
    assert run.report.is_file()
    assert run.data_docs_index == report_dir / "data_docs" / "index.html"
    validations = {p.name for p in (report_dir / "data_docs" / "validations").iterdir()}
    assert "finance_co_financing_per_citizen" in validations
    assert "reporting_small_numbers" in validations


def test_delivery_from_the_audit_without_history(warehouse: Path, tmp_path: Path) -> None:
    execute(warehouse, "delete from quality.check_results")
    run = run_only(warehouse, tmp_path / "r")
    # the runner returns data; the report is the caller's to write
    assert not run.report.exists()
    assert (tmp_path / "r" / "data_docs" / "index.html").is_file()
    manifest = json.loads((built("none").delivery / "manifest.json").read_text(encoding="utf-8"))
    assert run.delivery_id == manifest["delivery_id"]
    assert run.earlier == ()
    assert run.earlier_run_id is None


def test_default_report_dir_is_next_to_the_warehouse(warehouse: Path) -> None:
    result = runner.invoke(app, ["check", "--warehouse", str(warehouse)])
    assert result.exit_code == 0, result.output
    folder = warehouse.with_name("medfin.checks")
    assert (folder / "quality-report.html").is_file()
    assert (folder / "data_docs" / "index.html").is_file()
    assert "gx_finance_codes_valid" in result.output
    assert "passed" in result.output


# --------------------------------------------------------------------------- failing on purpose
def _first(table: str, keys: str, where: str = "true") -> str:
    return f"({keys}) in (select {keys} from {table} where {where} order by {keys} limit 1)"


# The wide-table tests below replace the published long table with one wide table of their own.
# Drop every reporting model, so that only the wide table a test plants is checked.
WIDE_REPORTING_ONLY = [
    f"drop table reporting.{model.stem}"
    for model in sorted((REPO / "models" / "marts" / "reporting").glob("*.sql"))
]


def _wide_count_cells(warehouse: Path, repo_root: Path) -> int:
    """Cells of the count columns of the reporting tables other than data_package (the suite's
    own definition of a count column), which the small-number check reads besides it."""
    suite = load_suite(repo_root / "expectations" / "reporting_small_numbers.json")
    columns = query(
        warehouse,
        "select table_name, column_name, data_type from information_schema.columns"
        " where table_schema = 'reporting' and table_name <> 'data_package'",
    )
    cells = 0
    for table, column, data_type in columns:
        if is_count_column(column, data_type, suite.count_columns):
            cells += query(warehouse, f"select count(*) from reporting.{table}")[0][0]
    return cells


TAMPERED = {
    "one_booked_krone_too_many": (
        [
            "update quality.full_financing_reconciliation"
            " set booked_total_dkk = booked_total_dkk + 1, difference_dkk = difference_dkk + 1,"
            " is_reconciled = false where "
            + _first(
                "quality.full_financing_reconciliation",
                "region_code, activity_year, category",
                "difference_dkk = 0",
            )
        ],
        [("full_financing_reconciled", "quality.full_financing_reconciliation.is_reconciled")],
        "error",
        1,
    ),
    "co_financing_booked_difference": (
        [
            "update quality.co_financing_settlement"
            " set booked_dkk = booked_dkk + 1, booked_difference_dkk = 1, is_reconciled = false"
            " where "
            + _first(
                "quality.co_financing_settlement",
                "region_code, activity_year",
                "booked_difference_dkk is not null",
            )
        ],
        [("co_financing_bookings_reconciled", "quality.co_financing_settlement.is_reconciled")],
        "error",
        1,
    ),
    "municipality_code_999": (
        [
            "update finance.co_financing_by_municipality_month set municipality_code = 999"
            " where rowid = (select min(rowid) from finance.co_financing_by_municipality_month)"
        ],
        [
            (
                "gx_finance_codes_valid",
                "finance.co_financing_by_municipality_month.municipality_code",
            )
        ],
        "error",
        1,
    ),
    "unknown_category": (
        [
            "update finance.full_financing_by_municipality_month set category = 'unknown'"
            " where rowid = (select min(rowid) from finance.full_financing_by_municipality_month)"
        ],
        [("gx_finance_codes_valid", "finance.full_financing_by_municipality_month.category")],
        "error",
        1,
    ),
    "per_citizen_far_above_bound": (
        [
            "update finance.co_financing_per_citizen set total_per_citizen_dkk = 250000"
            " where "
            + _first(
                "finance.co_financing_per_citizen",
                "municipality_code, activity_year",
                "population > 0",
            )
        ],
        [
            (
                "gx_co_financing_per_citizen_bounds",
                "finance.co_financing_per_citizen.total_per_citizen_dkk",
            )
        ],
        "warning",
        0,
    ),
    "one_contact_not_found": (
        [
            "update quality.contact_completeness set found_in_drg = found_in_drg - 1,"
            " not_found = not_found + 1,"
            " not_found_share = (not_found + 1) / contacts_in_region_records where "
            + _first(
                "quality.contact_completeness",
                "region_code, activity_year, activity_month",
                "found_in_drg > 0",
            )
        ],
        [("contacts_not_found_share", "quality.contact_completeness.not_found_share")],
        "warning",
        0,
    ),
    "small_number_published_in_data_package": (
        [
            "update reporting.data_package set value = 3 where table_id = '4b'"
            " and measure = 'count' and geo_code = '727' and breakdown_value = 'general_practice'",
        ],
        [("gx_small_numbers_suppressed", "reporting.* (count columns)")],
        "error",
        1,
    ),
    "small_number_published": (
        [
            *WIDE_REPORTING_ONLY,
            "create table reporting.contacts_by_municipality (municipality_code integer,"
            " activity_year integer, patients bigint, contacts bigint, per_1000 double)",
            "insert into reporting.contacts_by_municipality values"
            " (101, 2021, -1, 12, 0.5), (147, 2021, 3, 40, 1.5), (151, 2021, 0, 0, 0.0)",
        ],
        [("gx_small_numbers_suppressed", "reporting.* (count columns)")],
        "error",
        1,
    ),
}


@pytest.mark.parametrize("case", sorted(TAMPERED))
def test_check_fails_on_purpose(case: str, warehouse: Path, tmp_path: Path) -> None:
    statements, failing, severity, exit_code = TAMPERED[case]
    execute(warehouse, *statements)
    before = run_ids(warehouse)

    result = runner.invoke(
        app, ["check", "--warehouse", str(warehouse), "--report-dir", str(tmp_path / "r")]
    )

    assert result.exit_code == exit_code, result.output
    rows = gx_rows(warehouse, before)
    assert len({r["run_id"] for r in rows}) == 1
    failed = sorted((r["check_name"], r["scope"]) for r in rows if r["status"] == "failed")
    assert failed == sorted(failing)
    others = {r["status"] for r in rows if r["status"] != "failed"}
    assert others <= {"passed", "not_applicable"}
    for row in rows:
        if row["status"] == "failed":
            assert row["severity"] == severity
            assert row["violating_rows"] == 1
            assert row["violating_share"] == pytest.approx(1 / row["denominator_rows"])
    check_name = failing[0][0]
    assert check_name in result.output
    if exit_code:
        # names the check and where to look
        where = next(r["where_to_look"] for r in rows if r["status"] == "failed")
        assert f"{severity} check failed: {check_name}" in " ".join(result.output.split())
        assert where.split(" ")[0] in " ".join(result.output.split())


def test_small_numbers_pass_when_suppressed(warehouse: Path, tmp_path: Path) -> None:
    execute(
        warehouse,
        *WIDE_REPORTING_ONLY,
        "create table reporting.patients_by_age (municipality_code integer, activity_year"
        " integer, age_group varchar, patients bigint, courses integer, per_1000 double)",
        "insert into reporting.patients_by_age values"
        " (101, 2021, '0-2', -1, 0, 0.1), (101, 2021, '3-5', 5, -1, 2.5),"
        " (147, 2021, '0-2', 0, 17, 0.0)",
    )
    run = run_checks(warehouse, tmp_path / "r")
    (small,) = [r for r in run.results if r.check_name == "gx_small_numbers_suppressed"]
    assert small.status == "passed"
    assert small.denominator_rows == 6  # patients and courses; codes, years and rates are no counts
    assert small.violating_rows == 0


def test_a_month_outside_the_delivered_period_is_not_judged(
    warehouse: Path, tmp_path: Path
) -> None:
    """A month after the delivered period holds only a tail of contacts (courses that run on):
    listed in quality.contact_completeness, not judged by the completeness checks. Judged, the
    same month stops publication."""
    execute(
        warehouse,
        "insert into quality.contact_completeness select region_code, max(activity_year) + 1, 1,"
        " 10, 0, 10, 1.0, false from quality.contact_completeness group by region_code"
        " order by region_code limit 1",
    )
    run = run_checks(warehouse, tmp_path / "outside")
    judged = {r.check_name: r.status for r in run.results if r.check_name.startswith("contacts_")}
    assert judged == {"contacts_not_found_share": "passed", "contacts_not_found_material": "passed"}
    execute(
        warehouse,
        "update quality.contact_completeness set in_delivery_period = true"
        " where not_found_share = 1",
    )
    run = run_checks(warehouse, tmp_path / "inside")
    judged = {r.check_name: r.status for r in run.results if r.check_name.startswith("contacts_")}
    assert judged == {"contacts_not_found_share": "failed", "contacts_not_found_material": "failed"}


def test_failed_small_number_points_at_the_cell(warehouse: Path, tmp_path: Path) -> None:
    execute(warehouse, *TAMPERED["small_number_published"][0])
    run = run_checks(warehouse, tmp_path / "r")
    (small,) = [o for o in run.outcomes if o.result.check_name == "gx_small_numbers_suppressed"]
    assert small.result.status == "failed"
    assert small.result.denominator_rows == 6
    assert small.result.where_to_look is not None
    assert small.result.where_to_look.startswith("reporting.contacts_by_municipality.patients:")
    assert "value=3" in small.detail


def test_missing_table_or_threshold_is_an_error_not_a_pass(warehouse: Path, tmp_path: Path) -> None:
    execute(
        warehouse,
        "drop table quality.co_financing_settlement",
        "delete from seeds.check_catalogue where check_name = 'gx_co_financing_per_citizen_bounds'",
    )
    run = run_checks(warehouse, tmp_path / "r")
    errors = {
        (o.result.check_name, o.result.scope): o.detail
        for o in run.outcomes
        if o.result.status == "error"
    }
    assert set(errors) == {
        ("co_financing_bookings_reconciled", "quality.co_financing_settlement.is_reconciled"),
        (
            "gx_co_financing_per_citizen_bounds",
            "finance.co_financing_per_citizen.total_per_citizen_dkk",
        ),
    }
    assert (
        "does not exist"
        in errors[
            ("co_financing_bookings_reconciled", "quality.co_financing_settlement.is_reconciled")
        ]
    )
    assert (
        "seeds.check_catalogue has no row for gx_co_financing_per_citizen_bounds"
        in errors[
            (
                "gx_co_financing_per_citizen_bounds",
                "finance.co_financing_per_citizen.total_per_citizen_dkk",
            )
        ]
    )
    assert not run.ok  # an error check that could not run blocks publication
    # a check without a catalogue row blocks too: its severity is unknown, never guessed
    assert sorted(r.check_name for r in run.blocking) == [
        "co_financing_bookings_reconciled",
        "gx_co_financing_per_citizen_bounds",
    ]
    # the rest still ran (every suite applies to this warehouse, reporting_small_numbers included)
    assert sum(r.status == "passed" for r in run.results) == len(run.results) - 2


# --------------------------------------------------------------------------- history and report
def test_runs_append_history_and_report_lists_the_build_rows(
    warehouse: Path, tmp_path: Path
) -> None:
    build_row = CheckResult(
        run_id="build-20210301T000000",
        run_at=datetime(2021, 3, 1),
        delivery_id="RM-2021-03",
        checked_by="dbt_test",
        check_name="dbt_test",
        check_level="column",
        category="conformance",
        context="verification",
        severity="warning",
        scope="staging.stg_medfin__drg_contacts.sor_code",
        violating_rows=2,
        denominator_rows=9723,
        violating_share=2 / 9723,
        threshold_share=0.0,
        status="failed",
        where_to_look="staging.stg_medfin__quarantine",
    )
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from quality.check_results")
        assert record_results(con, [build_row]) == 1

    first = run_checks(warehouse, tmp_path / "r")
    second = run_checks(warehouse, tmp_path / "r")

    assert first.run_id != second.run_id
    assert first.delivery_id == second.delivery_id == "RM-2021-03"
    assert first.earlier == (build_row,)
    assert first.earlier_run_id == "build-20210301T000000"
    counts = query(
        warehouse,
        "select run_id, count(*) from quality.check_results group by run_id",
    )
    assert dict(counts) == {
        "build-20210301T000000": 1,
        first.run_id: len(first.outcomes),
        second.run_id: len(second.outcomes),
    }
    html = second.report.read_text(encoding="utf-8")
    assert "build-20210301T000000" in html
    assert "staging.stg_medfin__drg_contacts.sor_code" in html


def test_build_gate_run_id_reports_that_runs_rows(warehouse: Path, tmp_path: Path) -> None:
    rows = [
        CheckResult(
            run_id=run_id,
            run_at=datetime(2021, 3, day),
            delivery_id=f"D{day}",
            checked_by="quality_mart",
            check_name="row_conservation",
            check_level="table",
            category="completeness",
            context="verification",
            severity="fatal",
            scope="quality.row_conservation",
            violating_rows=0,
            denominator_rows=15,
            violating_share=0.0,
            threshold_share=0.0,
            status="passed",
            where_to_look="quality.row_conservation",
        )
        for run_id, day in (("older", 1), ("gate", 2), ("newest", 3))
    ]
    with duckdb.connect(str(warehouse)) as con:
        record_results(con, rows)
    before = run_ids(warehouse) - {"gate"}
    run = run_checks(warehouse, tmp_path / "r", run_id="gate")
    assert run.run_id == "gate"
    assert [r.run_id for r in run.earlier] == ["gate"]
    assert run.delivery_id == "D2"
    assert {r["run_id"] for r in gx_rows(warehouse, before)} == {"gate"}


_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//""", re.IGNORECASE)


def test_quality_report_is_self_contained(warehouse: Path, tmp_path: Path) -> None:
    execute(warehouse, *TAMPERED["municipality_code_999"][0])
    run = run_checks(warehouse, tmp_path / "r")
    html = run.report.read_text(encoding="utf-8")

    assert not _EXTERNAL.search(html)
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?\s*http", html, re.IGNORECASE)
    for forbidden in ("<script", "<link", "@import", "url(", "<img", "<iframe"):
        assert forbidden not in html.lower()
    assert html.count('class="detail"') == len(run.outcomes)
    assert "Not publishable" in html
    assert "gx_finance_codes_valid" in html and "municipality_code=999" in html
    # GX's own Data Docs do load from the internet: that is why this report exists
    docs = (tmp_path / "r" / "data_docs" / "index.html").read_text(encoding="utf-8")
    assert _EXTERNAL.search(docs)


def test_check_without_a_warehouse_fails_clearly(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", "--warehouse", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1
    assert "no warehouse" in result.output
    assert not (tmp_path / "none.duckdb").exists()
