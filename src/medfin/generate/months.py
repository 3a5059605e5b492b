"""Cut a delivery into month deliveries, one per calendar month of its period.

`split_into_months(delivery_dir, out_dir)` writes `out_dir/YYYY-MM/` for every month of the
delivery's period: each a valid contract delivery (manifest.json with that month as its `period`,
row counts and sha256, the same contract version and format), the input of `medfin build
--incremental` (docs/incremental.md). What goes where is the contract's (`by_month`, read through
medfin.contract):

- a table with `by_month` (the activity tables) is cut: a row travels with the row of its `with`
  table that has the same key (a contact with its DRG course, a diagnosis or procedure with its
  contact: relations never point into a later month), else it goes to the month of its own `date`
  column, else (no date, or a null one) to the first month; a date before the period goes to the
  first month, one after it to the last. When several rows of the `with` table share the key (a
  duplicate), the earliest of their months counts. Every row lands in exactly one month, in the
  order of the delivered file.
- every other table (persons, residence, population, the LPR lists, accounting bookings, the
  delivery log) goes whole into every month: complete as of the month's extract. The last month
  carries the delivered file byte for byte; an earlier month, extracted before the delivery was,
  leaves out what the contract's `as_of` says an extract of that day cannot hold (persons born
  after it, and their residence). Every other whole table is the delivered file in every month.

The months' extraction times: the last month keeps the delivery's `extracted_at`; an earlier month
was extracted on day DATA_AS_OF_DAY of the following month (the authority's hospital data as of the
10th), at the delivery's time of day, or at the delivery's own time when that is earlier. So the
months loaded one by one end where the delivery ends (the same closed years), and a closed year's
golden figures do not appear before its last month is loaded.
"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from medfin.contract import Table, load_contract, reader
from medfin.extract import (
    MANIFEST_NAME,
    MINOR_VERSION_KEY,
    DeliveredTable,
    Delivery,
    count_csv_rows,
    month_end,
    next_month,
    sha256_file,
    validate_delivery,
)
from medfin.generate.params import DATA_AS_OF_DAY

# The folder of one month delivery inside `out_dir`.
MONTH_FOLDER_FORMAT = "%Y-%m"


@dataclass(frozen=True)
class MonthSplit:
    """Where each row of a delivery's cut tables goes: per table, the month index (0 = the first
    month of the period) of every row, in the order of the delivered file."""

    months: tuple[date, ...]
    rows: dict[str, np.ndarray]

    def month_rows(self, table: str, month: date) -> np.ndarray:
        """The 0-based file rows of `table` that go to `month`, in file order."""
        return np.flatnonzero(self.rows[table] == self.months.index(month))


def period_months(first: date, last: date) -> tuple[date, ...]:
    """The first day of every calendar month from `first` to `last`."""
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return tuple(months)


def _relation(delivered: DeliveredTable) -> str:
    """The delivered file as a relation with its 0-based `file_row_number`, read with the
    contract's reader (CSV numbered in scan order, as staging numbers it)."""
    path = str(delivered.path).replace("'", "''")
    read = " ".join(reader(delivered.table, delivered.format, path))
    if delivered.format == "csv":
        return f"(select *, row_number() over () - 1 as file_row_number from {read})"
    return read


def _month_index(column: str, months: tuple[date, ...]) -> str:
    """SQL: the index of the month of a date or timestamp column, clamped into the period; a null
    date goes to the first month."""
    first, last = months[0], months[-1]
    return (
        f"case when {column} is null or {column} < date '{first}' then 0"
        f" when {column} >= date '{last}' then {len(months) - 1}"
        f" else date_diff('month', date '{first}', cast({column} as date)) end"
    )


