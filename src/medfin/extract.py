"""Read and validate a raw extract delivery (contract version 1.x).

A delivery is a folder with `manifest.json` and one Parquet or CSV file per table. Before dbt reads
anything, `validate_delivery` proves that the delivery is complete and intact: every required table
is listed and present, row counts and SHA-256 sums match the manifest, and every file carries the
contracted columns with the contracted types. Problems are collected and reported together in one
`DeliveryError`; harmless surprises (extra columns, unknown tables) become warnings.

`stage_delivery` then prepares the folder dbt actually reads; see its docstring for how optional
tables that were not delivered are handled.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from medfin.contract import AUDIT_COLUMNS as contract_audit_columns
from medfin.contract import Column, Table, arrow_schema, duckdb_type, load_contract

MANIFEST_NAME = "manifest.json"
# The manifest's minor contract version (absent: 0); its major version is `contract_version`.
MINOR_VERSION_KEY = "contract_minor_version"
FORMATS = {".parquet": "parquet", ".csv": "csv"}
_CHUNK = 1 << 20


class DeliveryError(Exception):
    """The delivery breaks the raw extract contract.

    The message starts with one line naming the first problem (its file and table, and the row
    and column where the problem has one), then at most SHOWN_PROBLEMS more; `log`, when set, is
    the file that lists every problem.
    """

    SHOWN_PROBLEMS = 5

    def __init__(
        self, directory: Path, problems: Iterable[str], *, log: Path | None = None, note: str = ""
    ) -> None:
        self.directory = directory
        self.problems = list(problems)
        self.log = log
        self.note = note
        first, *more = self.problems or ["no problem recorded"]
        lines = [f"delivery {directory} refused: {first.strip()}"]
        if more:
            lines.append(f"  and {len(more)} more problem{'s' if len(more) != 1 else ''}:")
            lines += [f"  - {p}" for p in more[: self.SHOWN_PROBLEMS]]
            if len(more) > self.SHOWN_PROBLEMS:
                lines.append(f"  - ... {len(more) - self.SHOWN_PROBLEMS} more")
        if note:
            lines.append(note)
        if log is not None:
            lines.append(f"Every problem: {log}")
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class DeliveredTable:
    """One contract table as found in the delivery."""

    table: Table
    path: Path
    format: str
    rows: int
    sha256: str


@dataclass
class Delivery:
    """A validated delivery."""

    directory: Path
    manifest: Mapping[str, Any]
    format: str
    tables: dict[str, DeliveredTable]
    absent_optional: tuple[str, ...]
    warnings: list[str] = field(default_factory=list)
    sha256_verified: bool = False
    validated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    # The folder that was delivered, when `directory` is the private copy that was validated.
    received_from: Path | None = None

    @property
    def origin(self) -> Path:
        return self.received_from or self.directory

    @property
    def delivery_id(self) -> str | None:
        value = self.manifest.get("delivery_id")
        return str(value) if value is not None else None


# --------------------------------------------------------------------------------------------------
# manifest


def read_manifest(directory: Path | str) -> dict[str, Any]:
    """Parse `<directory>/manifest.json` and check its envelope (contract version, tables)."""
    directory = Path(directory)
    path = directory / MANIFEST_NAME
    if not directory.is_dir():
        raise DeliveryError(directory, [f"{directory} is not a folder"])
    if not path.is_file():
        raise DeliveryError(directory, [f"{MANIFEST_NAME} is missing"])
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DeliveryError(directory, [f"{MANIFEST_NAME} is not valid JSON: {exc}"]) from exc
    if not isinstance(manifest, dict):
        raise DeliveryError(directory, [f"{MANIFEST_NAME} must hold a JSON object"])
    version = manifest.get("contract_version")
    expected = load_contract().version
    if version != expected or isinstance(version, bool):
        raise DeliveryError(
            directory,
            [f"{MANIFEST_NAME}: contract_version is {version!r}; medfin reads version {expected}"],
        )
    minor = manifest.get(MINOR_VERSION_KEY, 0)
    if not isinstance(minor, int) or isinstance(minor, bool) or minor < 0:
        raise DeliveryError(
            directory,
            [
                f"{MANIFEST_NAME}: {MINOR_VERSION_KEY} must be a whole number of 0 or more"
                f" (the x of version {expected}.x), not {json.dumps(minor)}"
            ],
        )
    if not isinstance(manifest.get("tables"), dict):
        raise DeliveryError(directory, [f"{MANIFEST_NAME}: 'tables' must be an object"])
    problems = _envelope_problems(manifest)
    if problems:
        raise DeliveryError(directory, problems)
    return manifest


def _envelope_problems(manifest: Mapping[str, Any]) -> list[str]:
    """The manifest's period and extraction time, which decide the closed years (golden figures):
    a malformed value is refused here, in one line, before anything is staged."""
    problems = []
    period = manifest.get("period")
    bounds: list[date] = []
    if not isinstance(period, dict):
        problems.append(
            f"{MANIFEST_NAME}: 'period' must be an object like"
            ' {"from": "2021-01-01", "to": "2021-12-31"}'
            f", not {json.dumps(period)}"
        )
    else:
        for end in ("from", "to"):
            try:
                bounds.append(date.fromisoformat(str(period.get(end))))
            except ValueError:
                problems.append(
                    f"{MANIFEST_NAME}: period.{end} must be a date (YYYY-MM-DD),"
                    f" not {json.dumps(period.get(end))}"
                )
        if len(bounds) == 2 and bounds[0] > bounds[1]:
            problems.append(
                f"{MANIFEST_NAME}: period.from {bounds[0]} lies after period.to {bounds[1]}"
            )
    try:
        datetime.fromisoformat(str(manifest.get("extracted_at")))
    except ValueError:
        problems.append(
            f"{MANIFEST_NAME}: extracted_at must be a timestamp (YYYY-MM-DDTHH:MM:SS),"
            f" not {json.dumps(manifest.get('extracted_at'))}"
        )
    return problems


def delivery_month(manifest: Mapping[str, Any]) -> date | None:
    """The calendar month a month delivery covers: its period is exactly that month (from its
    first to its last day; raw-extract contract, `month_delivery_note`). None for any other
    period. Call it on a manifest read_manifest accepted."""
    period = manifest.get("period") or {}
    first = date.fromisoformat(str(period.get("from")))
    last = date.fromisoformat(str(period.get("to")))
    if first.day != 1 or last != month_end(first):
        return None
    return first


def next_month(month: date) -> date:
    """The first day of the month after `month`'s."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_end(month: date) -> date:
    """The last day of `month`'s month."""
    return next_month(month) - timedelta(days=1)


