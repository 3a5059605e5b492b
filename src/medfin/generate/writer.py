"""Turn numpy columns into contract-typed Arrow tables and write them as Parquet or Danish CSV."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from medfin.contract import arrow_schema, load_contract

CSV_DELIMITER = ";"
_MINUTE_US = 60_000_000


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """'DK0000000042'-style identifiers from integers."""
    digits = pc.utf8_lpad(
        pa.array(np.asarray(numbers, dtype=np.int64)).cast(pa.string()), width, "0"
    )
    return pc.binary_join_element_wise(prefix, digits, "")


def codes(
    pool: np.ndarray | pa.Array, index: np.ndarray, null_below_zero: bool = False
) -> pa.Array:
    """Strings from a small pool by index (fast: a take, not a Python loop)."""
    pool_arr = pool if isinstance(pool, pa.Array) else pa.array(pool, type=pa.string())
    index = np.asarray(index, dtype=np.int64)
    if null_below_zero:
        mask = index < 0
        return pool_arr.take(pa.array(np.where(mask, 0, index), mask=mask))
    return pool_arr.take(pa.array(index))


def timestamps(minutes: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(minutes, dtype=np.int64) * _MINUTE_US, type=pa.timestamp("us"))


def dates(days: np.ndarray, null_mask: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(days, dtype=np.int32), type=pa.date32(), mask=null_mask)


def money(ore: np.ndarray) -> pa.Array:
    """Exact DECIMAL(14,2) from integer øre (the decimal's unscaled value is the øre amount)."""
    ore = np.asarray(ore, dtype=np.int64)
    words = np.empty((len(ore), 2), dtype=np.int64)
    words[:, 0] = ore
    words[:, 1] = ore >> 63  # sign extension of the 128-bit two's complement value
    return pa.Array.from_buffers(pa.decimal128(14, 2), len(ore), [None, pa.py_buffer(words)])


def integers(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64))


def make_table(table: str, columns: dict[str, Any]) -> pa.Table:
    """An Arrow table in exactly the contract's column order and types."""
    schema = arrow_schema(table)
    arrays = []
    for field in schema:
        value = columns[field.name]
        arr = value if isinstance(value, pa.Array | pa.ChunkedArray) else pa.array(value)
        arrays.append(arr.cast(field.type) if arr.type != field.type else arr)
    return pa.Table.from_arrays(arrays, schema=schema)


def to_danish_csv_table(table: pa.Table) -> pa.Table:
    """Money with decimal comma and minute timestamps as text; other columns as they are."""
    cols = []
    for field, col in zip(table.schema, table.columns, strict=True):
        if pa.types.is_decimal(field.type):
            col = pc.replace_substring(col.cast(pa.string()), ".", ",")
        elif pa.types.is_timestamp(field.type):
            # whole seconds: pyarrow's %S writes the fraction of a microsecond timestamp, which
            # the contract's CSV timestamp format does not allow
            text = load_contract().csv_timestamp_format
            col = pc.strftime(col.cast(pa.timestamp("s")), format=text)
        cols.append(col)
    return pa.Table.from_arrays(cols, names=table.column_names)


class DeliveryWriter:
    """Streams each contract table to one file in the delivery folder."""

    def __init__(self, out: Path, fmt: str) -> None:
        self.out = out
        self.fmt = fmt
        self._writers: dict[str, Any] = {}
        self.rows: dict[str, int] = {}

    def path(self, table: str) -> Path:
        return self.out / f"{table}.{self.fmt}"

    def write(self, table: str, data: pa.Table) -> None:
        if table not in self._writers:
            self.rows[table] = 0
            if self.fmt == "parquet":
                self._writers[table] = pq.ParquetWriter(
                    self.path(table),
                    data.schema,
                    compression="zstd",
                    write_statistics=True,
                    store_schema=True,
                )
            else:
                text = to_danish_csv_table(data)
                self._writers[table] = pacsv.CSVWriter(
                    self.path(table),
                    text.schema,
                    write_options=pacsv.WriteOptions(
                        delimiter=CSV_DELIMITER, quoting_style="needed"
                    ),
                )
        if self.fmt == "parquet":
            self._writers[table].write_table(data, row_group_size=1_000_000)
        else:
            self._writers[table].write_table(to_danish_csv_table(data))
        self.rows[table] += data.num_rows

    def close(self) -> dict[str, dict[str, Any]]:
        """Close every file; return the manifest's table entries (file, rows, sha256)."""
        for w in self._writers.values():
            w.close()
        entries = {}
        for table in sorted(self._writers):
            path = self.path(table)
            entries[table] = {
                "file": path.name,
                "rows": self.rows[table],
                "sha256": sha256_file(path),
            }
        return entries


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
