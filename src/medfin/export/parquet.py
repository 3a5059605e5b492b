"""Every table of the analyst file (the marts dbt_project.yml marks `analyst_file`:
dimensions, finance, reporting, planning, projection and quality tables) as one Parquet file, with a
README that lists each file's columns, types and descriptions, for tools that cannot open a DuckDB
file. The export is written beside the target folder and swapped in whole, so a reader sees the
previous export or the new one, never a mix."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb

from medfin import __version__
from medfin.export import ExportError, default_source, open_source
from medfin.sqltext import identifier, literal

README = "README.md"
README_HEADING = "# medfin Parquet export"


def export_parquet(source: Path | None, out: Path) -> list[Path]:
    """Write the export to `out` (a new folder, or a previous medfin export it replaces)."""
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not _is_export(out):
        raise ExportError(f"{out} exists and is not a medfin Parquet export; choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        with open_source(source) as con:
            written = _write(con, staging, str(source or default_source()))
        _swap(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out / path.name for path in written]


def _is_export(folder: Path) -> bool:
    readme = folder / README
    return readme.is_file() and readme.read_text(encoding="utf-8").startswith(README_HEADING)


def _tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str | None, int]]:
    # The analyst file holds exactly the published marts, so every table of it is exported.
    return con.execute(
        "select schema_name, table_name, comment, estimated_size from duckdb_tables()"
        " where database_name = current_database() and not internal"
        " order by schema_name, table_name"
    ).fetchall()


def _write(con: duckdb.DuckDBPyConnection, folder: Path, source: str) -> list[Path]:
    tables = _tables(con)
    if not tables:
        raise ExportError(f"{source} has no table; build the warehouse first")
    lines = [
        README_HEADING,
        "",
        f"Written by medfin {__version__} from {source}: every table of the analyst file"
        f" ({', '.join(sorted({schema for schema, *_ in tables}))}) as one Parquet file, named"
        " schema.table.parquet. Counts 1-4 are shown as -1 as in the analyst file; the"
        " descriptions are those of the warehouse.",
        "",
    ]
    written = []
    for schema, table, comment, _ in tables:
        path = folder / f"{schema}.{table}.parquet"
        relation = f"{identifier(schema)}.{identifier(table)}"
        con.execute(f"copy (select * from {relation}) to {literal(str(path))} (format parquet)")
        rows = con.execute(f"select count(*) from {relation}").fetchone()[0]  # type: ignore[index]
        written.append(path)
        lines += [f"## {path.name}", "", (comment or "").strip(), "", f"{rows:,} rows.", ""]
        lines += ["| column | type | description |", "|---|---|---|"]
        for column, data_type, column_comment in con.execute(
            "select column_name, data_type, comment from duckdb_columns()"
            " where schema_name = ? and table_name = ? order by column_index",
            [schema, table],
        ).fetchall():
            text = (column_comment or "").replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {column} | {data_type} | {text} |")
        lines.append("")
    (folder / README).write_text("\n".join(lines), encoding="utf-8")
    for path in folder.iterdir():
        path.chmod(0o644)
    return written


def _swap(staging: Path, out: Path) -> None:
    """Put the new export in place of `out` with renames only."""
    staging.chmod(0o755)
    if not out.exists():
        staging.rename(out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
    old.rmdir()
    out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)
