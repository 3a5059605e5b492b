"""Monthly increments (docs/incremental.md): the month deliveries a warehouse is made of, kept
beside it, and the folder `medfin build --incremental` gives dbt.

Next to the warehouse file (default `warehouse/medfin.duckdb`):

    warehouse/medfin.months/<table>/<YYYY-MM-01>/<sha256>.<ext>
        the delivered files the published warehouse was built from: every loaded month's file of
        each table a month delivery cuts by month, and each whole table (persons, residence, ...)
        of the delivery in use for it. A file is named by its content and never rewritten; a file
        no published warehouse lists is removed after the next publication or refusal.

The published warehouse lists them (schema MONTHS_SCHEMA, written here, kept by copying the
published warehouse into the candidate):

    medfin_months.deliveries    one row per loaded month: the month delivery in use for it
    medfin_months.files         one row per loaded month and table it delivered (or not)
    medfin_months.whole_tables  one row per whole table: the version in use (from the delivery
                                with the latest extraction; a tie goes to the later load)

A load keeps the loaded months contiguous: it re-delivers a loaded month (replacing it), or adds
the month after the last or before the first. The folder dbt reads (stage) holds, per contract
table, `<table>/delivery_month=YYYY-MM-01/<file>` links to the store, read as one relation with
the hive column delivery_month (MEDFIN_DELIVERY_LAYOUT=months), and the delivery audit of the
whole warehouse: row counts summed over the months, so that quality.row_conservation reconciles
every loaded row with staging and quarantine.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from medfin.contract import (
    DELIVERY_LAYOUT_ENV,
    MONTH_COLUMN,
    MONTHS_LAYOUT,
    load_contract,
)
from medfin.extract import (
    AUDIT_COLUMNS,
    AUDIT_NAME,
    MANIFEST_NAME,
    MINOR_VERSION_KEY,
    Delivery,
    DeliveryError,
    delivery_month,
    next_month,
    write_placeholder,
)
from medfin.sqltext import literal

MONTHS_SCHEMA = "medfin_months"
# The month `medfin build --incremental` loads, for the base models (macros/staging/
# staging_by_month.sql); set only when they may load it incrementally.
INCREMENTAL_MONTH_ENV = "MEDFIN_INCREMENTAL_MONTH"
# Folders of the project whose files decide the warehouse's contents (with the tools' versions).
PROJECT_PARTS = ("dbt_project.yml", "macros", "models", "seeds")

_DDL = {
    "deliveries": f"""
        create table {MONTHS_SCHEMA}.deliveries (
            delivery_month date not null,
            delivery_id varchar,
            extracted_at timestamp not null,
            period_from date not null,
            period_to date not null,
            file_format varchar not null,
            sha256_status varchar not null,
            loaded_at timestamp not null,
            loaded_by_run varchar,
            project_fingerprint varchar not null
        )""",
    "files": f"""
        create table {MONTHS_SCHEMA}.files (
            delivery_month date not null,
            source_table varchar not null,
            delivered boolean not null,
            file_name varchar,
            manifest_rows bigint,
            sha256 varchar,
            store_path varchar
        )""",
    "whole_tables": f"""
        create table {MONTHS_SCHEMA}.whole_tables (
            source_table varchar not null,
            delivered boolean not null,
            file_name varchar,
            manifest_rows bigint,
            sha256 varchar,
            sha256_status varchar not null,
            store_path varchar,
            delivery_month date not null,
            delivery_id varchar,
            extracted_at timestamp not null
        )""",
}
_COMMENTS = {
    "deliveries": "The month deliveries this warehouse was built from, one per loaded month"
    " (medfin build --incremental; docs/incremental.md). Kept by medfin, not by dbt.",
    "files": "Per loaded month and contract table: what the month delivery delivered (file, rows,"
    " sha256 from its manifest) and, for a table cut by month, its file in the month store.",
    "whole_tables": "Per contract table a month delivery carries whole (persons, residence, ...):"
    " the version in use, from the loaded delivery with the latest extraction.",
}


_COLUMN_COMMENTS = {
    "delivery_month": "The month delivery (first day of its month).",
    "delivery_id": "Delivery id from its manifest.",
    "extracted_at": "When the region extracted it (manifest).",
    "period_from": "First day of its period (manifest).",
    "period_to": "Last day of its period (manifest).",
    "file_format": "parquet or csv.",
    "sha256_status": "verified (checksums recomputed at validation) or not_checked.",
    "loaded_at": "When medfin loaded it (UTC).",
    "loaded_by_run": "The run (quality.check_results.run_id) that loaded it.",
    "project_fingerprint": "Hash of the project that built the warehouse with it (dbt files,"
    " versions): a month is judged incrementally only by the same project.",
    "source_table": "Contract table.",
    "delivered": "Whether the delivery held the table (an optional table may be absent).",
    "file_name": "The delivered file's name.",
    "manifest_rows": "Rows of the file (manifest).",
    "sha256": "SHA-256 of the file (manifest, lower-case hex).",
    "store_path": "The file in the month store beside the warehouse (<stem>.months/), relative;"
    " null when the file is not in use.",
}


class LoadRefused(DeliveryError):
    """The month delivery does not fit the warehouse (one line says why)."""

    def __init__(self, directory: Path, problem: str, note: str = "") -> None:
        super().__init__(directory, [problem], note=note)


@dataclass(frozen=True)
class LoadedFile:
    source_table: str
    delivered: bool
    file_name: str | None = None
    rows: int | None = None
    sha256: str | None = None
    store_path: str | None = None  # relative to the store folder


@dataclass(frozen=True)
class LoadedMonth:
    month: date
    delivery_id: str | None
    extracted_at: datetime
    period_from: date
    period_to: date
    file_format: str
    sha256_status: str
    loaded_at: datetime
    loaded_by_run: str | None
    project_fingerprint: str
    files: Mapping[str, LoadedFile]


@dataclass(frozen=True)
class WholeTable:
    file: LoadedFile
    sha256_status: str
    month: date
    delivery_id: str | None
    extracted_at: datetime


@dataclass
class Loaded:
    """What a month-loaded warehouse is made of (the tables of MONTHS_SCHEMA)."""

    months: dict[date, LoadedMonth] = field(default_factory=dict)
    whole: dict[str, WholeTable] = field(default_factory=dict)

    @property
    def file_format(self) -> str | None:
        return next((m.file_format for m in self.months.values()), None)

    @property
    def last_load(self) -> LoadedMonth | None:
        return max(self.months.values(), key=lambda m: m.loaded_at, default=None)

    def store_paths(self) -> set[str]:
        """Every store file this warehouse lists."""
        paths = {f.store_path for m in self.months.values() for f in m.files.values()}
        paths |= {w.file.store_path for w in self.whole.values()}
        return {p for p in paths if p}


def store_dir(warehouse: Path) -> Path:
    """The month store beside the warehouse file."""
    return warehouse.with_name(f"{warehouse.stem}.months")


# --------------------------------------------------------------------------------------------------
# reading and writing the list in a warehouse


def read_loaded(warehouse: Path) -> Loaded | None:
    """The months a warehouse file lists, or None when it was built from a full delivery (or does
    not exist). The file is opened read-only."""
    if not warehouse.exists():
        return None
    with duckdb.connect(str(warehouse), read_only=True) as con:
        found = con.execute(
            "select count(*) from duckdb_tables() where schema_name = ?", [MONTHS_SCHEMA]
        ).fetchone()
        if not found or found[0] < len(_DDL):
            return None
        files: dict[date, dict[str, LoadedFile]] = {}
        for row in con.execute(
            f"select delivery_month, source_table, delivered, file_name, manifest_rows, sha256,"
            f" store_path from {MONTHS_SCHEMA}.files"
        ).fetchall():
            files.setdefault(row[0], {})[row[1]] = LoadedFile(*row[1:])
        loaded = Loaded()
        for row in con.execute(
            f"select delivery_month, delivery_id, extracted_at, period_from, period_to,"
            f" file_format, sha256_status, loaded_at, loaded_by_run, project_fingerprint"
            f" from {MONTHS_SCHEMA}.deliveries"
        ).fetchall():
            loaded.months[row[0]] = LoadedMonth(*row, files=files.get(row[0], {}))
        for row in con.execute(
            f"select source_table, delivered, file_name, manifest_rows, sha256, store_path,"
            f" sha256_status, delivery_month, delivery_id, extracted_at"
            f" from {MONTHS_SCHEMA}.whole_tables"
        ).fetchall():
            loaded.whole[row[0]] = WholeTable(LoadedFile(*row[:6]), *row[6:])
    return loaded


def write_loaded(con: duckdb.DuckDBPyConnection, loaded: Loaded) -> None:
    """Replace the list in a (candidate) warehouse by `loaded`."""
    con.execute(f"drop schema if exists {MONTHS_SCHEMA} cascade")
    con.execute(f"create schema {MONTHS_SCHEMA}")
    for name, ddl in _DDL.items():
        con.execute(ddl)
        con.execute(f"comment on table {MONTHS_SCHEMA}.{name} is {literal(_COMMENTS[name])}")
        for (column,) in con.execute(
            "select column_name from duckdb_columns() where schema_name = ? and table_name = ?",
            [MONTHS_SCHEMA, name],
        ).fetchall():
            text = literal(_COLUMN_COMMENTS[column])
            con.execute(f"comment on column {MONTHS_SCHEMA}.{name}.{column} is {text}")
    for month in sorted(loaded.months.values(), key=lambda m: m.month):
        con.execute(
            f"insert into {MONTHS_SCHEMA}.deliveries (delivery_month, delivery_id, extracted_at,"
            " period_from, period_to, file_format, sha256_status, loaded_at, loaded_by_run,"
            " project_fingerprint) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                month.month,
                month.delivery_id,
                month.extracted_at,
                month.period_from,
                month.period_to,
                month.file_format,
                month.sha256_status,
                month.loaded_at,
                month.loaded_by_run,
                month.project_fingerprint,
            ],
        )
        for f in month.files.values():
            con.execute(
                f"insert into {MONTHS_SCHEMA}.files (delivery_month, source_table, delivered,"
                " file_name, manifest_rows, sha256, store_path) values (?, ?, ?, ?, ?, ?, ?)",
                [
                    month.month,
                    f.source_table,
                    f.delivered,
                    f.file_name,
                    f.rows,
                    f.sha256,
                    f.store_path,
                ],
            )
    for whole in loaded.whole.values():
        f = whole.file
        con.execute(
            f"insert into {MONTHS_SCHEMA}.whole_tables (source_table, delivered, file_name,"
            " manifest_rows, sha256, store_path, sha256_status, delivery_month, delivery_id,"
            " extracted_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                f.source_table,
                f.delivered,
                f.file_name,
                f.rows,
                f.sha256,
                f.store_path,
                whole.sha256_status,
                whole.month,
                whole.delivery_id,
                whole.extracted_at,
            ],
        )


def record_run(con: duckdb.DuckDBPyConnection, month: date, run_id: str) -> None:
    """Name the build that loaded `month` (known once dbt ran)."""
    con.execute(
        f"update {MONTHS_SCHEMA}.deliveries set loaded_by_run = ? where delivery_month = ?",
        [run_id, month],
    )


# --------------------------------------------------------------------------------------------------
# the load


def project_fingerprint(project: Path) -> str:
    """A hash of everything that decides a base table's verdicts besides the data: the project's
    dbt files (models, macros, seeds, dbt_project.yml) and the versions of medfin, dbt and DuckDB.
    A month is loaded incrementally only into a warehouse built with the same fingerprint."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256()
    for dist in ("medfin", "dbt-core", "dbt-duckdb", "duckdb"):
        try:
            digest.update(f"{dist} {version(dist)}\n".encode())
        except PackageNotFoundError:
            digest.update(f"{dist} -\n".encode())
    for part in PROJECT_PARTS:
        root = project / part
        paths = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in paths:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(project)).encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass
