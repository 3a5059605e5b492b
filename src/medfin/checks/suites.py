"""The expectation suites in `expectations/` (GX's suite JSON) and what medfin needs to run them.

Each file is one Great Expectations suite, loaded with GX's own schema. Besides GX's fields, the
suite's `meta.medfin` block says what to validate and where run-time values come from:

    table          schema.table the suite validates (must exist, or the suite reports `error`)
    query          optional SQL for the batch; default `select * from <table>`
    schema + batch a batch medfin builds at run time (`count_cells`: every count cell of every
                   table in the schema, one row per cell); no table in the schema = `not_applicable`
    count_columns  (count_cells) which columns of a wide table hold counts: data_types, not_named
    long_format    (count_cells) tables with all `requires` columns hold one figure per row in
                   `value_column`; the rows matching `count_rows` (SQL) are counts, labelled by
                   `label_columns` in the detail
    value_sets     parameter name -> {table, column}: the distinct values of a seed column
    index_columns  columns GX reports for unexpected rows (shown as the detail of a failure)

Every expectation's `meta` names its check in the check catalogue (seeds.check_catalogue,
`check_name`) and says where to look; severity, level, category, context and GX's own `severity`
come from the catalogue row at run time, so a suite that writes any of them is refused. An
`{"$PARAMETER": name}` value is filled at run time: `<check_name>__threshold_share|lower_bound|
upper_bound` from that check's catalogue row, `<check_name>__values` = the integers
lower_bound..upper_bound, or a value set.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medfin.project import project_dir

SUITES_FOLDER = "expectations"
META_KEYS = ("check_name", "where_to_look")
# What the catalogue says of a check; a suite that repeats it is refused.
CATALOGUE_KEYS = ("severity", "check_level", "category", "context", "threshold_share")
SEED_FIELDS = ("threshold_share", "lower_bound", "upper_bound", "values")
_SEED_PARAMETER = re.compile(r"^(?P<check>[a-z][a-z0-9_]*?)__(?P<field>[a-z_]+)$")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


class SuiteError(ValueError):
    """A suite file is malformed (the message names the file)."""


@dataclass(frozen=True)
class ValueSet:
    table: str
    column: str

    def sql(self) -> str:
        return (
            f"select distinct {self.column} from {self.table}"
            f" where {self.column} is not null order by 1"
        )


@dataclass(frozen=True)
class Suite:
    path: Path
    name: str
    raw: dict[str, Any]
    table: str | None
    query: str | None
    schema: str | None
    batch: str | None
    value_sets: dict[str, ValueSet]
    index_columns: tuple[str, ...]
    count_columns: dict[str, Any] = field(default_factory=dict)
    long_format: dict[str, Any] = field(default_factory=dict)

    @property
    def expectations(self) -> list[dict[str, Any]]:
        return list(self.raw["expectations"])

    def batch_query(self) -> str:
        if self.query:
            return self.query
        if self.table:
            return f"select * from {self.table}"
        raise SuiteError(f"{self.path.name}: no table or query")

    def scope(self, expectation: Mapping[str, Any]) -> str:
        if self.batch == "count_cells":
            return f"{self.schema}.* (count columns)"
        column = expectation.get("kwargs", {}).get("column")
        return f"{self.table}.{column}" if column else str(self.table)


def suites_dir() -> Path:
    return project_dir() / SUITES_FOLDER


def load_suites(directory: Path | None = None) -> list[Suite]:
    """Every `*.json` suite in `directory` (default: the project's `expectations/`), by name."""
    folder = directory or suites_dir()
    paths = sorted(folder.glob("*.json"))
    if not paths:
        raise SuiteError(f"no expectation suites (*.json) in {folder}")
    return [load_suite(path) for path in paths]


def load_suite(path: Path) -> Suite:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SuiteError(f"{path}: {exc}") from None
    for key in ("name", "expectations", "meta"):
        if key not in raw:
            raise SuiteError(f"{path.name}: missing `{key}`")
    medfin = (raw.get("meta") or {}).get("medfin")
    if not isinstance(medfin, dict):
        raise SuiteError(f"{path.name}: missing meta.medfin")
    table = medfin.get("table")
    schema = medfin.get("schema")
    batch = medfin.get("batch")
    if not table and not (schema and batch):
        raise SuiteError(f"{path.name}: meta.medfin needs `table`, or `schema` and `batch`")
    for name in filter(None, (table, schema)):
        _check_identifier(path, name)
    value_sets = {}
    for name, spec in (medfin.get("value_sets") or {}).items():
        _check_identifier(path, spec["table"])
        _check_identifier(path, spec["column"])
        value_sets[name] = ValueSet(spec["table"], spec["column"])
    for index, expectation in enumerate(raw["expectations"]):
        meta = expectation.get("meta") or {}
        missing = [key for key in META_KEYS if not meta.get(key)]
        if missing:
            raise SuiteError(f"{path.name}: expectation {index} lacks meta {', '.join(missing)}")
        copied = [key for key in CATALOGUE_KEYS if key in meta or key in expectation]
        if copied:
            raise SuiteError(
                f"{path.name}: expectation {index} writes {', '.join(copied)}; that belongs to"
                f" the check's row in seeds/check_catalogue.csv"
            )
        for parameter in parameters(expectation):
            if parameter not in value_sets and seed_parameter(parameter) is None:
                raise SuiteError(f"{path.name}: unknown $PARAMETER {parameter}")
    return Suite(
        path=path,
        name=str(raw["name"]),
        raw=raw,
        table=table,
        query=medfin.get("query"),
        schema=schema,
        batch=batch,
        value_sets=value_sets,
        index_columns=tuple(medfin.get("index_columns") or ()),
        count_columns=dict(medfin.get("count_columns") or {}),
        long_format=_long_format(path, medfin.get("long_format")),
    )


def _long_format(path: Path, spec: Any) -> dict[str, Any]:
    if not spec:
        return {}
    for key in ("requires", "value_column", "label_columns", "count_rows"):
        if key not in spec:
            raise SuiteError(f"{path.name}: meta.medfin.long_format lacks `{key}`")
    for name in [*spec["requires"], spec["value_column"], *spec["label_columns"]]:
        _check_identifier(path, name)
    return dict(spec)


def is_long_table(columns: list[tuple[str, str]], spec: Mapping[str, Any]) -> bool:
    """A table with one figure per row (all of the long format's `requires` columns)."""
    names = {column.lower() for column, _ in columns}
    return bool(spec) and all(name in names for name in spec["requires"])


def _check_identifier(path: Path, name: str) -> None:
    if not all(_IDENTIFIER.match(part) for part in name.split(".")):
        raise SuiteError(f"{path.name}: `{name}` is not a plain (schema.)table or column name")


def parameters(expectation: Mapping[str, Any]) -> list[str]:
    """Names of the `$PARAMETER`s an expectation's kwargs refer to."""
    return sorted(set(_walk_parameters(expectation.get("kwargs") or {})))


def _walk_parameters(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        if set(value) == {"$PARAMETER"}:
            yield str(value["$PARAMETER"])
            return
        for item in value.values():
            yield from _walk_parameters(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_parameters(item)


def seed_parameter(name: str) -> tuple[str, str] | None:
    """`gx_x__lower_bound` -> ("gx_x", "lower_bound"); None when not a catalogue parameter."""
    match = _SEED_PARAMETER.match(name)
    if not match or match.group("field") not in SEED_FIELDS:
        return None
    return match.group("check"), match.group("field")


def is_count_column(column: str, data_type: str, spec: Mapping[str, Any]) -> bool:
    """A reporting column holding a count: an integer type, not named like a key or period."""
    base_type = data_type.upper().split("(")[0].strip()
    if base_type not in {t.upper() for t in spec.get("data_types", ())}:
        return False
    return not any(fnmatch.fnmatchcase(column.lower(), p) for p in spec.get("not_named", ()))