# --------------------------------------------------------------------------------------------------
# helpers


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def count_csv_rows(path: Path, delimiter: str = ";") -> int:
    """Data rows of a CSV file (records, header excluded; a last line without newline counts).

    Fast path: count newlines. A file with a quote character may hold line breaks inside quoted
    values (one record over several lines), so it is counted record by record instead.
    """
    lines = 0
    last = b"\n"
    quoted = False
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            lines += chunk.count(b"\n")
            quoted = quoted or b'"' in chunk
            last = chunk[-1:]
    if quoted:
        # (not UTF-8: counted anyway; validation names the encoding problem next)
        with path.open(encoding="utf-8", errors="replace", newline="") as fh:
            return max(sum(1 for _ in csv.reader(fh, delimiter=delimiter)) - 1, 0)
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)


def read_csv_header(path: Path, delimiter: str) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh, delimiter=delimiter), [])


def _type_matches(column: Column, found: pa.DataType) -> bool:
    """Whether an Arrow type found in a Parquet file is acceptable for a contract column.

    The canonical types are those of `medfin.contract.arrow_schema`; narrower integers, other
    timestamp units, `date64`, large strings and dictionary-encoded strings are accepted because
    DuckDB reads them losslessly. Money may also be a float (the contract allows floats that round
    exactly to øre; staging checks that).
    """
    t = pa.types
    if t.is_dictionary(found):
        found = found.value_type
    kind = column.type
    if kind == "string":
        return t.is_string(found) or t.is_large_string(found) or t.is_string_view(found)
    if kind == "integer":
        return t.is_integer(found) and found != pa.uint64()
    if kind == "date":
        return t.is_date(found)
    if kind == "timestamp":
        return t.is_timestamp(found) and found.tz is None
    if kind == "money":
        if t.is_decimal(found):
            return found.scale <= 2 and found.precision - found.scale <= 12
        return t.is_float64(found)
    if kind == "boolean":
        return t.is_boolean(found)
    raise AssertionError(f"unknown contract type {kind}")