class Load:
    """One month delivery to load into a warehouse: what it replaces, and the new list."""

    delivery: Delivery
    month: date
    before: Loaded | None  # the published warehouse's list; None: the first month
    after: Loaded
    fingerprint: str

    @property
    def incremental(self) -> bool:
        """Whether the base models may judge only the affected months: the candidate starts from
        the published warehouse, built by the same project."""
        last = self.before.last_load if self.before else None
        return last is not None and last.project_fingerprint == self.fingerprint

    def dbt_env(self) -> dict[str, str]:
        values = {DELIVERY_LAYOUT_ENV: MONTHS_LAYOUT}
        if self.incremental:
            values[INCREMENTAL_MONTH_ENV] = self.month.isoformat()
        return values

    def describe(self) -> str:
        months = sorted(self.after.months)
        replaced = self.before is not None and self.month in self.before.months
        how = (
            "staging judged the affected months only"
            if self.incremental
            else "staging judged every loaded row"
            + ("" if self.before is None else " (the project changed since the last load)")
        )
        return (
            f"{'re-delivered' if replaced else 'loaded'} month {self.month:%Y-%m};"
            f" the warehouse holds {len(months)} month(s), {months[0]:%Y-%m} to"
            f" {months[-1]:%Y-%m}; {how}"
        )


