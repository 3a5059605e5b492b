"""The raw extract contract (version 1) as typed Python objects.

`raw_extract_v1.json` next to this module is the machine-readable copy of the contract; it ships
inside the package so medfin never needs the design documents at run time. Everything that reads or
writes raw files (the generator, the delivery validator, the dbt sources file) derives its column
names and types from here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

import pyarrow as pa

CONTRACT_RESOURCE = "raw_extract_v1.json"
SOURCE_NAME = "medfin_raw"
SOURCES_YAML_PATH = "models/staging/_medfin__sources.yml"

# Environment variables read by the dbt sources file (set by `medfin build`).
DELIVERY_ENV = "MEDFIN_DELIVERY"
DELIVERY_FORMAT_ENV = "MEDFIN_DELIVERY_FORMAT"
DEFAULT_DELIVERY_DIR = "delivery"

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
class Table:
    name: str
    required: bool
    key: tuple[str, ...] | None
    description: str
    columns: tuple[Column, ...]

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
    version: int
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
            )
        return Contract(
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
        )
    except KeyError as exc:
        raise ContractError(f"malformed contract: missing key {exc}") from exc


def _bounded_age(contract: Contract) -> Contract:
    """The population age's maximum is the contract's maximum_age: one number, written twice."""
    age = contract.table("population").column("age")
    if age.maximum != contract.maximum_age:
        raise ContractError(
            f"population.age maximum {age.maximum} differs from maximum_age {contract.maximum_age}"
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
# dbt sources file


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


def external_location(table: Table) -> list[str]:
    """Lines of the Jinja template that dbt-duckdb uses as the table's relation.

    Rendered by dbt at parse time (env_var), then by dbt-duckdb with `string.Template`
    (`formatter: template`), which leaves the `{...}` of the CSV `types` struct alone; `$` and `'`
    in the delivery path are escaped for that second pass and for SQL.

    Parquet sources carry one extra column, `file_row_number` (0-based row in the file), so that
    staging can tell an auditor which delivered row it rejected. DuckDB's CSV reader has no such
    option; staging numbers CSV rows itself (macros/staging/source_row_number.sql).
    """
    contract = load_contract()
    return [
        f"{{%- set delivery = env_var('{DELIVERY_ENV}', '{DEFAULT_DELIVERY_DIR}')"
        " | replace(\"'\", \"''\") | replace('$', '$$') -%}",
        f"{{%- if env_var('{DELIVERY_FORMAT_ENV}', 'parquet') | lower == 'csv' -%}}",
        f"read_csv('{{{{ delivery }}}}/{table.name}.csv', delim='{contract.csv_delimiter}',"
        f" decimal_separator='{contract.csv_decimal}', header=true, auto_detect=true,",
        f"  quote='{contract.csv_quote}', escape='{contract.csv_quote}',",
        f"  dateformat='{contract.csv_date_format}',",
        f"  timestampformat='{contract.csv_timestamp_format}',",
        f"  types={_csv_types_struct(table)})",
        "{%- else -%}",
        f"read_parquet('{{{{ delivery }}}}/{table.name}.parquet', file_row_number=true)",
        "{%- endif -%}",
    ]


def render_sources_yaml() -> str:
    """The text of models/staging/_medfin__sources.yml, generated from the contract."""
    contract = load_contract()
    out: list[str] = [
        "# GENERATED from src/medfin/contract/raw_extract_v1.json by `python -m medfin.contract`.",
        "# Do not edit by hand: change the contract and regenerate (a test checks they agree).",
        "#",
        f"# Each table reads <{DELIVERY_ENV}>/<table>.parquet, or <table>.csv when",
        f"# {DELIVERY_FORMAT_ENV}=csv (';' separated, decimal comma). The CSV reader matches",
        "# contract columns by header name and casts them to the contract's DuckDB types, so both",
        "# formats expose the same names and types; extra columns pass through and staging ignores",
        "# them. Parquet sources add `file_row_number` (0-based row in the file) for staging's",
        "# source_row_number. `medfin build` points the variables at a validated copy of the",
        "# delivery (see src/medfin/extract.py).",
        "version: 2",
        "",
        "sources:",
        f"  - name: {SOURCE_NAME}",
        "    description: "
        + _yaml_str(
            f"Raw extract, contract version {contract.version}: one delivery folder with"
            " manifest.json and one Parquet or CSV file per table. Only staging models read it."
        ),
        "    tables:",
    ]
    for table in contract:
        status = "required" if table.required else "optional (empty when not delivered)"
        key = ", ".join(table.key) if table.key else "none"
        out += [
            f"      - name: {table.name}",
            "        description: "
            + _yaml_str(f"{table.description} Contract table, {status}; key: {key}."),
            "        config:",
            "          meta:",
            f"            contract_required: {'true' if table.required else 'false'}",
            "            formatter: template",
            "            external_location: |-",
        ]
        out += [f"              {line}" for line in external_location(table)]
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


def main(argv: list[str] | None = None) -> int:
    """`python -m medfin.contract [--check] [PATH]`: write (or check) the dbt sources file."""
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="python -m medfin.contract", description=main.__doc__)
    parser.add_argument("path", nargs="?", default=SOURCES_YAML_PATH, type=Path)
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    args = parser.parse_args(argv)
    text = render_sources_yaml()
    path: Path = args.path
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            print(f"{path} is out of date; run `python -m medfin.contract`")
            return 1
        print(f"{path} is up to date")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0