def _expected(column: Column) -> str:
    return f"{column.type} ({duckdb_type(column)})"


def _check_parquet_schema(
    table: Table, schema: pa.Schema, errors: list[str], warnings: list[str]
) -> None:
    names = [f.name for f in schema]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        # A reader would silently take one of them: a flipped `sex` column was published so.
        errors.append(
            f"table {table.name}: the file has more than one column named " + ", ".join(duplicated)
        )
        return
    found = {f.name: f.type for f in schema}
    for column in table.columns:
        if column.name not in found:
            errors.append(
                f"table {table.name}, column {column.name}: missing (expected {_expected(column)})"
            )
            continue
        found_type = found[column.name]
        if pa.types.is_null(found_type):
            warnings.append(
                f"table {table.name}, column {column.name}: untyped all-null column in the file"
            )
        elif not _type_matches(column, found_type):
            errors.append(
                f"table {table.name}, column {column.name}: expected {_expected(column)},"
                f" found {found_type}"
            )
    _warn_extra(table, list(found), warnings)


def _check_csv_header(
    table: Table, header: list[str], errors: list[str], warnings: list[str]
) -> None:
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        errors.append(f"table {table.name}: duplicate CSV header names {', '.join(duplicates)}")
    for column in table.columns:
        if column.name not in header:
            errors.append(
                f"table {table.name}, column {column.name}: missing from the CSV header"
                f" (expected {_expected(column)}, found header {';'.join(header)})"
            )
    _warn_extra(table, header, warnings)


def _warn_extra(table: Table, names: list[str], warnings: list[str]) -> None:
    extra = [n for n in names if n not in table.column_names]
    if extra:
        warnings.append(
            f"table {table.name}: extra columns {', '.join(extra)} are not in the contract and"
            " are kept out of the warehouse"
        )


def _check_csv_values(
    delivered: Iterable[DeliveredTable], delimiter: str, decimal: str, errors: list[str]
) -> None:
    """Parse every contracted column of the CSV files with its contract type (DuckDB, strict).

    The dbt sources cast the same way, so a value that fails here would fail the build later with
    a less helpful message.
    """
    with duckdb.connect() as con:
        for item in delivered:
            if problem := _check_csv_file(con, item, delimiter, decimal):
                errors.append(problem)


def _check_csv_file(
    con: duckdb.DuckDBPyConnection, delivered: DeliveredTable, delimiter: str, decimal: str
) -> str | None:
    table = delivered.table
    types = ", ".join(f"'{c.name}': '{duckdb_type(c)}'" for c in table.columns)
    counts = ", ".join(f'count("{c.name}")' for c in table.columns)
    path = str(delivered.path).replace("'", "''")
    contract = load_contract()
    sql = (
        f"select {counts} from read_csv('{path}', delim='{delimiter}',"
        f" decimal_separator='{decimal}', header=true, types={{{types}}},"
        f" quote='{contract.csv_quote}', escape='{contract.csv_quote}',"
        f" dateformat='{contract.csv_date_format}',"
        f" timestampformat='{contract.csv_timestamp_format}')"
    )
    try:
        con.execute(sql).fetchall()
    except duckdb.Error as exc:
        detail = "\n      ".join(str(exc).strip().splitlines()[:4])
        return f"table {table.name}: CSV values do not parse as the contract types:\n      {detail}"
    return None


