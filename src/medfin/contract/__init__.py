"""The raw extract contract (version 1.x) as typed Python objects.

`raw_extract_v1.json` next to this module is the machine-readable copy of the contract; it ships
inside the package so medfin never needs the design documents at run time. Everything that reads or
writes raw files (the generator, the delivery validator, the dbt sources file) derives its column
names and types from here.

The version is major.minor (`contract_version`, `contract_minor_version`): a minor version only
adds optional tables (each names the version that added it, `added_in`), so every delivery of the
same major version is read, one of an older minor version without the tables added since.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pyarrow as pa

CONTRACT_RESOURCE = "raw_extract_v1.json"
SOURCE_NAME = "medfin_raw"
SOURCES_YAML_PATH = "models/staging/_medfin__sources.yml"
BUILD_SOURCE_NAME = "medfin_build"
BUILD_SOURCES_YAML_NAME = "_medfin_build__sources.yml"  # beside SOURCES_YAML_PATH

# Environment variables read by the dbt sources files. MEDFIN_DELIVERY is the delivery folder;
# `medfin build` also sets the other two, for its staged copy of the delivery.
DELIVERY_ENV = "MEDFIN_DELIVERY"
DELIVERY_FORMAT_ENV = "MEDFIN_DELIVERY_FORMAT"
AUDIT_ENV = "MEDFIN_DELIVERY_AUDIT"
DEFAULT_DELIVERY_DIR = "delivery"
# `medfin build --incremental` sets MEDFIN_DELIVERY_LAYOUT=months: the staged folder then holds
# every loaded month delivery, `<table>/delivery_month=YYYY-MM-01/<file>` (src/medfin/increment.py),
# read as one relation with the hive column `delivery_month` (the month delivery of each row).
DELIVERY_LAYOUT_ENV = "MEDFIN_DELIVERY_LAYOUT"
MONTHS_LAYOUT = "months"
MONTH_COLUMN = "delivery_month"
# Where a plain `dbt build` finds the delivery as delivered: the schema in which the on-run-start
# hook (macros/hooks/medfin_delivery.sql) makes one view per contract table and the audit table
# (each source's meta `plain_relation` names its relation for the hook).
DELIVERY_SCHEMA = "medfin_delivery"
AUDIT_TABLE = "delivery_audit"
# The placeholder for the file path in the `readers` of the raw sources (the hook replaces it).
READER_PATH = "{path}"

CONTRACT_TYPES = ("string", "integer", "date", "timestamp", "money", "boolean")


class ContractError(ValueError):
    """The contract JSON itself is malformed."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool
    description: str
    allowed: tuple[str, ...] | None = None
    pattern: str | None = None
    # The values a real row can have (contract bounds_note); staging quarantines the others.
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class ByMonth:
    """How a table of a month delivery is cut by month (contract `by_month`): a row travels with
    the row of `with_table` that has the same `with_key` (its month), else in the month of its own
    `date` column, else in the first month of the period."""

    date: str | None = None
    with_table: str | None = None
    with_key: str | None = None


@dataclass(frozen=True)
class AsOf:
    """What a whole table holds as of an extract (contract `as_of`): not the rows whose `date`
    lies after it, nor the rows whose row of `with_table` (same `with_key`) is left out so."""

    date: str | None = None
    with_table: str | None = None
    with_key: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    required: bool
    key: tuple[str, ...] | None
    description: str
    columns: tuple[Column, ...]
    # Set for the activity tables a month delivery holds one month of; None for the tables every
    # month delivery carries whole (complete as of its extract).
    by_month: ByMonth | None = None
    # A whole table as of an extract (None: every row, whatever the extract).
    as_of: AsOf | None = None
    # The contract version (major.minor) that added the table.
    added_in: str = "1.0"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name} has no column {name!r}")


