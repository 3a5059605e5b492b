"""The hand-written finance query of `medfin bench` (issue 12): the practical lower bound of the dbt
finance path, and a second implementation of the financing rules that must agree with the marts.

`run_finance_query(delivery, project)` runs `finance_query.sql` (one DuckDB query, read it first)
in a fresh in-memory DuckDB over a delivery's files and the project's seed CSVs, and returns its
wall time and its rows: co-financing per paying municipality x activity month x area, and full
financing per municipality x month x category. `compare_with_marts(rows, warehouse)` lists where
those rows differ from a warehouse's finance marts (an empty list: identical to the øre).

The query reads relations this module defines as views, so that what the contract and the seed
files say is never written into the SQL:
  - `delivery.<table>`: a delivered file as staging sees it, each column normalised with the
    contract's normaliser and judged by the contract's row rules (medfin.contract.staging, the
    source the dbt staging macros are generated from);
  - `delivery.extract`: the manifest's extraction day and the contract's maximum age;
  - `seed.<name>`: seeds/<name>.csv with the column types of seeds/_seeds.yml.

`python -m medfin.bench.finance_query DELIVERY [--warehouse W]` runs it on its own (in a process
of its own, as the benchmark measures it) and prints the time and the comparison.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import yaml

from medfin.contract import Contract, Table, load_contract, reader
from medfin.contract.staging import staging_spec
from medfin.extract import FORMATS, read_manifest
from medfin.project import project_dir
from medfin.sqltext import identifier, literal

QUERY_RESOURCE = "finance_query.sql"
CO_FINANCING_MART = "finance.co_financing_by_municipality_month"
FULL_FINANCING_MART = "finance.full_financing_by_municipality_month"
# Differences listed by compare_with_marts before it only counts the rest.
SHOWN_DIFFERENCES = 10

# Rules the generated views leave to the query: the key's uniqueness needs the whole table, and
# the person id rule is a column of its own (the query tests it where it decides something).
_QUERY_TESTS = ("duplicate_key", "person_id")


class CoFinancingRow(NamedTuple):
    municipality_code: int
    activity_month: date
    area: str
    billing_units: int
    basis_dkk: Decimal
    co_financing_dkk: Decimal


class FullFinancingRow(NamedTuple):
    municipality_code: int
    activity_month: date
    category: str
    events: int
    quantity: int
    amount_dkk: Decimal


@dataclass(frozen=True)
class FinanceQueryResult:
    """Wall time of the query (views, execution and fetch) and its rows, in key order."""

    seconds: float
    co_financing: tuple[CoFinancingRow, ...]
    full_financing: tuple[FullFinancingRow, ...]


def query_text() -> str:
    return resources.files(__package__).joinpath(QUERY_RESOURCE).read_text(encoding="utf-8")


# ------------------------------------------------------------------------------ the delivery


def _normalised(column: str, how: str) -> str:
    """A raw value as staging normalises it (macro staging_checked): surrounding spaces trimmed
    only when there are some, an empty string null; codes upper- or lower-cased."""
    trimmed = (
        f"case when {column} like ' %' or {column} like '% ' then nullif(trim({column}), '')"
        f" when {column} = '' then null else {column} end"
    )
    if how == "trim":
        return trimmed
    if how in ("upper", "lower"):
        return f"{how}({trimmed})"
    if how == "none":
        return column
    raise ValueError(f"unknown normaliser {how!r}")


def _breaks(rule: Mapping[str, Any], contract: Contract) -> str:
    """The SQL condition under which a normalised row breaks one contract rule (null: it does
    not, as in staging, whose CASE treats an unknown as false)."""
    column, test, value = rule["column"], rule["test"], rule.get("value")
    if test == "not_null":
        return f"{column} is null"
    if test == "allowed":
        return f"{column} not in ({', '.join(literal(v) for v in value)})"
    if test == "pattern":
        return f"not regexp_matches({column}, {literal(value)})"
    if test == "minimum":
        return f"{column} < {int(value)}"
    if test == "maximum":
        return f"{column} > {int(value)}"
    if test == "money_range":
        return f"abs({column}) >= {int(value)}"
    if test == "money_precision":
        return f"{column} <> round({column}, {int(value)})"
    if test == "person_id":
        letters_and_digits = (
            r"translate(regexp_replace(person_id, '[^\p{L}\p{N}]', '', 'g'),"
            " '０１２３４５６７８９', '0123456789')"
        )
        return (
            f"not regexp_matches(person_id, {literal(contract.person_id_pattern)})"
            f" or regexp_matches({letters_and_digits}, {literal(contract.cpr_like_pattern)})"
        )
    raise ValueError(f"unknown contract rule test {test!r}")


def _passes(conditions: Sequence[str]) -> str:
    """True when none of the conditions holds (an unknown condition does not count)."""
    if not conditions:
        return "true"
    return "case " + " ".join(f"when {c} then false" for c in conditions) + " else true end"


def judged_table_sql(contract: Contract, table: Table, source: str) -> str:
    """A delivered table as the query reads it: normalised columns (money cast to the contract's
    money type once the row passed), `passes_contract`, and `pseudonymous_person_id` when the
    table has a person id."""
    spec = staging_spec(contract, table)
    money_type = contract.types["money"]
    normalised = ", ".join(f"{_normalised(name, how)} as {name}" for name, how in spec["columns"])
    rules = [rule for rule in spec["rules"] if rule["test"] not in _QUERY_TESTS]
    columns = [
        f"try_cast({name} as {money_type}) as {name}" if name in spec["money"] else name
        for name in table.column_names
    ]
    columns.append(f"{_passes([_breaks(rule, contract) for rule in rules])} as passes_contract")
    person_rules = [rule for rule in spec["rules"] if rule["test"] == "person_id"]
    if person_rules:
        conditions = [_breaks(rule, contract) for rule in person_rules]
        columns.append(f"{_passes(conditions)} as pseudonymous_person_id")
    return (
        f"select {', '.join(columns)} from (select {normalised} from {source} as raw) as normalised"
    )


def _create_delivery_views(con: duckdb.DuckDBPyConnection, delivery: Path) -> None:
    contract = load_contract()
    manifest = read_manifest(delivery)
    con.execute("create schema delivery")
    for name, entry in manifest["tables"].items():
        if name not in contract.tables or not isinstance(entry, Mapping):
            continue
        path = delivery / str(entry["file"])
        fmt = FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise ValueError(f"{path}: neither Parquet nor CSV")
        table = contract.table(name)
        source = " ".join(reader(table, fmt, str(path).replace("'", "''")))
        sql = judged_table_sql(contract, table, source)
        con.execute(f"create view delivery.{identifier(name)} as {sql}")
    extracted = manifest.get("extracted_at")
    extracted_on = (
        f"date {literal(datetime.fromisoformat(str(extracted)).date().isoformat())}"
        if extracted
        else "cast(null as date)"
    )
    con.execute(
        f"create view delivery.extract as select {extracted_on} as extracted_on,"
        f" {int(contract.maximum_age)} as maximum_age"
    )


# ------------------------------------------------------------------------------ the seeds


def seed_column_types(project: Path) -> dict[str, dict[str, str]]:
    """Seed name -> {column: type} from seeds/_seeds.yml (what dbt seed loads them as)."""
    spec = yaml.safe_load((project / "seeds" / "_seeds.yml").read_text(encoding="utf-8"))
    types: dict[str, dict[str, str]] = {}
    for seed in spec.get("seeds") or ():
        config = seed.get("config") or {}
        types[seed["name"]] = dict(config.get("column_types") or {})
    return types


def _create_seed_views(con: duckdb.DuckDBPyConnection, project: Path) -> None:
    con.execute("create schema seed")
    types = seed_column_types(project)
    for path in sorted((project / "seeds").glob("*.csv")):
        columns = types.get(path.stem, {})
        struct = ", ".join(f"{literal(c)}: {literal(t)}" for c, t in columns.items())
        con.execute(
            f"create view seed.{identifier(path.stem)} as select * from read_csv("
            f"{literal(str(path))}, header = true, delim = ',', quote = '\"', escape = '\"',"
            f" types = {{{struct}}})"
        )


# ------------------------------------------------------------------------------ run and compare


def run_finance_query(
    delivery: Path, project: Path | None = None, *, threads: int | None = None
) -> FinanceQueryResult:
    """Run the finance query on `delivery` with the seeds of `project` (default: this project)."""
    project = project or project_dir()
    start = time.perf_counter()
    with duckdb.connect(":memory:") as con:
        con.execute("set enable_progress_bar = false")
        if threads:
            con.execute(f"set threads = {int(threads)}")
        _create_delivery_views(con, Path(delivery))
        _create_seed_views(con, project)
        rows = con.execute(query_text()).fetchall()
    seconds = time.perf_counter() - start
    co = tuple(
        CoFinancingRow(municipality, month, area, units, basis, amount)
        for kind, municipality, month, area, units, _, basis, amount in rows
        if kind == "co_financing"
    )
    full = tuple(
        FullFinancingRow(municipality, month, area, units, quantity, amount)
        for kind, municipality, month, area, units, quantity, _, amount in rows
        if kind == "full_financing"
    )
    return FinanceQueryResult(seconds, co, full)


def _mart_rows(warehouse: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The two marts summed to the query's grain."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        co = con.execute(
            "select municipality_code, activity_month, area, sum(billing_units),"
            f" sum(basis_dkk), sum(co_financing_dkk) from {CO_FINANCING_MART} group by all"
        ).fetchall()
        full = con.execute(
            "select municipality_code, activity_month, category, sum(events), sum(quantity),"
            f" sum(amount_dkk) from {FULL_FINANCING_MART} group by all"
        ).fetchall()
    return co, full


def _differences(
    what: str, names: Sequence[str], query: Iterable[Sequence[Any]], marts: Iterable[Sequence[Any]]
) -> list[str]:
    """One line per key whose figures differ, or that only one side has."""
    mine = {tuple(row[:3]): tuple(row[3:]) for row in query}
    theirs = {tuple(row[:3]): tuple(row[3:]) for row in marts}
    out = []
    for key in sorted(mine.keys() | theirs.keys(), key=lambda k: tuple(str(v) for v in k)):
        here, there = mine.get(key), theirs.get(key)
        if here == there:
            continue
        label = f"{what} {key[0]} {key[1]:%Y-%m} {key[2]}"
        if there is None:
            out.append(f"{label}: only in the query")
        elif here is None:
            out.append(f"{label}: only in the marts")
        else:
            out.append(
                f"{label}: "
                + ", ".join(
                    f"{name} {a} (query) vs {b} (marts)"
                    for name, a, b in zip(names, here, there, strict=True)
                    if a != b
                )
            )
    return out


def compare_with_marts(
    rows: FinanceQueryResult | Iterable[CoFinancingRow | FullFinancingRow], warehouse: Path
) -> list[str]:
    """Where the query's rows differ from the finance marts of `warehouse` (opened read-only):
    at most SHOWN_DIFFERENCES lines and a count of the rest; empty when identical to the øre.

    Given a FinanceQueryResult, both marts are compared. Given rows, the marts of the kinds they
    hold (no rows at all: the co-financing mart, which then must be empty too)."""
    if isinstance(rows, FinanceQueryResult):
        co, full = list(rows.co_financing), list(rows.full_financing)
        compare_co = compare_full = True
    else:
        listed = list(rows)
        co = [r for r in listed if isinstance(r, CoFinancingRow)]
        full = [r for r in listed if isinstance(r, FullFinancingRow)]
        compare_co, compare_full = bool(co) or not full, bool(full)
    mart_co, mart_full = _mart_rows(Path(warehouse))
    found: list[str] = []
    if compare_co:
        names = ("billing_units", "basis_dkk", "co_financing_dkk")
        found += _differences("co-financing", names, co, mart_co)
    if compare_full:
        names = ("events", "quantity", "amount_dkk")
        found += _differences("full financing", names, full, mart_full)
    if len(found) > SHOWN_DIFFERENCES:
        more = len(found) - SHOWN_DIFFERENCES
        found = [*found[:SHOWN_DIFFERENCES], f"and {more} more difference{'s' * (more != 1)}"]
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Run the query (`--repeat` times), print its time and totals, compare with `--warehouse`.
    Exit status 1 when the figures differ from the marts."""
    parser = argparse.ArgumentParser(
        prog="python -m medfin.bench.finance_query", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("delivery", type=Path, help="delivery folder with manifest.json")
    parser.add_argument("--project", type=Path, help="dbt project whose seeds hold the rules")
    parser.add_argument("--warehouse", type=Path, help="compare with this warehouse's marts")
    parser.add_argument("--repeat", type=int, default=1, help="run the query this many times")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    results = [run_finance_query(args.delivery, args.project) for _ in range(max(1, args.repeat))]
    result = results[-1]
    seconds = [r.seconds for r in results]
    median = sorted(seconds)[len(seconds) // 2]
    co_total = sum((r.co_financing_dkk for r in result.co_financing), Decimal(0))
    full_total = sum((r.amount_dkk for r in result.full_financing), Decimal(0))
    differences = None if args.warehouse is None else compare_with_marts(result, args.warehouse)
    if args.json:
        report = {
            "seconds": seconds,
            "median_seconds": median,
            "co_financing_dkk": str(co_total),
            "full_financing_dkk": str(full_total),
            "rows": {
                "co_financing": len(result.co_financing),
                "full_financing": len(result.full_financing),
            },
            "warehouse": None if args.warehouse is None else str(args.warehouse),
            "differences": differences,
        }
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(
            f"finance query: {', '.join(f'{s:.2f}' for s in seconds)} s (median {median:.2f} s);"
            f" co-financing {co_total} kr in {len(result.co_financing)} rows, full financing"
            f" {full_total} kr in {len(result.full_financing)} rows"
        )
        if differences:
            print("differs from the marts:", *differences, sep="\n  ")
        elif differences is not None:
            print(f"identical to the marts of {args.warehouse} to the øre")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