# --------------------------------------------------------------------------------------------------
# validation


def validate_delivery(
    directory: Path | str, verify_sha256: bool = True, *, verify_csv_values: bool = True
) -> Delivery:
    """Validate a delivery folder against manifest.json and the contract.

    Raises DeliveryError naming every problem (table, column, expected and found type where it
    applies). Returns the validated Delivery, whose `warnings` list non-fatal findings.
    """
    directory = Path(directory).resolve()
    manifest = read_manifest(directory)
    contract = load_contract()
    entries: Mapping[str, Any] = manifest["tables"]
    month = delivery_month(manifest)
    errors: list[str] = []
    warnings: list[str] = []

    csv_settings = manifest.get("csv") or {}
    if not isinstance(csv_settings, dict):
        errors.append(f"{MANIFEST_NAME}: 'csv' must be an object")
        csv_settings = {}
    delimiter = csv_settings.get("delimiter", contract.csv_delimiter)
    decimal = csv_settings.get("decimal", contract.csv_decimal)
    csv_dialect_ok = (delimiter, decimal) == (contract.csv_delimiter, contract.csv_decimal)

    minor = manifest.get(MINOR_VERSION_KEY, 0)
    if minor > contract.minor_version:
        warnings.append(
            f"{MANIFEST_NAME}: contract version {contract.version}.{minor} is newer than the"
            f" {contract.release} medfin reads; tables added since are ignored"
        )
    for name in entries:
        if name not in contract.tables:
            warnings.append(f"table {name}: not in the contract; ignored")

    tables: dict[str, DeliveredTable] = {}
    absent: list[str] = []
    csv_to_parse: list[DeliveredTable] = []
    for table in contract:
        entry = entries.get(table.name)
        if entry is None:
            if table.required:
                errors.append(f"table {table.name}: required, but missing from {MANIFEST_NAME}")
            else:
                absent.append(table.name)
            continue
        delivered = _check_entry(directory, table, entry, errors)
        if delivered is None:
            continue
        n_errors = len(errors)
        if delivered.format == "parquet":
            try:
                meta = pq.ParquetFile(delivered.path)
                found_rows, schema = meta.metadata.num_rows, meta.schema_arrow
            except (pa.ArrowException, OSError) as exc:
                errors.append(
                    f"table {table.name}: {delivered.path.name} is not readable Parquet: {exc}"
                )
                continue
            _check_parquet_schema(table, schema, errors, warnings)
        else:
            found_rows = count_csv_rows(delivered.path, delimiter)
            try:
                header = read_csv_header(delivered.path, delimiter)
            except UnicodeDecodeError:
                errors.append(f"table {table.name}: {delivered.path.name} is not UTF-8 text")
                continue
            _check_csv_header(table, header, errors, warnings)
        if found_rows != delivered.rows:
            errors.append(
                f"table {table.name}: {delivered.path.name} has {found_rows} rows,"
                f" {MANIFEST_NAME} says {delivered.rows}"
            )
        elif table.required and found_rows == 0 and month is not None and table.by_month:
            # A month may have no rows of an activity (full financing in a small area).
            warnings.append(f"table {table.name}: no rows in the month {month:%Y-%m}")
        elif table.required and found_rows == 0:
            # An empty required table is no delivery of it: publishing it would replace the
            # published figures with nothing.
            errors.append(
                f"table {table.name}: required, but {delivered.path.name} has no rows"
                f" (a delivery holds data for every required table)"
            )
        if verify_sha256:
            actual = sha256_file(delivered.path)
            if actual != delivered.sha256.lower():
                errors.append(
                    f"table {table.name}: sha256 of {delivered.path.name} is {actual},"
                    f" {MANIFEST_NAME} says {delivered.sha256}"
                )
        if (
            delivered.format == "csv"
            and verify_csv_values
            and csv_dialect_ok
            and len(errors) == n_errors
        ):
            csv_to_parse.append(delivered)
        tables[table.name] = delivered
    if csv_to_parse:
        _check_csv_values(csv_to_parse, delimiter, decimal, errors)

    # Delivery-wide causes go first: every table's problems may follow from them.
    formats = sorted({d.format for d in tables.values()})
    if len(formats) > 1:
        errors.insert(
            0,
            "mixed file formats ("
            + ", ".join(f"{d.table.name}: {d.format}" for d in tables.values())
            + "); a delivery must be all Parquet or all CSV",
        )
    if "csv" in formats and not csv_dialect_ok:
        errors.insert(
            0,
            f"{MANIFEST_NAME}: csv delimiter {delimiter!r} and decimal {decimal!r} are not"
            f" supported; the contract uses {contract.csv_delimiter!r}"
            f" and {contract.csv_decimal!r}",
        )
    if errors:
        raise DeliveryError(directory, errors)
    return Delivery(
        directory=directory,
        manifest=manifest,
        format=formats[0] if formats else "parquet",
        tables=tables,
        absent_optional=tuple(absent),
        warnings=warnings,
        sha256_verified=verify_sha256,
    )


