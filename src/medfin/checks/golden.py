"""Golden figures: the totals of closed activity years as first published.

The check is described in docs/data-quality.md#golden-figures.

dbt computes this build's closed-period totals (quality.closed_period_totals) and compares them
with the stored golden figures (quality.golden_figure_comparison); the check
`golden_figures_unchanged` fails when a closed total changed under unchanged rules. When a build is
published, its totals become golden where none existed (`new`) or where a rule seed for the year
changed (`rules_changed`, the change being stated in the comparison); earlier rows stay as history.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from medfin.checks.history import GOLDEN_FIGURES, ensure_tables


def store(
    con: duckdb.DuckDBPyConnection, run_id: str, published_at: datetime, delivery_id: str | None
) -> int:
    """Append this build's new golden figures; returns the number of rows added."""
    ensure_tables(con)
    present = con.execute(
        "select count(*) from duckdb_tables()"
        " where schema_name = 'quality' and table_name = 'golden_figure_comparison'"
    ).fetchone()
    if not present or not present[0]:
        return 0
    before = _count(con)
    con.execute(
        f"""
        insert into {GOLDEN_FIGURES} (
            figure, municipality_code, activity_year, breakdown, units, amount_dkk,
            rules_fingerprint, run_id, published_at, delivery_id
        )
        select
            totals.figure, totals.municipality_code, totals.activity_year, totals.breakdown,
            totals.units, totals.amount_dkk, totals.rules_fingerprint, ?, ?, ?
        from quality.closed_period_totals as totals
        inner join quality.golden_figure_comparison as comparison
            on totals.figure = comparison.figure
            and totals.municipality_code = comparison.municipality_code
            and totals.activity_year = comparison.activity_year
            and totals.breakdown = comparison.breakdown
        where comparison.comparison in ('new', 'rules_changed')
        """,
        [run_id, published_at, delivery_id],
    )
    return _count(con) - before


def _count(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(f"select count(*) from {GOLDEN_FIGURES}").fetchone()
    return int(row[0]) if row else 0