def _previous_month(month: date) -> date:
    return (month - timedelta(days=1)).replace(day=1)


def plan(delivery: Delivery, warehouse: Path, published: bool, fingerprint: str) -> Load | str:
    """The load of `delivery` into `warehouse`, or one line saying the month is loaded already
    with the same files (nothing to do). Raises LoadRefused when the delivery does not fit."""
    origin = delivery.origin
    month = delivery_month(delivery.manifest)
    period = delivery.manifest["period"]
    if month is None:
        raise LoadRefused(
            origin,
            f"not a month delivery: its period {period['from']} to {period['to']} is not one"
            " calendar month (cut a longer delivery with `medfin split`, or build it without"
            " --incremental)",
        )
    before = read_loaded(warehouse) if published else None
    if published and before is None:
        raise LoadRefused(
            origin,
            f"the published warehouse {warehouse} was built from a full delivery; a month is"
            " added to a warehouse loaded month by month (load every month of the year with"
            " --incremental into a new warehouse, or build the full delivery again)",
        )
    if before is not None:
        missing = sorted(
            p for p in before.store_paths() if not (store_dir(warehouse) / p).is_file()
        )
        if missing:
            raise LoadRefused(
                origin,
                f"the month store {store_dir(warehouse)} lacks {len(missing)} file(s) the"
                f" published warehouse was built from (first: {missing[0]}); restore them, or load"
                " every month again into a new warehouse",
            )
        loaded = sorted(before.months)
        if before.file_format != delivery.format:
            raise LoadRefused(
                origin,
                f"the month is in {delivery.format}, the loaded months in {before.file_format};"
                " a warehouse's month deliveries share one format",
            )
        fits = (
            month in before.months
            or month == next_month(loaded[-1])
            or month == _previous_month(loaded[0])
        )
        if not fits:
            raise LoadRefused(
                origin,
                f"month {month:%Y-%m} does not join the loaded months {loaded[0]:%Y-%m} to"
                f" {loaded[-1]:%Y-%m}; load the months between first (the loaded months stay"
                " contiguous)",
            )
        same = before.months.get(month)
        if same is not None and _same_files(same, delivery):
            return (
                f"month {month:%Y-%m} is loaded already with the same files (delivery"
                f" {same.delivery_id}); nothing to do, {warehouse} was left as it was"
            )
    return Load(delivery, month, before, before or Loaded(), fingerprint)