def _check_entry(
    directory: Path, table: Table, entry: Any, errors: list[str]
) -> DeliveredTable | None:
    where = f"table {table.name}"
    if not isinstance(entry, dict):
        errors.append(f"{where}: manifest entry must be an object")
        return None
    file, rows, digest = entry.get("file"), entry.get("rows"), entry.get("sha256")
    problems = []
    if not isinstance(file, str) or not file:
        problems.append("'file' must be a file name")
    if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
        problems.append("'rows' must be a non-negative integer")
    if not isinstance(digest, str) or len(digest) != 64:
        problems.append("'sha256' must be a 64-character hex digest")
    if problems:
        errors.append(f"{where}: manifest entry invalid: {'; '.join(problems)}")
        return None
    assert isinstance(file, str)
    assert isinstance(rows, int)
    assert isinstance(digest, str)
    # Lexical check (symlinks inside the delivery may point anywhere; `..` may not).
    path = Path(os.path.normpath(directory / file))
    if not path.is_relative_to(directory):
        errors.append(f"{where}: file {file!r} lies outside the delivery folder")
        return None
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        errors.append(f"{where}: file {file!r} is neither .parquet nor .csv")
        return None
    if not path.is_file():
        errors.append(f"{where}: file {file} listed in {MANIFEST_NAME} does not exist")
        return None
    return DeliveredTable(table=table, path=path, format=fmt, rows=rows, sha256=digest)


# --------------------------------------------------------------------------------------------------
# the private copy that is validated and read


def receive_delivery(
    directory: Path | str, target: Path, *, verify_sha256: bool = True
) -> Delivery:
    """Copy the delivery into the private folder `target`, then validate the copy.

    Validation hashes files and dbt reads them later; if both read the delivery folder, a file
    swapped or rewritten in between would be published as verified. Copying first (manifest and
    every file it lists, links followed) makes the verified bytes the bytes that are read. The
    returned Delivery points at the copy; its `received_from` is the folder that was delivered.
    Problems are reported against that folder.
    """
    source = Path(directory).resolve()
    manifest = read_manifest(source)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True, mode=0o750)
    shutil.copyfile(source / MANIFEST_NAME, target / MANIFEST_NAME)
    for entry in manifest["tables"].values():
        file = entry.get("file") if isinstance(entry, dict) else None
        if not isinstance(file, str) or not file:
            continue  # validation names the entry
        path = Path(os.path.normpath(source / file))
        if path.is_relative_to(source) and path.is_file():
            copy = target / path.relative_to(source)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, copy)
    try:
        delivery = validate_delivery(target, verify_sha256=verify_sha256)
    except DeliveryError as exc:
        problems = [p.replace(str(target), str(source)) for p in exc.problems]
        raise DeliveryError(source, problems) from None
    if read_manifest(target) != manifest:  # the manifest changed while it was copied
        raise DeliveryError(source, [f"{MANIFEST_NAME} changed while the delivery was read"])
    delivery.received_from = source
    return delivery


