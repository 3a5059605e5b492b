"""Hand-made minimal deliveries for tests: two rows per contract table, Parquet or Danish CSV.

Independent of the synthetic generator on purpose: these tests pin the contract, the validator and
the dbt sources, and must not move when the generator changes.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from medfin.contract import Column, Table, arrow_schema, load_contract

Row = dict[str, Any]

# Values for columns whose contract fixes a pattern or a meaningful integer.
_STRINGS = {
    "drg_code": ["04MA14", "06MP05"],
    "contact_drg_code": ["04MA14", "06MP05"],
    "action_diagnosis": ["DJ441", "DI219"],
    "diagnosis_code": ["DE119", "DI109"],
    "procedure_code": ["KNFB20", "BJFZ"],
    "specialty": ["Øjenlægehjælp", None],
    "sor_code": ["6008097", "6008098"],
    "error_code": ["F12; 'quoted'", "F13"],
}
_INTEGERS = {
    "municipality_code": [727, 741],
    "region_code": [1082, 1082],
    "drg_year": [2021, 2021],
    "activity_year": [2021, 2021],
    "fiscal_year": [2021, 2022],
    "age": [0, 125],
    "year": [2021, 2022],
}


def sample_value(column: Column, i: int) -> Any:
    """A valid value for row i (0 or 1); nullable columns are null in row 1."""
    if column.nullable and i == 1:
        return None
    if column.allowed:
        return column.allowed[i % len(column.allowed)]
    kind = column.type
    if kind == "string":
        return _STRINGS.get(column.name, [f"{column.name}-{i:03d}", f"{column.name}-{i:03d}"])[i]
    if kind == "integer":
        return _INTEGERS.get(column.name, [1, 2])[i]
    if kind == "date":
        return date(2021, 1 + i, 1 + i)
    if kind == "timestamp":
        return datetime(2021, 3, 1 + i, 10 + i, 15)
    if kind == "money":
        return [Decimal("1234.50"), Decimal("-0.05")][i]
    if kind == "boolean":
        return i == 0
    raise AssertionError(kind)


def sample_rows(table: Table, n: int = 2) -> list[Row]:
    return [{c.name: sample_value(c, i) for c in table.columns} for i in range(n)]


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_parquet(path: Path, table: Table, rows: list[Row]) -> None:
    pq.write_table(pa.Table.from_pylist(rows, schema=arrow_schema(table)), path)


def write_csv(path: Path, columns: Iterable[str], rows: list[Row]) -> None:
    names = list(columns)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow([_csv_text(row.get(name)) for name in names])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_manifest(directory: Path, entries: dict[str, dict[str, Any]], **extra: Any) -> None:
    manifest = {
        "contract_version": 1,
        "delivery_id": "test-2021",
        "extracted_at": "2022-03-10T06:00:00",
        "period": {"from": "2021-01-01", "to": "2021-12-31"},
        "csv": {"delimiter": ";", "decimal": ","},
        "tables": entries,
        **extra,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def manifest_entry(path: Path, rows: int) -> dict[str, Any]:
    return {"file": path.name, "rows": rows, "sha256": sha256(path)}


def write_delivery(
    directory: Path,
    fmt: str = "parquet",
    *,
    omit: Iterable[str] = (),
    rows: Callable[[Table], list[Row]] = sample_rows,
) -> dict[str, list[Row]]:
    """Write a valid delivery (all contract tables except `omit`); return the rows written."""
    directory.mkdir(parents=True, exist_ok=True)
    skip = set(omit)
    written: dict[str, list[Row]] = {}
    entries: dict[str, dict[str, Any]] = {}
    for table in load_contract():
        if table.name in skip:
            continue
        data = rows(table)
        path = directory / f"{table.name}.{fmt}"
        if fmt == "parquet":
            write_parquet(path, table, data)
        else:
            write_csv(path, table.column_names, data)
        entries[table.name] = manifest_entry(path, len(data))
        written[table.name] = data
    write_manifest(directory, entries)
    return written


def update_manifest(directory: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = directory / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def rewrite_table(directory: Path, table: str, data: pa.Table) -> None:
    """Replace a Parquet table of a delivery (a new file, never the bytes of a shared one) and
    make its manifest entry (rows, sha256) agree with it, so that only the data is changed."""
    path = directory / f"{table}.parquet"
    path.unlink()
    pq.write_table(data, path)
    refresh_entry(directory, table)


def refresh_entry(directory: Path, table: str) -> None:
    """Recompute rows and sha256 of one table after a test rewrote its file."""
    path = next(directory.glob(f"{table}.*"))
    if path.suffix == ".parquet":
        n = pq.ParquetFile(path).metadata.num_rows
    else:
        n = len(path.read_text(encoding="utf-8").splitlines()) - 1

    def change(manifest: dict[str, Any]) -> None:
        manifest["tables"][table] = manifest_entry(path, n)

    update_manifest(directory, change)