@dataclass(frozen=True)
class Contract:
    version: int  # the major version: a delivery must name it (manifest contract_version)
    types: Mapping[str, str]
    person_id_pattern: str
    cpr_like_pattern: str
    csv_delimiter: str
    csv_decimal: str
    # The quote character (a quote inside a quoted value is doubled); fixed, never sniffed.
    csv_quote: str
    # Fixed, never guessed: a file whose days are all 12 or less would otherwise be read either way.
    csv_date_format: str
    csv_timestamp_format: str
    # CSV money is read with this wider type, so that staging sees (and quarantines) a third
    # decimal instead of the reader rounding it away; validation still reads the contract type.
    csv_money_read_type: str
    # Oldest plausible resident, in years (population age, birth date against the extract).
    maximum_age: int
    tables: Mapping[str, Table]
    # What a month delivery is (contract `month_delivery_note`).
    month_delivery_note: str = ""
    # The minor version: only optional tables were added since x.0 (manifest
    # contract_minor_version; absent means 0).
    minor_version: int = 0
    # Each version (major.minor) with what it changed.
    versions: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def release(self) -> str:
        """The version as major.minor, e.g. `1.1`."""
        return f"{self.version}.{self.minor_version}"

    def table(self, name: str) -> Table:
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(f"the raw extract contract has no table {name!r}") from None

    def __iter__(self) -> Iterator[Table]:
        return iter(self.tables.values())

    @property
    def required_tables(self) -> tuple[Table, ...]:
        return tuple(t for t in self.tables.values() if t.required)

    @property
    def optional_tables(self) -> tuple[Table, ...]:
        return tuple(t for t in self.tables.values() if not t.required)

    @property
    def by_month_tables(self) -> tuple[Table, ...]:
        """The activity tables: a month delivery holds the rows of its month."""
        return tuple(t for t in self.tables.values() if t.by_month is not None)

    @property
    def whole_tables(self) -> tuple[Table, ...]:
        """The tables every month delivery carries whole (as of its extract)."""
        return tuple(t for t in self.tables.values() if t.by_month is None)


def _parse(raw: Mapping[str, Any]) -> Contract:
    try:
        tables: dict[str, Table] = {}
        for name, spec in raw["tables"].items():
            columns = []
            for col in spec["columns"]:
                if col["type"] not in CONTRACT_TYPES:
                    raise ContractError(f"{name}.{col['name']}: unknown type {col['type']!r}")
                allowed = col.get("allowed")
                columns.append(
                    Column(
                        name=col["name"],
                        type=col["type"],
                        nullable=bool(col["nullable"]),
                        description=col["description"],
                        allowed=tuple(allowed) if allowed is not None else None,
                        pattern=col.get("pattern"),
                        minimum=col.get("minimum"),
                        maximum=col.get("maximum"),
                    )
                )
            key = spec.get("key")
            tables[name] = Table(
                name=name,
                required=bool(spec["required"]),
                key=tuple(key) if key is not None else None,
                description=spec["description"],
                columns=tuple(columns),
                by_month=_by_month(name, spec.get("by_month"), columns, tables),
                as_of=_as_of(name, spec.get("as_of"), columns, tables),
                added_in=str(spec.get("added_in", f"{raw['contract_version']}.0")),
            )
        return _versioned(
            Contract(
                version=int(raw["contract_version"]),
                types=MappingProxyType(dict(raw["types"])),
                person_id_pattern=raw["person_id_pattern"],
                cpr_like_pattern=raw["cpr_like_pattern"],
                csv_delimiter=raw["csv"]["delimiter"],
                csv_decimal=raw["csv"]["decimal"],
                csv_quote=raw["csv"]["quote"],
                csv_date_format=raw["csv"]["date_format"],
                csv_timestamp_format=raw["csv"]["timestamp_format"],
                csv_money_read_type=raw["csv"]["money_read_type"],
                maximum_age=int(raw["maximum_age"]),
                tables=MappingProxyType(tables),
                month_delivery_note=raw.get("month_delivery_note", ""),
                minor_version=int(raw.get("contract_minor_version", 0)),
                versions=MappingProxyType(dict(raw.get("versions") or {})),
            )
        )
    except KeyError as exc:
        raise ContractError(f"malformed contract: missing key {exc}") from exc