def _same_files(loaded: LoadedMonth, delivery: Delivery) -> bool:
    delivered = {name: d.sha256.lower() for name, d in delivery.tables.items()}
    before = {f.source_table: f.sha256 for f in loaded.files.values() if f.delivered}
    return delivered == before


def store(load: Load, store: Path) -> Loaded:
    """Put the month's files into the store and work out the new list (`load.after`): the month
    replaces its earlier version; its whole tables replace the ones in use when it was extracted
    no earlier. The files are moved from the private copy validation read (the same bytes)."""
    delivery = load.delivery
    now = datetime.now(UTC).replace(tzinfo=None)
    extracted = datetime.fromisoformat(str(delivery.manifest["extracted_at"]))
    status = "verified" if delivery.sha256_verified else "not_checked"
    before = load.before or Loaded()
    current = max((w.extracted_at for w in before.whole.values()), default=None)
    takes_whole = current is None or extracted >= current
    files: dict[str, LoadedFile] = {}
    whole: dict[str, WholeTable] = dict(before.whole)
    for table in load_contract():
        delivered = delivery.tables.get(table.name)
        if delivered is None:
            files[table.name] = LoadedFile(table.name, False)
            if table.by_month is None and takes_whole:
                whole[table.name] = WholeTable(
                    LoadedFile(table.name, False),
                    "not_delivered",
                    load.month,
                    delivery.delivery_id,
                    extracted,
                )
            continue
        entry = LoadedFile(
            table.name, True, delivered.path.name, delivered.rows, delivered.sha256.lower()
        )
        keep = table.by_month is not None or takes_whole
        if keep:
            relative = f"{table.name}/{load.month.isoformat()}/{entry.sha256}.{delivered.format}"
            target = store / relative
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_suffix(".partial")
                shutil.move(delivered.path, partial)  # a rename: both lie beside the warehouse
                os.replace(partial, target)
            if table.by_month is not None:
                entry = replace(entry, store_path=relative)
            else:
                whole[table.name] = WholeTable(
                    replace(entry, store_path=relative),
                    status,
                    load.month,
                    delivery.delivery_id,
                    extracted,
                )
        files[table.name] = entry
    period = delivery.manifest["period"]
    months = dict(before.months)
    months[load.month] = LoadedMonth(
        month=load.month,
        delivery_id=delivery.delivery_id,
        extracted_at=extracted,
        period_from=date.fromisoformat(period["from"]),
        period_to=date.fromisoformat(period["to"]),
        file_format=delivery.format,
        sha256_status=status,
        loaded_at=now,
        loaded_by_run=None,
        project_fingerprint=load.fingerprint,
        files=files,
    )
    load.after = Loaded(months, whole)
    return load.after