def split_rows(delivery: Delivery) -> MonthSplit:
    """The month of every row of the delivery's cut tables (see the module docstring)."""
    period = delivery.manifest["period"]
    months = period_months(date.fromisoformat(period["from"]), date.fromisoformat(period["to"]))
    contract = load_contract()
    # Key columns a later table travels on, per table it travels with.
    keys: dict[str, set[str]] = {}
    for table in contract.by_month_tables:
        by = table.by_month
        if by is not None and by.with_table is not None and by.with_key is not None:
            keys.setdefault(by.with_table, set()).add(by.with_key)
    rows: dict[str, np.ndarray] = {}
    with duckdb.connect() as con:
        for table in contract.by_month_tables:
            delivered = delivery.tables.get(table.name)
            if delivered is None:
                continue  # an optional table not delivered is absent from every month
            con.execute(
                _assign_sql(table, delivered, months, keys.get(table.name, set()), delivery)
            )
            found = con.execute(f"select m from months_{table.name} order by r").fetchnumpy()["m"]
            rows[table.name] = np.asarray(found, dtype=np.int64)
    return MonthSplit(months, rows)


def _assign_sql(
    table: Table,
    delivered: DeliveredTable,
    months: tuple[date, ...],
    kept: set[str],
    delivery: Delivery,
) -> str:
    by = table.by_month
    assert by is not None
    own = _month_index(f"s.{by.date}", months) if by.date else "0"
    carried = "".join(f", s.{column}" for column in sorted(kept))
    joined = ""
    month = own
    if by.with_table is not None and by.with_table in delivery.tables:
        joined = (
            f" left join (select {by.with_key}, min(m) as m from months_{by.with_table}"
            f" group by {by.with_key}) as p on s.{by.with_key} = p.{by.with_key}"
        )
        month = f"coalesce(p.m, {own})"
    return (
        f"create temp table months_{table.name} as select s.file_row_number as r,"
        f" cast({month} as bigint) as m{carried} from {_relation(delivered)} as s{joined}"
    )


def month_extracted_at(extracted_at: datetime, months: tuple[date, ...], index: int) -> datetime:
    """When month `index` of a delivery extracted at `extracted_at` was extracted (see the module
    docstring): the last month at `extracted_at`, an earlier one on day DATA_AS_OF_DAY of the
    following month at the same time of day, never later than `extracted_at`."""
    if index == len(months) - 1:
        return extracted_at
    following = next_month(months[index]) + timedelta(days=DATA_AS_OF_DAY - 1)
    return min(extracted_at, datetime.combine(following, extracted_at.time()))


def split_into_months(delivery_dir: Path | str, out_dir: Path | str) -> list[Path]:
    """Cut the delivery `delivery_dir` into one month delivery per calendar month of its period,
    written to `out_dir/YYYY-MM/` (out_dir is created; a month folder must not exist yet).
    Returns the month folders in calendar order. The delivery is validated first (sha256 too)."""
    delivery = validate_delivery(delivery_dir)
    split = split_rows(delivery)
    out = Path(out_dir)
    folders = [out / m.strftime(MONTH_FOLDER_FORMAT) for m in split.months]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=False)
    extracted = datetime.fromisoformat(str(delivery.manifest["extracted_at"]))
    extracts = [month_extracted_at(extracted, split.months, i) for i in range(len(folders))]
    # Per month, per table with as_of: the keys of the rows left out (for the tables that follow).
    left_out: list[dict[str, dict[str, pa.Array]]] = [{} for _ in folders]
    for table in load_contract():
        delivered = delivery.tables.get(table.name)
        if delivered is None:
            continue
        if table.by_month is None:
            data = _read(delivered) if table.as_of is not None else None
            for index, folder in enumerate(folders):
                if data is None or extracts[index] == extracted:
                    shutil.copyfile(delivered.path, folder / delivered.path.name)
                    continue
                kept = _as_of_rows(table, data, extracts[index], left_out[index])
                _write(data.filter(pa.array(kept)), delivered, folder / delivered.path.name)
            continue
        data = _read(delivered)
        for index, folder in enumerate(folders):
            part = data.filter(pa.array(split.rows[table.name] == index))
            _write(part, delivered, folder / delivered.path.name)
    for index, (month, folder) in enumerate(zip(split.months, folders, strict=True)):
        manifest = _month_manifest(delivery, month, extracts[index], folder)
        (folder / MANIFEST_NAME).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return folders