def _as_of(
    name: str, spec: Mapping[str, Any] | None, columns: list[Column], earlier: Mapping[str, Table]
) -> AsOf | None:
    """A whole table's `as_of`, checked like `by_month`."""
    if spec is None:
        return None
    with_ = spec.get("with") or {}
    as_of = AsOf(date=spec.get("date"), with_table=with_.get("table"), with_key=with_.get("key"))
    types = {c.name: c.type for c in columns}
    if as_of.date is not None and types.get(as_of.date) not in ("date", "timestamp"):
        raise ContractError(f"{name}.as_of: {as_of.date!r} is not a date or timestamp column")
    if as_of.with_table is not None:
        parent = earlier.get(as_of.with_table)
        if parent is None or parent.as_of is None:
            raise ContractError(f"{name}.as_of: {as_of.with_table} must come earlier, with as_of")
        if as_of.with_key not in parent.column_names or as_of.with_key not in types:
            raise ContractError(f"{name}.as_of: both tables need the column {as_of.with_key!r}")
    return as_of


def _by_month(
    name: str, spec: Mapping[str, Any] | None, columns: list[Column], earlier: Mapping[str, Table]
) -> ByMonth | None:
    """A table's `by_month`, checked: its date column is a date or timestamp of the table, and the
    table it travels with comes earlier in the contract, is cut by month itself and has the key
    column, which this table has too."""
    if spec is None:
        return None
    travels_with = spec.get("with") or {}
    by = ByMonth(
        date=spec.get("date"),
        with_table=travels_with.get("table"),
        with_key=travels_with.get("key"),
    )
    types = {c.name: c.type for c in columns}
    if by.date is None and by.with_table is None:
        raise ContractError(f"{name}.by_month: give a date column, a table to travel with, or both")
    if by.date is not None and types.get(by.date) not in ("date", "timestamp"):
        raise ContractError(f"{name}.by_month: {by.date!r} is not a date or timestamp column")
    if by.with_table is not None:
        parent = earlier.get(by.with_table)
        if parent is None or parent.by_month is None:
            raise ContractError(
                f"{name}.by_month: {by.with_table} must be a table cut by month, earlier in the"
                " contract"
            )
        if by.with_key not in parent.column_names or by.with_key not in types:
            raise ContractError(
                f"{name}.by_month: {name} and {by.with_table} need the column {by.with_key!r}"
            )
    return by


def _versioned(contract: Contract) -> Contract:
    """Every table was added by a listed version of this major version, no later than the
    contract's own, and only as an optional table after x.0 (a minor version adds, never
    requires)."""
    for table in contract:
        if table.added_in not in contract.versions:
            raise ContractError(f"{table.name}: added_in {table.added_in!r} is not in `versions`")
        major, minor = (int(part) for part in table.added_in.split("."))
        if major != contract.version or minor > contract.minor_version:
            raise ContractError(
                f"{table.name}: added_in {table.added_in} is not a version up to {contract.release}"
            )
        if minor > 0 and table.required:
            raise ContractError(
                f"{table.name}: added in the minor version {table.added_in}, so it must be optional"
            )
    if contract.release not in contract.versions:
        raise ContractError(f"`versions` does not say what version {contract.release} changed")
    return contract


def _bounded_age(contract: Contract) -> Contract:
    """Every `age` column's maximum is the contract's maximum_age: one number, written twice."""
    for table in contract:
        if "age" not in table.column_names:
            continue
        age = table.column("age")
        if age.maximum != contract.maximum_age:
            raise ContractError(
                f"{table.name}.age maximum {age.maximum} differs from maximum_age"
                f" {contract.maximum_age}"
            )
    return contract


@cache
def load_contract() -> Contract:
    """The packaged raw extract contract (parsed once per process)."""
    text = resources.files(__name__).joinpath(CONTRACT_RESOURCE).read_text(encoding="utf-8")
    return _bounded_age(_parse(json.loads(text)))


# Full-width digits (as typed on some keyboards) are digits too; the SQL side translates the same.
FULL_WIDTH_DIGITS = "０１２３４５６７８９"


def person_id_letters_and_digits(value: str) -> str:
    """A person id reduced to its letters and digits, full-width digits as 0-9: what the CPR rule
    searches, so that a tab, no-break or zero-width space, a dash or a prefix hides nothing.
    The staging rule (macro staging_rules, letters_and_digits) does the same in SQL."""
    value = value.translate(str.maketrans(FULL_WIDTH_DIGITS, "0123456789"))
    return "".join(ch for ch in value if ch.isalpha() or ch.isnumeric())