# --------------------------------------------------------------------------------------------------
# the folder dbt reads


def stage_delivery(delivery: Delivery, target: Path) -> Path:
    """Build the folder dbt's sources read: `<target>/<table>.<format>` for every contract table.

    Optional tables that were not delivered still need a relation, because staging models and
    quality marts select from every source. Rather than making every model conditional, this folder
    holds a symlink to each delivered file (named `<table>.<ext>` whatever the delivered name) plus
    an empty, correctly typed placeholder (header-only CSV or zero-row Parquet written from the
    contract's Arrow schema) for each absent optional table. Downstream SQL always sees every
    contract table; an absent table is simply empty and the quality marts report it as not
    delivered.
    The folder lives in the warehouse's work folder and is recreated on every build; the delivery
    itself is never modified. Where symlinks are not allowed, files are hard-linked or copied.
    """
    contract = load_contract()
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    _link(delivery.directory / MANIFEST_NAME, target / MANIFEST_NAME)
    write_delivery_audit(delivery, target / AUDIT_NAME)
    ext = delivery.format
    for table in contract:
        dest = target / f"{table.name}.{ext}"
        delivered = delivery.tables.get(table.name)
        if delivered is not None:
            _link(delivered.path, dest)
        else:
            write_placeholder(table, ext, dest)
    return target


def write_placeholder(table: Table, fmt: str, dest: Path) -> None:
    """An empty, correctly typed file of `table` in `fmt`: a zero-row Parquet file written from
    the contract's Arrow schema, or a header-only CSV file."""
    if fmt == "parquet":
        pq.write_table(arrow_schema(table).empty_table(), dest)
    else:
        with dest.open("w", encoding="utf-8", newline="") as fh:
            fh.write(load_contract().csv_delimiter.join(table.column_names) + "\n")


AUDIT_NAME = "_delivery_audit.csv"
# The audit's columns, in the order of its dbt source (generated from the same list).
AUDIT_COLUMNS = tuple(column.name for column in contract_audit_columns)


def write_delivery_audit(delivery: Delivery, path: Path) -> None:
    """What validation established about each contract table, for the warehouse to keep.

    One row per contract table (source `medfin_build.delivery_audit`, read by
    quality.row_conservation; `medfin build` gives dbt its path as MEDFIN_DELIVERY_AUDIT): whether
    it was delivered, the manifest's row count and checksum, and whether the checksum was verified
    (`--skip-sha256` leaves it `not_checked`).
    """
    period = delivery.manifest.get("period") or {}
    shared = {
        "delivery_id": delivery.delivery_id or "",
        "extracted_at": str(delivery.manifest.get("extracted_at") or ""),
        "period_from": str(period.get("from") or ""),
        "period_to": str(period.get("to") or ""),
        "validated_at": delivery.validated_at.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=AUDIT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for table in load_contract():
            delivered = delivery.tables.get(table.name)
            if delivered is None:
                row = {"delivered": "false", "sha256_status": "not_delivered"}
            else:
                row = {
                    "delivered": "true",
                    "file_name": delivered.path.name,
                    "manifest_rows": str(delivered.rows),
                    "sha256_manifest": delivered.sha256.lower(),
                    "sha256_status": "verified" if delivery.sha256_verified else "not_checked",
                }
            writer.writerow(
                {"source_table": table.name, "file_format": delivery.format} | row | shared
            )


def _link(source: Path, dest: Path) -> None:
    try:
        os.symlink(source.resolve(), dest)
    except OSError:
        try:
            os.link(source, dest)
        except OSError:
            shutil.copy2(source, dest)
