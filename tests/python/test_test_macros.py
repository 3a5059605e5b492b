"""Every generic test in macros/tests/ passes on good data and fails on bad data.

A throwaway dbt project in a temporary folder gets a copy of the repository's macros/tests/ and
macros/portable/ (the macros under test and the portable helpers they call), small seeds with good
and deliberately bad rows, and one named test per case. One `dbt build` runs all of them; each case
then checks its test's status and, where it fails, the exact number of failing rows, so a test
that fails for the wrong reason (or on the wrong rows) is caught too. The portable date spine is
checked here as well, DuckDB's `range()` implementation against dbt's own `dbt.date_spine`.
"""

from __future__ import annotations

import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from medfin.build import release_duckdb

REPO_ROOT = Path(__file__).resolve().parents[2]
MACRO_FOLDERS = ("tests", "portable")

SEEDS: dict[str, str] = {
    # labelled_code: codes of a domain in seed labels; a code of another domain is unknown too
    "labels": "domain,code\narea,somatik\narea,psykiatri\nsex,M\n",
    "coded": "id,area\n1,somatik\n2,psykiatri\n3,\n",
    "coded_bad": "id,area\n1,somatik\n2,tandlaege\n3,M\n4,M\n",
    # not_null_columns: a null in a, one in b, none in c
    "gaps": "a,b,c\n1,,x\n,2,y\n3,4,z\n",
    # equal_row_count
    "rows_a": "id\n1\n2\n3\n",
    "rows_b": "id\n10\n20\n30\n",
    "rows_c": "id\n1\n2\n3\n4\n",
    # equal_aggregate: the same totals per municipality and year, split into other rows, with other
    # column names, and with a null municipality on both sides (keys match null-safely).
    "amounts": textwrap.dedent(
        """\
        municipality_code,year,amount
        101,2021,100.00
        101,2021,50.50
        101,2022,10.00
        751,2021,7.25
        ,2021,1.00
        """
    ),
    "amounts_same": textwrap.dedent(
        """\
        kommune,aar,beloeb
        101,2021,150.50
        101,2022,4.00
        101,2022,6.00
        751,2021,7.25
        ,2021,1.00
        """
    ),
    # One cent off (101/2021), a group missing here (751/2021), a group only here (147/2021).
    "amounts_other": textwrap.dedent(
        """\
        municipality_code,year,amount
        101,2021,150.49
        101,2022,10.00
        147,2021,3.00
        ,2021,1.00
        """
    ),
    # equal_aggregate with a tolerance: every group present, one cent off in one.
    "amounts_cent_off": textwrap.dedent(
        """\
        municipality_code,year,amount
        101,2021,150.51
        101,2022,10.00
        751,2021,7.25
        ,2021,1.00
        """
    ),
    # expression_is_true
    "numbers": "id,value\n1,1\n2,2\n3,\n",
    # unique_combination_of_columns
    "pairs": "a,b\n1,1\n1,2\n2,1\n",
    # mutually_exclusive_ranges: half-open [valid_from, valid_to), empty valid_to = open
    "periods": textwrap.dedent(
        """\
        person_id,valid_from,valid_to
        p1,2021-01-01,2021-03-01
        p1,2021-03-01,
        p2,2021-01-01,2021-02-01
        p2,2021-05-01,2021-06-01
        """
    ),
    "periods_bad": textwrap.dedent(
        """\
        person_id,valid_from,valid_to
        p1,2021-01-01,2021-03-01
        p1,2021-02-01,
        p2,2021-01-01,
        p2,2021-05-01,2021-06-01
        p3,2021-03-01,2021-02-01
        p4,2021-04-01,2021-04-01
        """
    ),
    # every_month_present: region A every month of Q1 2021, region B misses February.
    "events": textwrap.dedent(
        """\
        region,event_date
        A,2021-01-15
        A,2021-02-28
        A,2021-03-01
        B,2021-01-31
        B,2021-03-31
        """
    ),
}

SEED_TYPES: dict[str, dict[str, str]] = {
    "amounts": {"municipality_code": "integer", "year": "integer", "amount": "decimal(18,2)"},
    "amounts_same": {"kommune": "integer", "aar": "integer", "beloeb": "decimal(18,2)"},
    "amounts_other": {"municipality_code": "integer", "year": "integer", "amount": "decimal(18,2)"},
    "amounts_cent_off": {
        "municipality_code": "integer",
        "year": "integer",
        "amount": "decimal(18,2)",
    },
    "periods": {"valid_from": "date", "valid_to": "date"},
    "periods_bad": {"valid_from": "date", "valid_to": "date"},
    "events": {"event_date": "date"},
}