def collect_garbage(store: Path, keep: Iterable[str]) -> None:
    """Remove the store files no published warehouse lists (and folders left empty)."""
    if not store.is_dir():
        return
    kept = {store / path for path in keep}
    for path in sorted(store.rglob("*"), reverse=True):
        if path.is_file() and path not in kept:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    if not any(store.iterdir()):
        store.rmdir()


# --------------------------------------------------------------------------------------------------
# the folder dbt reads


def stage(loaded: Loaded, store: Path, target: Path, delivery: Delivery) -> Path:
    """The folder dbt's sources read in the months layout: per contract table,
    `<table>/delivery_month=YYYY-MM-01/<file>` linking to the store (a table no loaded month
    delivered: one empty, typed placeholder), manifest.json of the whole warehouse and the
    delivery audit of its loaded months (`delivery` is the month this build loads)."""
    contract = load_contract()
    fmt = loaded.file_format or delivery.format
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for table in contract:
        if table.by_month is None:
            whole = loaded.whole.get(table.name)
            parts = {whole.month: whole.file} if whole and whole.file.store_path else {}
        else:
            parts = {
                m.month: m.files[table.name]
                for m in loaded.months.values()
                if table.name in m.files and m.files[table.name].store_path
            }
        for month, file in parts.items():
            folder = target / table.name / f"{MONTH_COLUMN}={month.isoformat()}"
            folder.mkdir(parents=True, exist_ok=True)
            os.symlink((store / str(file.store_path)).resolve(), folder / f"{table.name}.{fmt}")
        if not parts:
            first = min(loaded.months)
            folder = target / table.name / f"{MONTH_COLUMN}={first.isoformat()}"
            folder.mkdir(parents=True)
            write_placeholder(table, fmt, folder / f"{table.name}.{fmt}")
    (target / MANIFEST_NAME).write_text(
        json.dumps(_manifest(loaded, delivery), indent=2, default=str) + "\n", encoding="utf-8"
    )
    write_audit(loaded, delivery, target / AUDIT_NAME)
    return target


