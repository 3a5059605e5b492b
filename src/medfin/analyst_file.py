"""The analyst file: the aggregated, suppressed and documented marts, in a file of their own.

DuckDB has no roles, so the only way to keep person-level rows away from BI tools and analysts is a
file without them. `write_analyst_file` copies every dbt model marked `meta: {analyst_file: true}`
(dbt_project.yml, the models' YAML) from the built warehouse into a new file:

- each table with its column types and constraints, and its table and column comments (the YAML
  descriptions that `persist_docs` wrote into the warehouse);
- every column marked `meta: {discretion: count}` with small counts hidden by the rule in
  seeds.discretion_rules (counts 1-4 are shown as -1), which its comment then says;
- every column marked `meta: {discretion: rate, discretion_count: <column>}` (a rate computed
  from that count column, e.g. admissions per 1,000 citizens) shown as the same -1 wherever its
  count is hidden: count = rate x population would otherwise give the hidden count back;
- nothing else: no staging, intermediate or fact table, no view, no link to a path.

Then `privacy_findings` scans the new file with the rules of seeds.privacy_rules (person-level
column names, CPR-shaped text anywhere in a value) and for any value that is a person id of the
delivery. A finding refuses publication (check `analyst_file_private`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from medfin.publish import create_database
from medfin.sqltext import identifier, literal

ANALYST_META = "analyst_file"
DISCRETION_META = "discretion"
DISCRETION_COUNT_META = "discretion_count"  # the count a `discretion: rate` column is hidden with
SOURCE = "source"  # the built warehouse, attached read-only while the analyst file is written
PERSONS = f"{SOURCE}.staging.stg_medfin__persons"


class AnalystFileError(RuntimeError):
    """The analyst file could not be written (a marked model is missing, a rule is missing)."""


@dataclass(frozen=True)
class AnalystTable:
    schema: str
    name: str
    count_columns: tuple[str, ...] = ()
    # (rate column, the count column whose hiding hides it)
    rate_columns: tuple[tuple[str, str], ...] = ()

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass
class AnalystFile:
    path: Path
    tables: dict[str, int] = field(default_factory=dict)  # relation -> rows
    hidden_cells: int = 0  # count cells replaced by the discretion rule
    findings: list[str] = field(default_factory=list)  # privacy findings; empty = publishable


def _meta(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    """A node's or column's meta, wherever this dbt version keeps it."""
    config = spec.get("config") or {}
    return {**(spec.get("meta") or {}), **(config.get("meta") or {})}


def analyst_tables(nodes: Mapping[str, Mapping[str, Any]]) -> list[AnalystTable]:
    """The models of a dbt manifest (its `nodes`) marked for the analyst file, sorted."""
    tables = []
    for node in nodes.values():
        if node.get("resource_type") != "model" or not _meta(node).get(ANALYST_META):
            continue
        columns = (node.get("columns") or {}).items()
        counts = tuple(
            name for name, column in columns if _meta(column).get(DISCRETION_META) == "count"
        )
        rates = []
        for name, column in columns:
            meta = _meta(column)
            if meta.get(DISCRETION_META) != "rate":
                continue
            count = meta.get(DISCRETION_COUNT_META)
            if count not in counts:
                raise AnalystFileError(
                    f"{node['name']}.{name} is a discretion rate of {count!r}, which is not a"
                    " discretion count column of the model"
                )
            rates.append((name, str(count)))
        relation = node.get("alias") or node["name"]
        tables.append(AnalystTable(node["schema"], relation, counts, tuple(rates)))
    return sorted(tables, key=lambda t: t.relation)


def write_analyst_file(
    warehouse: Path,
    destination: Path,
    tables: list[AnalystTable],
    *,
    storage_version: str | None = None,
    today: date | None = None,
) -> AnalystFile:
    """Write `destination` from the built `warehouse` and scan it (see the module docstring)."""
    today = today or date.today()
    create_database(destination, storage_version)
    result = AnalystFile(destination)
    with duckdb.connect(str(destination)) as con:
        con.execute(f"attach {literal(str(warehouse))} as {SOURCE} (read_only)")
        try:
            hide = _discretion_rule(con, today)
            for table in tables:
                result.tables[table.relation] = _copy(con, table, hide)
            result.hidden_cells = _hidden_cells(con, tables, hide)
            result.findings = privacy_findings(con, today=today, persons=PERSONS)
        finally:
            con.execute(f"detach {SOURCE}")
        con.execute("checkpoint")
    return result


def _discretion_rule(con: duckdb.DuckDBPyConnection, today: date) -> tuple[int, int, int]:
    row = con.execute(
        f"select lower_bound, upper_bound, shown_as from {SOURCE}.seeds.discretion_rules"
        " where rule_name = 'small_count' and valid_from <= ?"
        " and (valid_to is null or valid_to > ?)",
        [today, today],
    ).fetchall()
    if len(row) != 1:
        raise AnalystFileError(
            f"seeds.discretion_rules needs exactly one small_count rule valid on {today},"
            f" found {len(row)}"
        )
    low, high, shown_as = row[0]
    return int(low), int(high), int(shown_as)


def _copy(con: duckdb.DuckDBPyConnection, table: AnalystTable, hide: tuple[int, int, int]) -> int:
    """Create `table` in the analyst file as it is in the warehouse, fill it, comment it."""
    found = con.execute(
        "select sql, comment from duckdb_tables()"
        " where database_name = ? and schema_name = ? and table_name = ?",
        [SOURCE, table.schema, table.name],
    ).fetchall()
    if not found:
        raise AnalystFileError(
            f"{table.relation} is marked for the analyst file but the warehouse has no such table"
            " (a view or a model that was not built?)"
        )
    ddl, comment = found[0]
    columns = con.execute(
        "select column_name, comment from duckdb_columns()"
        " where database_name = ? and schema_name = ? and table_name = ? order by column_index",
        [SOURCE, table.schema, table.name],
    ).fetchall()
    hidden_with = dict(table.rate_columns)
    missing = (set(table.count_columns) | set(hidden_with)) - {name for name, _ in columns}
    if missing:
        raise AnalystFileError(f"{table.relation}: discretion columns not in the table: {missing}")
    con.execute(f"create schema if not exists {identifier(table.schema)}")
    # duckdb_tables().sql is `CREATE TABLE <schema>.<table>(...)` with types and constraints; run
    # on this connection it creates the table in the analyst file (the default database).
    con.execute(ddl)
    low, high, shown_as = hide

    def published(name: str) -> str:
        quoted = identifier(name)
        if name in table.count_columns:
            return f"case when {quoted} between {low} and {high} then {shown_as} else {quoted} end"
        if name in hidden_with:
            count = identifier(hidden_with[name])
            return f"case when {count} between {low} and {high} then {shown_as} else {quoted} end"
        return quoted

    select = ", ".join(published(name) for name, _ in columns)
    target = f"{identifier(table.schema)}.{identifier(table.name)}"
    con.execute(f"insert into {target} select {select} from {SOURCE}.{target}")
    if comment:
        con.execute(f"comment on table {target} is {literal(comment)}")
    for name, column_comment in columns:
        text = column_comment or ""
        if name in table.count_columns:
            note = f"Counts from {low} to {high} are shown as {shown_as} (discretion)."
            text = f"{text} {note}".strip()
        elif name in hidden_with:
            note = (
                f"Shown as {shown_as} where {hidden_with[name]} is from {low} to {high}"
                " (discretion)."
            )
            text = f"{text} {note}".strip()
        if text:
            con.execute(f"comment on column {target}.{identifier(name)} is {literal(text)}")
    counted = con.execute(f"select count(*) from {target}").fetchall()
    return int(counted[0][0])


def _hidden_cells(
    con: duckdb.DuckDBPyConnection, tables: list[AnalystTable], hide: tuple[int, int, int]
) -> int:
    low, high, _ = hide
    total = 0
    for table in tables:
        for name in table.count_columns:
            column = identifier(name)
            row = con.execute(
                f"select count(*) from {SOURCE}.{identifier(table.schema)}.{identifier(table.name)}"
                f" where {column} between {low} and {high}"
            ).fetchall()
            total += int(row[0][0])
    return total


# Column types scanned as text (a CPR number or a person id can hide in any of them); dates,
# times, booleans and fractional numbers cannot hold one.
_NOT_TEXT = ("DATE", "TIME", "TIMESTAMP", "BOOLEAN", "DECIMAL", "DOUBLE", "FLOAT", "INTERVAL")
_INTEGER = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UBIGINT", "UINTEGER")


@dataclass(frozen=True)
class PrivacyRule:
    name: str
    applies_to: str  # column_name | text_value | date_value
    pattern: str | None
    threshold_share: float | None
    min_distinct_values: int | None


def privacy_findings(
    con: duckdb.DuckDBPyConnection,
    *,
    today: date,
    persons: str | None = None,
    database: str | None = None,
    rules_from: str = f"{SOURCE}.seeds.privacy_rules",
) -> list[str]:
    """Every place in `database` (default: the connection's own) that looks person-level.

    - `column_name` rules: against every column name.
    - `text_value` rules: against the text of every value that could hold a number or an id
      (text, lists, structs; integers of 9 or more digits zero-padded to 10, a CPR number
      stored as a number).
    - with `persons` (a relation with person_id and birth_date): text values (and list elements)
      equal to a person id; `date_value` rules: a date column with at least min_distinct_values
      distinct dates of which threshold_share or more are birth dates of the delivery.
    Returns one line per finding: `schema.table.column: what`.
    """
    rules = [
        PrivacyRule(*row)
        for row in con.execute(
            "select rule_name, applies_to, pattern, threshold_share, min_distinct_values"
            f" from {rules_from}"
            " where valid_from <= ? and (valid_to is null or valid_to > ?)",
            [today, today],
        ).fetchall()
    ]
    kinds = {rule.applies_to for rule in rules}
    if not {"column_name", "text_value"} <= kinds:
        raise AnalystFileError(f"{rules_from} has no valid column_name and text_value rules")
    columns = con.execute(
        "select schema_name, table_name, column_name, data_type from duckdb_columns()"
        " where database_name = coalesce(?, current_database()) and not internal"
        " order by schema_name, table_name, column_index",
        [database],
    ).fetchall()
    prefix = f"{identifier(database)}." if database else ""
    findings: list[str] = []
    # Value counts are gathered per table, in one scan of it: (finding text, count expression).
    per_table: dict[str, list[tuple[str, str]]] = {}
    # Text and date columns compared with the delivery's persons: all in one query each, so that
    # the persons' ids and birth dates are hashed once, not once per column (17 s at region
    # scale, one join per column).
    person_id_columns: list[tuple[str, str, str]] = []
    date_columns: list[tuple[str, str, str]] = []
    for schema, table, column, data_type in columns:
        where = f"{schema}.{table}.{column}"
        relation = f"{prefix}{identifier(schema)}.{identifier(table)}"
        counts = per_table.setdefault(relation, [])
        quoted = identifier(column)
        base_type = data_type.split("(")[0].strip()
        for rule in rules:
            if rule.applies_to == "column_name" and _matches(con, column, rule.pattern):
                findings.append(f"{where}: the column name matches privacy rule {rule.name}")
        if base_type in ("DATE", "TIMESTAMP") and persons:
            date_columns.append((where, relation, quoted))
        if base_type.startswith(_NOT_TEXT):
            continue
        if base_type in _INTEGER:
            # a CPR number stored as a number has 9 digits (leading zero lost) or 10
            padded = f"lpad(cast({quoted} as varchar), 10, '0')"
            text = f"case when abs({quoted}) >= 100000000 then {padded} end"
        else:
            text = f"cast({quoted} as varchar)"
        for rule in rules:
            if rule.applies_to == "text_value":
                counts.append(
                    (
                        f"{where}: {{}} value(s) match privacy rule {rule.name}",
                        f"regexp_matches({text}, {literal(rule.pattern or '')}, 'i')",
                    )
                )
        if persons and data_type == "VARCHAR":
            person_id_columns.append((where, relation, quoted))
        elif persons and data_type.endswith("[]"):
            hits = _count(
                con,
                f"select count(*) from (select unnest({quoted}) as value from {relation})"
                f" where cast(value as varchar) in (select person_id from {persons})",
            )
            if hits:
                findings.append(f"{where}: {hits} value(s) are person ids of the delivery")
    for relation, counts in per_table.items():
        if not counts:
            continue
        sums = ", ".join(f"count(*) filter (where {condition})" for _, condition in counts)
        row = con.execute(f"select {sums} from {relation}").fetchall()[0]
        findings += [text.format(hits) for (text, _), hits in zip(counts, row, strict=True) if hits]
    if persons and person_id_columns:
        findings += _person_ids(con, person_id_columns, persons)
    if persons and date_columns:
        findings += _birth_dates(con, date_columns, persons, rules)
    return sorted(findings)


def _values(columns: list[tuple[str, str, str]], cast_to: str) -> str:
    """One relation (place, value) of every value of the columns (where, relation, column)."""
    return "\n union all\n".join(
        f"select {literal(where)} as place, cast({quoted} as {cast_to}) as value from {relation}"
        for where, relation, quoted in columns
    )


def _person_ids(
    con: duckdb.DuckDBPyConnection, columns: list[tuple[str, str, str]], persons: str
) -> list[str]:
    """Text values equal to a person id of the delivery, counted per column."""
    rows = con.execute(
        f"select place, count(*) from ({_values(columns, 'varchar')}) as texts"
        f" where value in (select person_id from {persons}) group by place"
    ).fetchall()
    return [f"{where}: {hits} value(s) are person ids of the delivery" for where, hits in rows]


def _birth_dates(
    con: duckdb.DuckDBPyConnection,
    columns: list[tuple[str, str, str]],
    persons: str,
    rules: list[PrivacyRule],
) -> list[str]:
    """Date columns whose distinct dates are mostly birth dates of the delivery, when a date of
    their range is not a birth date anyway: with millions of persons (national scale) nearly
    every day of the last century is someone's birthday, and a column of publication dates would
    look like birth dates. The base rate (the share of the days from the column's first to its
    last date that are birth dates) must be below the rule's threshold for the test to tell."""
    date_rules = [rule for rule in rules if rule.applies_to == "date_value"]
    if not date_rules:
        return []
    counted = con.execute(
        "with births as (select distinct birth_date from"
        f" {persons} where birth_date is not null),"
        f" dates as (select distinct place, value from ({_values(columns, 'date')}) as all_dates"
        " where value is not null),"
        " per_column as (select place, count(*) as distinct_dates,"
        " count(*) filter (where value in (select birth_date from births)) as birth_dates,"
        " min(value) as first_date, max(value) as last_date from dates group by place)"
        " select place, distinct_dates, birth_dates,"
        " (select count(*) from births where birth_date between first_date and last_date)"
        " / (last_date - first_date + 1) as base_rate"
        " from per_column"
    ).fetchall()
    found = []
    for where, distinct, births, base_rate in counted:
        for rule in date_rules:
            threshold = rule.threshold_share or 0
            if (
                distinct >= (rule.min_distinct_values or 1)
                and births / distinct >= threshold
                and base_rate < threshold
            ):
                found.append(
                    f"{where}: {births} of {distinct} distinct dates are birth dates of the"
                    f" delivery (privacy rule {rule.name})"
                )
    return found


def _matches(con: duckdb.DuckDBPyConnection, text: str, pattern: str | None) -> bool:
    return bool(con.execute("select regexp_matches(?, ?, 'i')", [text, pattern]).fetchall()[0][0])


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> int:
    return int(con.execute(sql, params or []).fetchall()[0][0])
