"""What medfin hands to readers outside the warehouse: the health-council Excel data packages
(`datapakke`) and Parquet files for tools that cannot open a DuckDB file (`parquet`). Both read
the published analyst file, never the person-level warehouse, and write their files under a
temporary name first, so that a reader never sees half a file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from medfin.build import default_warehouse
from medfin.publish import layout


class ExportError(RuntimeError):
    """An export cannot be made (the message says why and what to do)."""


def default_source() -> Path:
    """The published analyst file next to the default warehouse."""
    return layout(default_warehouse()).marts


@contextmanager
def open_source(path: Path | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The analyst file (or the given file) opened read-only."""
    source = path or default_source()
    if not source.exists():
        raise ExportError(
            f"{source} does not exist; build the warehouse first (medfin build --delivery DIR)"
        )
    try:
        con = duckdb.connect(str(source), read_only=True)
    except duckdb.Error as exc:
        raise ExportError(f"cannot open {source}: {exc}") from None
    try:
        schemas = {r[0] for r in con.execute("select schema_name from duckdb_schemas()").fetchall()}
        if "staging" in schemas or "intermediate" in schemas:
            raise ExportError(
                f"{source} is the full warehouse with person-level rows; export from the analyst"
                f" file ({layout(source).marts.name}), which holds the aggregated marts only"
            )
        yield con
    finally:
        con.close()


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Call `write(tmp)` for a temporary file beside `path`, then move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