def _manifest(loaded: Loaded, delivery: Delivery) -> dict[str, Any]:
    """manifest.json of the staged folder: what a plain reader needs to know of it."""
    months = sorted(loaded.months.values(), key=lambda m: m.month)
    return {
        "contract_version": delivery.manifest["contract_version"],
        MINOR_VERSION_KEY: delivery.manifest.get(MINOR_VERSION_KEY, 0),
        "delivery_id": delivery.delivery_id,
        "extracted_at": _extracted_at(loaded).isoformat(),
        "period": {"from": str(months[0].period_from), "to": str(months[-1].period_to)},
        "months": [m.month.isoformat() for m in months],
        "tables": {row["source_table"]: row for row in _audit_rows(loaded, delivery)},
    }


def _extracted_at(loaded: Loaded) -> datetime:
    times = [m.extracted_at for m in loaded.months.values()]
    times += [w.extracted_at for w in loaded.whole.values()]
    return max(times)


def _audit_rows(loaded: Loaded, delivery: Delivery) -> list[dict[str, str]]:
    months = sorted(loaded.months.values(), key=lambda m: m.month)
    fmt = loaded.file_format or delivery.format
    rows = []
    for table in load_contract():
        if table.by_month is None:
            whole = loaded.whole.get(table.name)
            parts = [(whole.month, whole.file, whole.sha256_status)] if whole else []
        else:
            parts = [(m.month, m.files[table.name], m.sha256_status) for m in months]
        delivered = [(month, f, status) for month, f, status in parts if f.delivered]
        if not delivered:
            rows.append(
                {
                    "source_table": table.name,
                    "delivered": "false",
                    "sha256_status": "not_delivered",
                    "file_format": fmt,
                }
            )
            continue
        names = sorted({str(f.file_name) for _, f, _ in delivered})
        checksums = "".join(f"{month.isoformat()} {f.sha256}\n" for month, f, _ in delivered)
        rows.append(
            {
                "source_table": table.name,
                "delivered": "true",
                "file_format": fmt,
                "file_name": ", ".join(names),
                "manifest_rows": str(sum(int(f.rows or 0) for _, f, _ in delivered)),
                # A table delivered in several months: the checksum of the months' checksums.
                "sha256_manifest": (
                    str(delivered[0][1].sha256)
                    if table.by_month is None
                    else hashlib.sha256(checksums.encode()).hexdigest()
                ),
                "sha256_status": (
                    "verified"
                    if all(status == "verified" for *_, status in delivered)
                    else "not_checked"
                ),
            }
        )
    return rows


def write_audit(loaded: Loaded, delivery: Delivery, path: Path) -> None:
    """The delivery audit (extract.write_delivery_audit's columns) of a month-loaded warehouse:
    per contract table its loaded months summed (rows; a checksum of the months' checksums), or
    the whole table in use; the period of the loaded months and the latest extraction."""
    months = sorted(loaded.months.values(), key=lambda m: m.month)
    shared = {
        "delivery_id": delivery.delivery_id or "",
        "extracted_at": _extracted_at(loaded).strftime("%Y-%m-%dT%H:%M:%S"),
        "period_from": str(months[0].period_from),
        "period_to": str(months[-1].period_to),
        "validated_at": delivery.validated_at.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=AUDIT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in _audit_rows(loaded, delivery):
            writer.writerow(row | shared)
