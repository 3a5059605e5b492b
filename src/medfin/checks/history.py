"""The warehouse's history tables, kept across builds: check results and golden figures.

Both live in schema `quality` of the warehouse but are owned by Python, not by dbt: dbt rebuilds
its models from the delivery on every build, while these tables must outlive a build. `medfin
build` creates them in the new (work) database, copies the rows of the published warehouse into
them before dbt runs, and appends this build's rows; dbt reads them as the source
`medfin_history` (models/staging/history/_medfin_history__sources.yml).

    quality.check_results   one row per check per run, plus the run id (the result shape of
                            docs/data-quality.md#one-result-table-with-history-qualitycheck_results)
    quality.golden_figures  totals of closed periods as first published
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import astuple, dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from medfin.sqltext import identifier, literal

SCHEMA = "quality"
HISTORY_SOURCE = "medfin_history"  # the dbt source that declares and describes these tables
CHECK_RESULTS = f"{SCHEMA}.check_results"
GOLDEN_FIGURES = f"{SCHEMA}.golden_figures"

SEVERITIES = ("fatal", "error", "warning")
STATUSES = ("passed", "failed", "not_applicable", "error")
BLOCKING_SEVERITIES = ("fatal", "error")


@dataclass(frozen=True)
class CheckResult:
    """One row of quality.check_results (column order = table order)."""

    run_id: str
    run_at: datetime
    delivery_id: str | None
    checked_by: str  # dbt_test | dbt_build | quality_mart | great_expectations | publication
    check_name: str
    check_level: str | None  # table | column | reconciliation
    category: str | None  # conformance | completeness | plausibility
    context: str | None  # verification | validation
    severity: str  # fatal | error | warning
    scope: str | None
    violating_rows: int | None
    denominator_rows: int | None
    violating_share: float | None
    threshold_share: float | None
    status: str  # passed | failed | not_applicable | error
    where_to_look: str | None

    @property
    def blocks_publication(self) -> bool:
        return self.severity in BLOCKING_SEVERITIES and self.status in ("failed", "error")


CHECK_RESULTS_COLUMNS = tuple(f.name for f in fields(CheckResult))

_DDL = {
    CHECK_RESULTS: """
        create table if not exists quality.check_results (
            run_id varchar not null,
            run_at timestamp not null,
            delivery_id varchar,
            checked_by varchar not null,
            check_name varchar not null,
            check_level varchar,
            category varchar,
            context varchar,
            severity varchar not null,
            scope varchar,
            violating_rows bigint,
            denominator_rows bigint,
            violating_share double,
            threshold_share double,
            status varchar not null,
            where_to_look varchar
        )""",
    GOLDEN_FIGURES: """
        create table if not exists quality.golden_figures (
            figure varchar not null,
            municipality_code integer not null,
            activity_year integer not null,
            breakdown varchar not null,
            units bigint,
            amount_dkk decimal(18, 2),
            rules_fingerprint varchar not null,
            run_id varchar not null,
            published_at timestamp not null,
            delivery_id varchar
        )""",
}


# The dbt macro that creates the same tables in dbt's on-run-start, so that a plain `dbt build`
# finds them (generated from _DDL by `python -m medfin.checks.history --hook-macro`).
HOOK_MACRO_PATH = "macros/hooks/medfin_history_tables.sql"


def render_hook_macro() -> str:
    """The text of HOOK_MACRO_PATH: the history tables' DDL as a dbt macro (on-run-start)."""
    statements = [f"create schema if not exists {SCHEMA}"]
    statements += [textwrap.dedent(ddl).strip() for ddl in _DDL.values()]
    return (
        "{#-\n"
        "    GENERATED from src/medfin/checks/history.py by"
        " `python -m medfin.checks.history --hook-macro`;\n"
        "    do not edit by hand (a test checks they agree).\n"
        "\n"
        "    on-run-start (dbt_project.yml): the history tables the quality marts read (source\n"
        f"    {HISTORY_SOURCE}), created when missing. `medfin build` has made them already and\n"
        "    copied the published warehouse's history into them; a plain `dbt build` starts an\n"
        "    empty history.\n"
        "-#}\n"
        "{% macro medfin_history_tables() -%}\n" + ";\n".join(statements) + "\n{%- endmacro %}\n"
    )


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the history tables (and the schema) when they do not exist yet."""
    con.execute(f"create schema if not exists {SCHEMA}")
    for ddl in _DDL.values():
        con.execute(ddl)


def comment_tables(con: duckdb.DuckDBPyConnection, sources: Mapping[str, Mapping[str, Any]]) -> int:
    """Write the descriptions of the history tables as DuckDB comments.

    dbt's persist_docs covers models and seeds, not sources; these tables are described once, in
    the source YAML of `medfin_history`, and taken from dbt's manifest (`sources`). Returns the
    number of comments written.
    """
    written = 0
    for source in sources.values():
        if source.get("source_name") != HISTORY_SOURCE:
            continue
        table = f"{identifier(source['schema'])}.{identifier(source['name'])}"
        if source.get("description"):
            con.execute(f"comment on table {table} is {literal(source['description'])}")
            written += 1
        for column, spec in (source.get("columns") or {}).items():
            if spec.get("description"):
                text = literal(spec["description"])
                con.execute(f"comment on column {table}.{identifier(column)} is {text}")
                written += 1
    return written


def carry_over(published: Path, work: Path) -> dict[str, int]:
    """Create the history tables in `work` and copy the published warehouse's rows into them.

    The published file is opened read-only (other readers may have it open too). Returns the
    number of rows carried per table; no published warehouse means an empty history.
    """
    copied: dict[str, int] = {}
    with duckdb.connect(str(work)) as con:
        ensure_tables(con)
        if not published.exists():
            return dict.fromkeys(_DDL, 0)
        con.execute(f"attach {literal(str(published))} as published (read_only)")
        try:
            for table in _DDL:
                name = table.split(".")[1]
                exists = con.execute(
                    "select count(*) from duckdb_tables()"
                    " where database_name = 'published' and schema_name = ? and table_name = ?",
                    [SCHEMA, name],
                ).fetchone()
                if not exists or not exists[0]:
                    copied[table] = 0
                    continue
                # Columns both versions have: an older warehouse may lack a newer column.
                published_columns = _columns(con, "published", name)
                columns = [c for c in _columns(con, None, name) if c in published_columns]
                column_list = ", ".join(columns)
                con.execute(
                    f"insert into {table} ({column_list})"
                    f" select {column_list} from published.{table}"
                )
                count = con.execute(f"select count(*) from published.{table}").fetchone()
                copied[table] = int(count[0]) if count else 0
        finally:
            con.execute("detach published")
    return copied


def _columns(con: duckdb.DuckDBPyConnection, database: str | None, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from duckdb_columns()"
        " where database_name = coalesce(?, current_database())"
        " and schema_name = ? and table_name = ? order by column_index",
        [database, SCHEMA, table],
    ).fetchall()
    return [row[0] for row in rows]


def record_results(con: duckdb.DuckDBPyConnection, rows: Iterable[CheckResult]) -> int:
    """Append check results to quality.check_results; returns the number of rows written."""
    batch = [astuple(row) for row in rows]
    if not batch:
        return 0
    ensure_tables(con)
    placeholders = ", ".join("?" for _ in CHECK_RESULTS_COLUMNS)
    con.executemany(
        f"insert into {CHECK_RESULTS} ({', '.join(CHECK_RESULTS_COLUMNS)}) values ({placeholders})",
        batch,
    )
    return len(batch)


def run_results(con: duckdb.DuckDBPyConnection, run_id: str) -> list[CheckResult]:
    """The rows one run recorded, fatal first, failed before passed."""
    order = "case severity when 'fatal' then 0 when 'error' then 1 else 2 end, status, check_name"
    cursor = con.execute(
        f"select {', '.join(CHECK_RESULTS_COLUMNS)} from {CHECK_RESULTS}"
        f" where run_id = ? order by {order}",
        [run_id],
    )
    return [CheckResult(*row) for row in cursor.fetchall()]


def blocking(results: Sequence[CheckResult]) -> list[CheckResult]:
    """The results that stop publication: a fatal or error check that failed or could not run."""
    return [r for r in results if r.blocks_publication]


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m medfin.checks.history WAREHOUSE`: create the history tables in a database (dbt's
    on-run-start does it too). `--hook-macro`: write that hook's macro (HOOK_MACRO_PATH)."""
    import argparse

    from medfin.project import project_dir

    parser = argparse.ArgumentParser(
        prog="python -m medfin.checks.history", description=main.__doc__
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("warehouse", nargs="?", type=Path, help="DuckDB file to create them in")
    what.add_argument("--hook-macro", action="store_true", help=f"write {HOOK_MACRO_PATH}")
    args = parser.parse_args(argv)
    if args.hook_macro:
        path = project_dir() / HOOK_MACRO_PATH
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_hook_macro(), encoding="utf-8")
        print(f"wrote {HOOK_MACRO_PATH}")
        return 0
    with duckdb.connect(str(args.warehouse)) as con:
        ensure_tables(con)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