MODELS: dict[str, str] = {
    # The dispatched spine (DuckDB range()) and the default one (dbt.date_spine), same arguments.
    "spine_days": "{{ medfin_date_spine('day', \"cast('2020-02-27' as date)\", "
    "\"cast('2020-03-02' as date)\") }}",
    "spine_months": "{{ medfin_date_spine('month', \"cast('2021-01-01' as date)\", "
    "\"cast('2022-01-01' as date)\") }}",
    "spine_months_default": "{{ default__medfin_date_spine('month', "
    "\"cast('2021-01-01' as date)\", \"cast('2022-01-01' as date)\") }}",
    "weekdays": "select date_day, {{ medfin_iso_weekday('date_day') }} as iso_weekday, "
    "{{ medfin_iso_week('date_day') }} as iso_week from {{ ref('spine_days') }}",
}


@dataclass(frozen=True)
class Case:
    """One named test: where it is attached, the test and its arguments, what must happen."""

    name: str
    node: str
    test: str
    arguments: dict[str, Any]
    status: str  # pass, fail or (PARSE_ERRORS) error
    failures: int = 0
    config: dict[str, Any] | None = None


CASES: tuple[Case, ...] = (
    # ------------------------------------------------------------------ labelled_code
    Case(
        "labelled_good",
        "coded",
        "medfin_labelled_code",
        {"column_name": "area", "domain": "area"},
        "pass",
    ),
    # tandlaege is no area, M is a code of another domain: one row per unknown code
    Case(
        "labelled_bad",
        "coded_bad",
        "medfin_labelled_code",
        {"column_name": "area", "domain": "area"},
        "fail",
        2,
    ),
    # ------------------------------------------------------------------ equal_row_count
    Case(
        "rows_good", "rows_a", "medfin_equal_row_count", {"compare_model": "ref('rows_b')"}, "pass"
    ),
    Case(
        "rows_bad",
        "rows_a",
        "medfin_equal_row_count",
        {"compare_model": "ref('rows_c')"},
        "fail",
        1,
    ),
    Case(
        "rows_compare_where",
        "rows_a",
        "medfin_equal_row_count",
        {"compare_model": "ref('rows_c')", "compare_where": "id <= 3"},
        "pass",
    ),
    Case(
        "rows_model_where",
        "rows_c",
        "medfin_equal_row_count",
        {"compare_model": "ref('rows_a')"},
        "pass",
        config={"where": "id <> 4"},
    ),
    # ------------------------------------------------------------------ equal_aggregate
    Case(
        "aggregate_good",
        "amounts",
        "medfin_equal_aggregate",
        {
            "expression": "sum(amount)",
            "compare_model": "ref('amounts_same')",
            "compare_expression": "sum(beloeb)",
            "group_by": ["municipality_code", "year"],
            "compare_group_by": ["kommune", "aar"],
        },
        "pass",
    ),
    # 101/2021 one cent off, 751/2021 missing in compare, 147/2021 missing in model.
    Case(
        "aggregate_bad",
        "amounts",
        "medfin_equal_aggregate",
        {
            "expression": "sum(amount)",
            "compare_model": "ref('amounts_other')",
            "group_by": ["municipality_code", "year"],
        },
        "fail",
        3,
    ),
    Case(
        "aggregate_expression_keys",
        "amounts",
        "medfin_equal_aggregate",
        {
            "expression": "sum(amount)",
            "compare_model": "ref('amounts_same')",
            "compare_expression": "sum(beloeb)",
            "group_by": ["year - 2000"],
            "compare_group_by": ["aar - 2000"],
        },
        "pass",
    ),
    Case(
        "aggregate_total_good",
        "amounts",
        "medfin_equal_aggregate",
        {
            "expression": "sum(amount)",
            "compare_model": "ref('amounts_same')",
            "compare_expression": "sum(beloeb)",
        },
        "pass",
    ),
    Case(
        "aggregate_total_bad",
        "amounts",
        "medfin_equal_aggregate",
        {"expression": "sum(amount)", "compare_model": "ref('amounts_other')"},
        "fail",
        1,
    ),
    Case(
        "aggregate_within_tolerance",
        "amounts",
        "medfin_equal_aggregate",
        {
            "expression": "sum(amount)",
            "compare_model": "ref('amounts_cent_off')",
            "group_by": ["municipality_code", "year"],
            "tolerance": 0.01,
        },
        "pass",
    ),
    Case(
        "aggregate_beyond_tolerance",
        "amounts",
        "medfin_equal_aggregate",
        {
            "expression": "sum(amount)",
            "compare_model": "ref('amounts_cent_off')",
            "group_by": ["municipality_code", "year"],
        },
        "fail",
        1,
    ),
    Case(
        "aggregate_compare_where",
        "amounts",
        "medfin_equal_aggregate",
        {
            "expression": "sum(amount)",
            "compare_model": "ref('amounts_other')",
            "group_by": ["municipality_code", "year"],
            "compare_where": "municipality_code is distinct from 147",
        },
        "fail",
        2,
    ),
    # ------------------------------------------------------------------ expression_is_true
    # value is null on id 3: unknown passes, as in a CHECK constraint.
    Case(
        "expression_good",
        "numbers",
        "medfin_expression_is_true",
        {"expression": "value > 0"},
        "pass",
    ),
    Case(
        "expression_bad",
        "numbers",
        "medfin_expression_is_true",
        {"expression": "value > 1"},
        "fail",
        1,
    ),
    Case(
        "expression_where",
        "numbers",
        "medfin_expression_is_true",
        {"expression": "value > 1", "where": "id >= 2"},
        "pass",
    ),
    Case(
        "expression_null_must_fail",
        "numbers",
        "medfin_expression_is_true",
        {"expression": "coalesce(value > 0, false)"},
        "fail",
        1,
    ),
    # ------------------------------------------------------------------------- not_null_columns
    Case("not_null_columns_good", "gaps", "medfin_not_null_columns", {"columns": ["c"]}, "pass"),
    # one failing row per column with nulls
    Case(
        "not_null_columns_bad",
        "gaps",
        "medfin_not_null_columns",
        {"columns": ["a", "b", "c"]},
        "fail",
        2,
    ),
    # ---------------------------------------------------------- unique_combination_of_columns
    Case(
        "unique_good",
        "pairs",
        "medfin_unique_combination_of_columns",
        {"combination_of_columns": ["a", "b"]},
        "pass",
    ),
    Case(
        "unique_bad",
        "pairs",
        "medfin_unique_combination_of_columns",
        {"combination_of_columns": ["a"]},
        "fail",
        1,
    ),
    # ------------------------------------------------------------------ mutually_exclusive_ranges
    Case(
        "ranges_good",
        "periods",
        "medfin_mutually_exclusive_ranges",
        {
            "lower_bound_column": "valid_from",
            "upper_bound_column": "valid_to",
            "partition_by": "person_id",
        },
        "pass",
    ),
    # Without the partition: p2's January overlaps p1's first range, p1's open range p2's May.
    Case(
        "ranges_unpartitioned",
        "periods",
        "medfin_mutually_exclusive_ranges",
        {"lower_bound_column": "valid_from", "upper_bound_column": "valid_to"},
        "fail",
        2,
    ),
    # p2 has a gap between February and May.
    Case(
        "ranges_gaps_not_allowed",
        "periods",
        "medfin_mutually_exclusive_ranges",
        {
            "lower_bound_column": "valid_from",
            "upper_bound_column": "valid_to",
            "partition_by": ["person_id"],
            "gaps": "not_allowed",
        },
        "fail",
        1,
    ),
    # p1 ranges overlap; p2 open range is not the last; p3 ends before it starts; p4 zero length.
    Case(
        "ranges_bad",
        "periods_bad",
        "medfin_mutually_exclusive_ranges",
        {
            "lower_bound_column": "valid_from",
            "upper_bound_column": "valid_to",
            "partition_by": "person_id",
        },
        "fail",
        4,
    ),
    Case(
        "ranges_zero_length_allowed",
        "periods_bad",
        "medfin_mutually_exclusive_ranges",
        {
            "lower_bound_column": "valid_from",
            "upper_bound_column": "valid_to",
            "partition_by": "person_id",
            "zero_length_range_allowed": True,
        },
        "fail",
        3,
    ),
    # ------------------------------------------------------------------ every_month_present
    Case(
        "months_good",
        "events",
        "medfin_every_month_present",
        {"date_column": "event_date", "from_month": "2021-01-01", "to_month": "2021-03-31"},
        "pass",
    ),
    Case(
        "months_partition_bad",
        "events",
        "medfin_every_month_present",
        {
            "date_column": "event_date",
            "from_month": "2021-01-01",
            "to_month": "2021-03-01",
            "partition_by": "region",
        },
        "fail",
        1,
    ),
    Case(
        "months_range_bad",
        "events",
        "medfin_every_month_present",
        {"date_column": "event_date", "from_month": "2020-12-15", "to_month": "2021-04-01"},
        "fail",
        2,
    ),
    # ------------------------------------------------------------------ portable date spine
    Case(
        "spine_default_equals_duckdb",
        "spine_months",
        "medfin_equal_aggregate",
        {
            "expression": "count(*)",
            "compare_model": "ref('spine_months_default')",
            "group_by": ["date_month"],
        },
        "pass",
    ),
)


