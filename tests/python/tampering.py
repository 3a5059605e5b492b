"""Altering a copy of a generated delivery the way a faulty extract would, for tests that make a
check fail on purpose. The manifest is updated (rows, sha256), so the delivery stays valid and the
alteration reaches the warehouse instead of being stopped by validation.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from medfin.extract import MANIFEST_NAME, sha256_file


def copy_delivery(source: Path, target: Path) -> Path:
    """A writable copy of a delivery folder."""
    shutil.copytree(source, target)
    return target


def rewrite_table(delivery: Path, table: str, change: Callable[[pa.Table], pa.Table]) -> None:
    """Replace a Parquet table of `delivery` by change(table) and update manifest.json."""
    manifest_path = delivery / MANIFEST_NAME
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    entry = manifest["tables"][table]
    path = delivery / entry["file"]
    original = pq.read_table(path)
    changed = change(original).cast(original.schema)
    path.unlink()
    pq.write_table(changed, path)
    entry["rows"] = changed.num_rows
    entry["sha256"] = sha256_file(path)
    manifest_path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def drop_rows(table: pa.Table, column: str, values: set[str]) -> pa.Table:
    """The table without the rows whose `column` is one of `values`."""
    keep = [value not in values for value in table.column(column).to_pylist()]
    return table.filter(pa.array(keep))
