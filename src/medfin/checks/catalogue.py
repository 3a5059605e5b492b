"""The check catalogue (seeds/check_catalogue.csv): the one place a check is defined.

One row per check and validity period: which engine evaluates it (`checked_by`), the SQL template
of a quality-mart check (`check_kind`, macros/quality/check_kinds.sql) and what it examines, its
level, category, context, severity and thresholds, with the reason and its source. Every reader of
a check's severity or threshold reads it here: quality.mart_check_results (dbt), the dbt test
results (`dbt_results`), the Great Expectations suites (`gx_runner` fills their severity and
`$PARAMETER`s from it) and the publication check of the analyst file (`medfin.build`).

    python -m medfin.checks.catalogue          prints the catalogue table of docs/data-quality.md
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from medfin.project import seeds_dir

SEED = "check_catalogue"
TABLE = f"seeds.{SEED}"
ENGINES = ("quality_mart", "great_expectations", "dbt_test", "publication")
QUALITY_MART_KINDS = (
    "share_of_sums",
    "rows_not_true",
    "rows_not_accepted",
    "values_outside_bounds",
    "rows_listed",
)
LIST_SEPARATOR = "|"


@dataclass(frozen=True)
class CatalogueRow:
    """One check of the catalogue, as valid on one day."""

    check_name: str
    checked_by: str
    check_kind: str
    relation: str | None
    column_name: str | None
    check_level: str | None
    category: str | None
    context: str | None
    severity: str
    threshold_share: float | None
    lower_bound: float | None
    upper_bound: float | None
    where_to_look: str | None


_COLUMNS = tuple(f.name for f in fields(CatalogueRow))


def read(con: duckdb.DuckDBPyConnection, on: date | None = None) -> dict[str, CatalogueRow]:
    """The catalogue rows of the warehouse valid on `on` (default: today), by check name; empty
    when the warehouse has no catalogue."""
    try:
        cursor = con.execute(
            f"select {', '.join(_COLUMNS)} from {TABLE}"
            " where valid_from <= coalesce(?, current_date)"
            " and (valid_to is null or valid_to > coalesce(?, current_date))"
            " order by valid_from",
            [on, on],
        )
    except duckdb.CatalogException:
        return {}
    return {row[0]: CatalogueRow(*row) for row in cursor.fetchall()}


def seed_path() -> Path:
    return seeds_dir() / f"{SEED}.csv"


def seed_rows(path: Path | None = None) -> list[dict[str, str]]:
    """Every row of the seed file as strings (empty = null), in file order."""
    with (path or seed_path()).open(newline="", encoding="utf-8") as fh:
        return [dict(row) for row in csv.DictReader(fh)]


def current_rows(path: Path | None = None) -> dict[str, dict[str, str]]:
    """The seed rows still valid (no valid_to), by check name."""
    return {row["check_name"]: row for row in seed_rows(path) if not row["valid_to"]}


def values(text: str | None) -> list[str]:
    """A catalogue list (`a|b`) as its values."""
    return [part.strip() for part in (text or "").split(LIST_SEPARATOR) if part.strip()]


def _share(value: str) -> str:
    if not value:
        return ""
    share = float(value)
    return "0" if share == 0 else f"{share * 100:g} %"


def docs_table(rows: Iterable[Mapping[str, Any]] | None = None) -> str:
    """The catalogue as the Markdown table of docs/data-quality.md (generated; a test keeps the
    two equal): severity first, then engine and name."""
    order = {"fatal": 0, "error": 1, "warning": 2}
    chosen = sorted(
        rows if rows is not None else current_rows().values(),
        key=lambda r: (
            order.get(r["severity"], 9),
            ENGINES.index(r["checked_by"]),
            r["check_name"],
        ),
    )
    lines = [
        "| check | checked by | kind | severity | threshold | bounds |",
        "|---|---|---|---|---|---|",
    ]
    for row in chosen:
        bounds = (
            f"{row['lower_bound'] or '-'} .. {row['upper_bound'] or '-'}"
            if row["lower_bound"] or row["upper_bound"]
            else ""
        )
        lines.append(
            f"| `{row['check_name']}` | {row['checked_by']} | {row['check_kind']} |"
            f" {row['severity']} | {_share(row['threshold_share'])} | {bounds} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - exercised through docs_table
    sys.stdout.write(docs_table())