# Misuse is refused when dbt parses the project (the whole parse fails), so each runs on its own.
PARSE_ERRORS: tuple[tuple[Case, str], ...] = (
    (
        Case(
            "aggregate_keys_mismatch",
            "amounts",
            "medfin_equal_aggregate",
            {
                "expression": "sum(amount)",
                "compare_model": "ref('amounts_same')",
                "group_by": ["municipality_code", "year"],
                "compare_group_by": ["kommune"],
            },
            "error",
        ),
        "group_by and compare_group_by differ in length",
    ),
    (
        Case(
            "ranges_gaps_typo",
            "periods",
            "medfin_mutually_exclusive_ranges",
            {
                "lower_bound_column": "valid_from",
                "upper_bound_column": "valid_to",
                "gaps": "forbidden",
            },
            "error",
        ),
        "gaps is allowed, not_allowed or required",
    ),
)


def _yaml(value: Any, indent: int) -> str:
    """Tiny YAML writer for the test definitions (strings quoted, lists inline)."""
    pad = " " * indent
    if isinstance(value, dict):
        return "\n".join(
            f"{pad}{key}:\n{_yaml(v, indent + 2)}"
            if isinstance(v, dict)
            else f"{pad}{key}: {_yaml(v, 0)}"
            for key, v in value.items()
        )
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(v, 0) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return '"' + str(value).replace('"', '\\"') + '"'