def is_pseudonym_shaped(value: str) -> bool:
    """person_id as the contract allows it: the pseudonym pattern, and nothing CPR-shaped inside."""
    contract = load_contract()
    return bool(re.match(contract.person_id_pattern, value)) and not re.search(
        contract.cpr_like_pattern, person_id_letters_and_digits(value)
    )


def duckdb_type(column: Column) -> str:
    """DuckDB type of a contract column, e.g. `DECIMAL(14,2)` for money."""
    return load_contract().types[column.type]


_ARROW_TYPES: Mapping[str, pa.DataType] = MappingProxyType(
    {
        "string": pa.string(),
        "integer": pa.int64(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("us"),
        "money": pa.decimal128(14, 2),
        "boolean": pa.bool_(),
    }
)


def arrow_type(column: Column) -> pa.DataType:
    """The canonical Arrow type of a contract column (what the generator writes)."""
    return _ARROW_TYPES[column.type]


def arrow_schema(table: Table | str, *, enforce_nullability: bool = False) -> pa.Schema:
    """Arrow schema of a contract table in contract column order.

    Fields are nullable unless `enforce_nullability` is set: a null in a non-nullable column is a
    data defect that staging quarantines, not something a file writer should refuse to write.
    """
    if isinstance(table, str):
        table = load_contract().table(table)
    return pa.schema(
        [
            pa.field(c.name, arrow_type(c), nullable=c.nullable or not enforce_nullability)
            for c in table.columns
        ]
    )


# --------------------------------------------------------------------------------------------------
# dbt sources files


def _yaml_str(value: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def csv_read_type(column: Column) -> str:
    """The type dbt's CSV source reads a column as: the contract type, but money wider."""
    if column.type == "money":
        return load_contract().csv_money_read_type
    return duckdb_type(column)


def _csv_types_struct(table: Table) -> str:
    return "{" + ", ".join(f"'{c.name}': '{csv_read_type(c)}'" for c in table.columns) + "}"


def reader(table: Table, fmt: str, path: str) -> list[str]:
    """Lines of the DuckDB table function that reads one file of `table` in `fmt` at `path`
    (inserted as is between single quotes: SQL-escaped text or a placeholder).

    Parquet sources carry one extra column, `file_row_number` (0-based row in the file), so that
    staging can tell an auditor which delivered row it rejected. DuckDB's CSV reader has no such
    option; staging numbers CSV rows itself (macros/staging/source_row_number.sql), and the
    on-run-start hook's views add the column (macros/hooks/medfin_delivery.sql).
    """
    contract = load_contract()
    if fmt == "parquet":
        return [f"read_parquet('{path}', file_row_number=true)"]
    return [
        f"read_csv('{path}', delim='{contract.csv_delimiter}',"
        f" decimal_separator='{contract.csv_decimal}', header=true, auto_detect=true,",
        f"  quote='{contract.csv_quote}', escape='{contract.csv_quote}',",
        f"  dateformat='{contract.csv_date_format}',",
        f"  timestampformat='{contract.csv_timestamp_format}',",
        f"  types={_csv_types_struct(table)})",
    ]


def not_delivered(table: Table, fmt: str) -> str:
    """The query of an optional table that was not delivered, in a delivery of `fmt`: no rows, the
    columns and types the reader would give (and the row number the hook's views carry), as
    `medfin build`'s empty placeholder file reads."""
    read_type = csv_read_type if fmt == "csv" else duckdb_type
    columns = [f"cast(null as {read_type(c)}) as {c.name}" for c in table.columns]
    return f"select {', '.join(columns)}, cast(null as BIGINT) as file_row_number where false"


def _escaped_env(variable: str, default: str) -> str:
    """Jinja: an environment variable, escaped for SQL (`'`) and for dbt-duckdb's second pass with
    `string.Template` (`$`)."""
    return f"env_var('{variable}', '{default}') | replace(\"'\", \"''\") | replace('$', '$$')"


def months_reader(table: Table, fmt: str, delivery: str) -> list[str]:
    """Lines of the relation of every loaded month of `table` in the months layout: each file
    with its month (hive partition `delivery_month`, a date) and its 0-based `file_row_number`
    within its own file (CSV: numbered in scan order within each month, as staging numbers a
    delivered CSV file)."""
    files = f"{delivery}/{table.name}/*/*.{fmt}"
    hive = f"hive_partitioning=true, hive_types={{'{MONTH_COLUMN}': 'DATE'}}"
    if fmt == "parquet":
        return [f"read_parquet('{files}', file_row_number=true, {hive})"]
    read = reader(table, "csv", files)
    read[-1] = read[-1][:-1] + f", {hive})"
    return [
        "(select *, row_number() over (",
        f"  partition by {MONTH_COLUMN} order by scan_row) - 1 as file_row_number",
        "from (select *, row_number() over () as scan_row from",
        *read,
        "))",
    ]


def external_location(table: Table) -> list[str]:
    """Lines of the Jinja template that dbt-duckdb uses as the table's relation.

    Rendered by dbt at parse time (env_var), then by dbt-duckdb with `string.Template`
    (`formatter: template`), which leaves the `{...}` of the CSV `types` struct alone; `$` and `'`
    in the delivery path are escaped for that second pass and for SQL.

    With MEDFIN_DELIVERY_FORMAT set (`medfin build` sets it), the source reads
    `<MEDFIN_DELIVERY>/<table>.<format>`: medfin's staged folder, where every contract table has a
    file; with MEDFIN_DELIVERY_LAYOUT=months too (`medfin build --incremental`), every loaded
    month's file of the table (months_reader). Unset (a plain `dbt build`), it reads the view
    that the on-run-start hook made in schema DELIVERY_SCHEMA from the delivery as delivered: the
    file manifest.json names, in the format its extension says, or an empty relation for an
    optional table that was not delivered.
    """
    return [
        f"{{%- set delivery = {_escaped_env(DELIVERY_ENV, DEFAULT_DELIVERY_DIR)} -%}}",
        f"{{%- set delivery_format = env_var('{DELIVERY_FORMAT_ENV}', '') | lower -%}}",
        f"{{%- set months = env_var('{DELIVERY_LAYOUT_ENV}', '') == '{MONTHS_LAYOUT}' -%}}",
        "{%- if months and delivery_format == 'csv' -%}",
        *months_reader(table, "csv", "{{ delivery }}"),
        "{%- elif months -%}",
        *months_reader(table, "parquet", "{{ delivery }}"),
        "{%- elif delivery_format == 'csv' -%}",
        *reader(table, "csv", f"{{{{ delivery }}}}/{table.name}.csv"),
        "{%- elif delivery_format -%}",
        *reader(table, "parquet", f"{{{{ delivery }}}}/{table.name}.parquet"),
        "{%- else -%}",
        f"(select * from {DELIVERY_SCHEMA}.{table.name})",
        "{%- endif -%}",
    ]


def _block(indent: int, key: str, lines: list[str]) -> list[str]:
    """A YAML literal block scalar `key: |-` with `lines`, at `indent` spaces."""
    pad = " " * indent
    return [f"{pad}{key}: |-", *(f"{pad}  {line}" for line in lines)]


def render_sources_yaml() -> str:
    """The text of models/staging/_medfin__sources.yml, generated from the contract."""
    contract = load_contract()
    out: list[str] = [
        "# GENERATED from src/medfin/contract/raw_extract_v1.json by `python -m medfin.contract`.",
        "# Do not edit by hand: change the contract and regenerate (a test checks they agree).",
        "#",
        f"# {DELIVERY_ENV} is the delivery folder. A plain `dbt build` reads it as delivered:",
        "# the on-run-start hook (macros/hooks/medfin_delivery.sql) makes one view per table in",
        f"# schema {DELIVERY_SCHEMA} over the file manifest.json names (`readers`: Parquet, or CSV",
        "# with ';' and decimal comma), or no rows (`not_delivered`) for an absent optional table.",
        f"# `medfin build` sets {DELIVERY_FORMAT_ENV} and points {DELIVERY_ENV} at its validated,",
        "# staged copy (src/medfin/extract.py), read directly as <table>.parquet or <table>.csv;",
        f"# `medfin build --incremental` also sets {DELIVERY_LAYOUT_ENV}={MONTHS_LAYOUT}: each"
        " loaded",
        f"# month's file, <table>/{MONTH_COLUMN}=YYYY-MM-01/<file>, with a column {MONTH_COLUMN}.",
        "# The CSV reader matches contract columns by header name and casts them to the contract's",
        "# DuckDB types (money wider), so both formats expose the same names; extra columns pass",
        "# through and staging ignores them. Parquet adds `file_row_number` (0-based row in the",
        "# file) for staging's source_row_number; the hook's views add it to CSV too.",
        "version: 2",
        "",
        "sources:",
        f"  - name: {SOURCE_NAME}",
        "    description: "
        + _yaml_str(
            f"Raw extract, contract version {contract.release}: one delivery folder with"
            " manifest.json and one Parquet or CSV file per table. Only staging models read it."
        ),
        "    tables:",
    ]
    for table in contract:
        status = "required" if table.required else "optional (empty when not delivered)"
        key = ", ".join(table.key) if table.key else "none"
        since = "" if table.added_in.endswith(".0") else f"; added in version {table.added_in}"
        out += [
            f"      - name: {table.name}",
            "        description: "
            + _yaml_str(f"{table.description} Contract table, {status}; key: {key}{since}."),
            "        config:",
            "          meta:",
            f"            contract_required: {'true' if table.required else 'false'}",
            "            formatter: template",
            *_block(12, "external_location", external_location(table)),
            f"            plain_relation: {DELIVERY_SCHEMA}.{table.name}",
            "            readers:",
            *_block(14, "parquet", reader(table, "parquet", READER_PATH)),
            *_block(14, "csv", reader(table, "csv", READER_PATH)),
            "            not_delivered:",
            f"              parquet: {_yaml_str(not_delivered(table, 'parquet'))}",
            f"              csv: {_yaml_str(not_delivered(table, 'csv'))}",
        ]
        out.append("        columns:")
        for col in table.columns:
            desc = col.description
            if col.allowed is not None:
                desc += " Allowed: " + ", ".join(col.allowed) + "."
            if col.pattern is not None:
                desc += f" Pattern: {col.pattern}"
            desc += " Nullable." if col.nullable else ""
            out += [
                f"          - name: {col.name}",
                f"            data_type: {_yaml_str(duckdb_type(col))}",
                f"            description: {_yaml_str(desc)}",
            ]
    return "\n".join(out) + "\n"


@dataclass(frozen=True)
class AuditColumn:
    name: str
    type: str  # DuckDB type
    description: str


# What `medfin build` established about each contract table before dbt ran: the columns of
# <staged delivery>/_delivery_audit.csv (src/medfin/extract.py, write_delivery_audit) and of the
# relation the on-run-start hook makes from manifest.json when dbt runs on its own.
AUDIT_COLUMNS: tuple[AuditColumn, ...] = (
    AuditColumn(
        "source_table", "VARCHAR", "Contract table name (e.g. `drg_contacts`, `lpr_error_list`)."
    ),
    AuditColumn(
        "delivered",
        "BOOLEAN",
        "true when the table was delivered; false = an optional table that was absent.",
    ),
    AuditColumn("file_name", "VARCHAR", "Name of the delivered file; empty when not delivered."),
    AuditColumn("file_format", "VARCHAR", "parquet or csv (the delivery's format)."),
    AuditColumn(
        "manifest_rows",
        "BIGINT",
        "Row count the manifest declares for the file; empty when not delivered.",
    ),
    AuditColumn(
        "sha256_manifest",
        "VARCHAR",
        "SHA-256 (lower-case hex) the manifest declares for the file; empty when not delivered.",
    ),
    AuditColumn(
        "sha256_status",
        "VARCHAR",
        "verified (checksum recomputed and equal), not_checked (--skip-sha256, or a plain"
        " `dbt build`) or not_delivered.",
    ),
    AuditColumn("delivery_id", "VARCHAR", "Delivery id from the manifest."),
    AuditColumn("extracted_at", "TIMESTAMP", "When the region extracted the data (manifest)."),
    AuditColumn("period_from", "DATE", "First day of the delivered period (manifest)."),
    AuditColumn("period_to", "DATE", "Last day of the delivered period (manifest)."),
    AuditColumn(
        "validated_at",
        "TIMESTAMP",
        "When medfin validated the delivery (UTC); empty after a plain `dbt build`, which"
        " validates nothing.",
    ),
)


def audit_location() -> list[str]:
    """Lines of the Jinja template of the delivery audit's relation: the CSV `medfin build` wrote
    (MEDFIN_DELIVERY_AUDIT), else the relation the on-run-start hook made from manifest.json."""
    types = ", ".join(f"'{c.name}': '{c.type}'" for c in AUDIT_COLUMNS)
    return [
        f"{{%- set audit = {_escaped_env(AUDIT_ENV, '')} -%}}",
        "{%- if audit -%}",
        "read_csv('{{ audit }}', delim=',', header=true,",
        f"  types={{{types}}})",
        "{%- else -%}",
        f"(select * from {DELIVERY_SCHEMA}.{AUDIT_TABLE})",
        "{%- endif -%}",
    ]


def render_build_sources_yaml() -> str:
    """The text of models/staging/_medfin_build__sources.yml (the delivery audit's source)."""
    out = [
        "# GENERATED from AUDIT_COLUMNS in src/medfin/contract/__init__.py by",
        "# `python -m medfin.contract`. Do not edit by hand (a test checks they agree).",
        "#",
        "# What was established about the delivery before dbt ran. `medfin build` validates the",
        f"# delivery, writes <staged delivery>/_delivery_audit.csv and sets {AUDIT_ENV} to it",
        "# (comma separated with a header; every column's type is given, so no value depends on",
        "# DuckDB's type sniffing). A plain `dbt build` leaves it unset: the on-run-start hook",
        "# (macros/hooks/medfin_delivery.sql) makes the same rows from manifest.json, with",
        "# sha256_status not_checked and no validated_at. Only stg_medfin_build__delivery_audit",
        "# reads it.",
        "version: 2",
        "",
        "sources:",
        f"  - name: {BUILD_SOURCE_NAME}",
        "    description: "
        + _yaml_str(
            "Facts recorded about the delivery before dbt ran (by medfin's validation, or from the"
            " manifest by the on-run-start hook), not delivered by the region."
        ),
        "    tables:",
        f"      - name: {AUDIT_TABLE}",
        "        description: "
        + _yaml_str(
            f"One row per contract table ({len(load_contract().tables)}): whether it was delivered,"
            " the row count and SHA-256 the manifest declares for it, and whether the checksum was"
            " verified during validation."
        ),
        "        config:",
        "          meta:",
        "            formatter: template",
        *_block(12, "external_location", audit_location()),
        f"            plain_relation: {DELIVERY_SCHEMA}.{AUDIT_TABLE}",
        "        columns:",
    ]
    for col in AUDIT_COLUMNS:
        out += [
            f"          - name: {col.name}",
            f"            data_type: {_yaml_str(col.type)}",
            f"            description: {_yaml_str(col.description)}",
        ]
    return "\n".join(out) + "\n"


def render_sources_files(raw_path: Path) -> dict[Path, str]:
    """Both generated sources files: the raw extract's at `raw_path`, the audit's beside it."""
    return {
        raw_path: render_sources_yaml(),
        raw_path.with_name(BUILD_SOURCES_YAML_NAME): render_build_sources_yaml(),
    }


def main(argv: list[str] | None = None) -> int:
    """`python -m medfin.contract [--check] [PATH]`: write (or check) the dbt sources files (PATH,
    the raw extract's, and the build audit's beside it)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m medfin.contract", description=main.__doc__)
    parser.add_argument("path", nargs="?", default=SOURCES_YAML_PATH, type=Path)
    parser.add_argument("--check", action="store_true", help="fail if a file is out of date")
    args = parser.parse_args(argv)
    files = render_sources_files(args.path)
    if args.check:
        stale = [
            path
            for path, text in files.items()
            if (path.read_text(encoding="utf-8") if path.exists() else None) != text
        ]
        for path in stale:
            print(f"{path} is out of date; run `python -m medfin.contract`")
        if stale:
            return 1
        print(", ".join(str(path) for path in files) + " up to date")
        return 0
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0
