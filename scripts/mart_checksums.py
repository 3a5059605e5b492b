"""Print one checksum per table of a warehouse: proof that a refactoring left every mart unchanged.

Usage: python scripts/mart_checksums.py WAREHOUSE.duckdb [--schemas core,...] [--ignore source]

A table's checksum is the md5 of its column names and types and of its rows in sorted order, so
it does not depend on row order or on how DuckDB laid the file out; two warehouses built from the
same delivery are the same when every line of the output is the same (`diff before.tsv after.tsv`).
Columns that record when a build ran (build timestamps) are left out of the row hash; they are
listed in the output so a reader sees what was not compared.
"""

from __future__ import annotations

import argparse
import sys

import duckdb

# Columns that identify a run or its wall-clock time, not a result of the delivery.
RUN_TIME_COLUMNS = {"run_id", "run_at", "validated_at", "published_at"}


def checksums(
    path: str, schemas: list[str], ignore: frozenset[str] = frozenset()
) -> list[tuple[str, str, str, str]]:
    with duckdb.connect(path, read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in (select unnest(?)) order by 1, 2",
            [schemas],
        ).fetchall()
        out = []
        for schema, table in tables:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
            left_out = RUN_TIME_COLUMNS | ignore
            kept = [c for c, _ in columns if c not in left_out]
            skipped = ",".join(c for c, _ in columns if c in left_out) or "-"
            shape = ";".join(f"{c}:{t}" for c, t in columns)
            row = "row(" + ", ".join(f'"{c}"' for c in kept) + ")::varchar"
            rows, digest = con.execute(
                f"select count(*), md5(coalesce(string_agg(h, ',' order by h), '')) "
                f'from (select md5({row}) as h from "{schema}"."{table}")'
            ).fetchone()
            out.append((f"{schema}.{table}", f"{rows}", digest + "/" + _md5(shape), skipped))
    return out


def _md5(text: str) -> str:
    import hashlib

    return hashlib.md5(text.encode()).hexdigest()[:12]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("warehouse")
    parser.add_argument(
        "--schemas", default="core,finance,planning,reporting,quality,staging,intermediate,seeds"
    )
    parser.add_argument(
        "--ignore",
        default="",
        help="comma-separated columns to leave out too (e.g. source, to compare seeds whose "
        "source text was rewritten)",
    )
    args = parser.parse_args()
    ignore = frozenset(c for c in args.ignore.split(",") if c)
    for line in checksums(args.warehouse, args.schemas.split(","), ignore):
        sys.stdout.write("\t".join(str(x) for x in line) + "\n")


if __name__ == "__main__":
    main()