def write_project(root: Path) -> None:
    """dbt_project.yml, profile, macros, seeds and models; the tests come from write_tests()."""
    (root / "dbt_project.yml").write_text(
        textwrap.dedent(
            """\
            name: macro_tests
            version: "1.0"
            config-version: 2
            profile: macro_tests
            flags:
              send_anonymous_usage_stats: false
            """
        ),
        encoding="utf-8",
    )
    (root / "profiles.yml").write_text(
        textwrap.dedent(
            f"""\
            macro_tests:
              target: dev
              outputs:
                dev:
                  type: duckdb
                  path: "{root / "macro_tests.duckdb"}"
                  threads: 4
            """
        ),
        encoding="utf-8",
    )
    for folder in MACRO_FOLDERS:
        shutil.copytree(REPO_ROOT / "macros" / folder, root / "macros" / folder)
    (root / "seeds").mkdir()
    for name, text in SEEDS.items():
        (root / "seeds" / f"{name}.csv").write_text(text, encoding="utf-8")
    (root / "models").mkdir()
    for name, sql in MODELS.items():
        (root / "models" / f"{name}.sql").write_text(sql + "\n", encoding="utf-8")


def write_tests(root: Path, cases: tuple[Case, ...]) -> None:
    """models/schema.yml: seed types and the named tests of `cases`."""
    lines = ["version: 2"]
    for kind, names in (("seeds", SEEDS), ("models", MODELS)):
        lines.append(f"{kind}:")
        for node in names:
            lines.append(f"  - name: {node}")
            if node in SEED_TYPES:
                lines.append("    config:")
                lines.append("      column_types:")
                lines.append(_yaml(SEED_TYPES[node], 8))
            on_node = [c for c in cases if c.node == node]
            if on_node:
                lines.append("    data_tests:")
            for case in on_node:
                lines.append(f"      - {case.test}:")
                lines.append(f"          name: {case.name}")
                lines.append("          arguments:")
                lines.append(_yaml(case.arguments, 12))
                if case.config:
                    lines.append("          config:")
                    lines.append(_yaml(case.config, 12))
    (root / "models" / "schema.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class MacroRun:
    """The one `dbt build` (and the parses) of the throwaway macro-test project."""

    database: Path
    results: dict[str, tuple[str, int | None, str]]  # test name -> (status, failures, message)
    parse_errors: dict[str, str]  # case name -> parse error message


@pytest.fixture(scope="module")
def macro_run(tmp_path_factory: pytest.TempPathFactory) -> MacroRun:
    from dbt.cli.main import dbtRunner

    root = tmp_path_factory.mktemp("macro_tests")
    write_project(root)
    write_tests(root, CASES)
    args = [
        "--project-dir",
        str(root),
        "--profiles-dir",
        str(root),
        "--log-path",
        str(root / "logs"),
    ]
    runner = dbtRunner()
    try:
        outcome = runner.invoke(["build", *args])
    finally:
        release_duckdb()
    assert outcome.exception is None, outcome.exception
    results = {}
    for result in outcome.result.results:
        node = result.node
        if node.resource_type == "test":
            results[node.name] = (str(result.status), result.failures, str(result.message))
        else:
            assert str(result.status) == "success", (node.name, result.message)

    parse_errors = {}
    for case, _ in PARSE_ERRORS:
        write_tests(root, (*CASES, case))
        parsed = runner.invoke(["parse", *args])
        parse_errors[case.name] = str(parsed.exception) if parsed.exception else ""
    return MacroRun(root / "macro_tests.duckdb", results, parse_errors)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_generic_test_case(macro_run: MacroRun, case: Case) -> None:
    status, failures, message = macro_run.results[case.name]
    assert status == case.status, message
    if case.status == "fail":
        assert failures == case.failures, message


@pytest.mark.parametrize(
    ("case", "error"), PARSE_ERRORS, ids=[case.name for case, _ in PARSE_ERRORS]
)
def test_misuse_fails_at_parse_time(macro_run: MacroRun, case: Case, error: str) -> None:
    assert error in macro_run.parse_errors[case.name]


def test_every_case_ran(macro_run: MacroRun) -> None:
    assert set(macro_run.results) == {c.name for c in CASES}


# Generic tests that need the real project (here: the check catalogue seed and its SQL templates)
# are covered there, passing and failing, by the named pytest test.
COVERED_IN_THE_PROJECT = {
    "medfin_catalogue_check": (
        "test_quality_completeness.py",
        "test_row_conservation_test_fails_the_build_when_counts_disagree",
    ),
}


def test_every_generic_test_macro_is_covered() -> None:
    defined = {
        line.split("(")[0].split()[-1]
        for path in (REPO_ROOT / "macros" / "tests").glob("*.sql")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("{% test ")
    }
    covered = {c.test for c in CASES}
    assert defined == covered | set(COVERED_IN_THE_PROJECT)
    for module, test_name in COVERED_IN_THE_PROJECT.values():
        text = (Path(__file__).parent / module).read_text(encoding="utf-8")
        assert f"def {test_name}(" in text, (module, test_name)
    for test in covered:
        assert {c.status for c in CASES if c.test == test} >= {"pass", "fail"}, test


def test_portable_date_spine_and_weekdays(macro_run: MacroRun) -> None:
    with duckdb.connect(str(macro_run.database), read_only=True) as con:
        days = con.execute(
            "select date_day::varchar, iso_weekday, iso_week from main.weekdays order by 1"
        ).fetchall()
        months = con.execute(
            "select count(*), min(date_month), max(date_month) from main.spine_months"
        )
        months = months.fetchone()
        types = con.execute(
            "select data_type from information_schema.columns where table_name = 'spine_days'"
        ).fetchall()
    # 2020 is a leap year; the end date is exclusive. 27 Feb 2020 was a Thursday in ISO week 9.
    assert days == [
        ("2020-02-27", 4, 9),
        ("2020-02-28", 5, 9),
        ("2020-02-29", 6, 9),
        ("2020-03-01", 7, 9),
    ]
    assert months[0] == 12 and str(months[1]) == "2021-01-01" and str(months[2]) == "2021-12-01"
    assert types == [("DATE",)]