def _as_of_rows(
    table: Table, data: pa.Table, extracted_at: datetime, left_out: dict[str, dict[str, pa.Array]]
) -> np.ndarray:
    """Which rows of a whole table an extract of `extracted_at` holds (contract `as_of`). Records
    in `left_out[table]` the keys that only rows left out have, for the tables that follow."""
    as_of = table.as_of
    assert as_of is not None
    keep = np.ones(data.num_rows, dtype=bool)
    if as_of.date is not None:
        with duckdb.connect() as con:
            con.register("whole", data)
            after = con.execute(
                f"select coalesce(try_cast({as_of.date} as date) > ?, false) as after from whole",
                [extracted_at.date()],
            ).fetchnumpy()["after"]
        keep &= ~np.asarray(after, dtype=bool)
    if as_of.with_table is not None and as_of.with_key is not None:
        dropped = left_out.get(as_of.with_table, {}).get(as_of.with_key)
        if dropped is not None and len(dropped):
            gone = pc.is_in(data.column(as_of.with_key), value_set=dropped)
            keep &= ~np.asarray(gone.to_numpy(zero_copy_only=False), dtype=bool)
    followers = {
        t.as_of.with_key
        for t in load_contract()
        if t.as_of is not None and t.as_of.with_table == table.name and t.as_of.with_key
    }
    left_out[table.name] = {}
    for column in followers:
        values = data.column(column)
        kept = pc.unique(values.filter(pa.array(keep)))
        gone = pc.unique(values.filter(pa.array(~keep)))
        left_out[table.name][column] = gone.filter(pc.invert(pc.is_in(gone, value_set=kept)))
    return keep


def _read(delivered: DeliveredTable) -> pa.Table:
    """The delivered file as Arrow, every value as delivered (CSV: text, an empty field null)."""
    if delivered.format == "parquet":
        return pq.read_table(delivered.path)
    contract = load_contract()
    with delivered.path.open(encoding="utf-8-sig", newline="") as fh:
        names = next(csv.reader(fh, delimiter=contract.csv_delimiter), [])
    return pacsv.read_csv(
        delivered.path,
        parse_options=pacsv.ParseOptions(
            delimiter=contract.csv_delimiter,
            quote_char=contract.csv_quote,
            double_quote=True,
            newlines_in_values=True,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            strings_can_be_null=True,
            null_values=[""],
        ),
    )


def _write(part: pa.Table, delivered: DeliveredTable, path: Path) -> None:
    if delivered.format == "parquet":
        pq.write_table(part, path, compression="zstd")
        return
    pacsv.write_csv(
        part,
        path,
        write_options=pacsv.WriteOptions(
            delimiter=load_contract().csv_delimiter, quoting_style="needed"
        ),
    )


def _month_manifest(
    delivery: Delivery, month: date, extracted_at: datetime, folder: Path
) -> dict[str, Any]:
    source = delivery.manifest
    tables = {}
    for name, delivered in delivery.tables.items():
        path = folder / delivered.path.name
        rows = (
            pq.ParquetFile(path).metadata.num_rows
            if delivered.format == "parquet"
            else _csv_rows(path)
        )
        tables[name] = {"file": path.name, "rows": rows, "sha256": sha256_file(path)}
    manifest: dict[str, Any] = {
        "contract_version": source["contract_version"],
        MINOR_VERSION_KEY: source.get(MINOR_VERSION_KEY, 0),
        "delivery_id": f"{source.get('delivery_id') or 'delivery'}-{month:%Y-%m}",
        "extracted_at": extracted_at.isoformat(timespec="seconds"),
        "period": {"from": str(month), "to": str(month_end(month))},
        "tables": tables,
    }
    if "csv" in source:
        manifest["csv"] = source["csv"]
    manifest["split_from"] = {
        "delivery_id": source.get("delivery_id"),
        "extracted_at": source.get("extracted_at"),
        "period": source.get("period"),
    }
    return manifest


def _csv_rows(path: Path) -> int:
    return count_csv_rows(path, load_contract().csv_delimiter)
