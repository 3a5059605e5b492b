"""The finance marts of a warehouse against the generator's ground truth (a delivery's
expected.json, computed by medfin.generate.expected, an independent implementation): the same
figures to the øre, or the differences. Used by `medfin bench` (matches_expected) and by
tests/python/test_finance.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

# Key -> (billing units, basis in øre, co-financing in øre)
CoFinancing = dict[tuple[int, int, str], tuple[int, int, int]]
# Key -> (events, quantity, amount in øre)
FullFinancing = dict[tuple[int, int, str], tuple[int, int, int]]


def marts_co_financing(con: duckdb.DuckDBPyConnection) -> CoFinancing:
    rows = con.execute("""
        select municipality_code, year(activity_month), area, sum(billing_units),
               sum(basis_dkk), sum(co_financing_dkk)
        from finance.co_financing_by_municipality_month group by all""").fetchall()
    return {
        (m, y, a): (int(n), round(basis * 100), round(amount * 100))
        for m, y, a, n, basis, amount in rows
    }


def marts_full_financing(con: duckdb.DuckDBPyConnection) -> FullFinancing:
    rows = con.execute("""
        select municipality_code, year(activity_month), category, sum(events), sum(quantity),
               sum(amount_dkk)
        from finance.full_financing_by_municipality_month group by all""").fetchall()
    return {(m, y, c): (int(e), int(q), round(a * 100)) for m, y, c, e, q, a in rows}


def expected_co_financing(expected: dict[str, Any]) -> CoFinancing:
    return {
        (r["municipality_code"], r["year"], r["area"]): (
            r["billing_units"],
            r["basis_ore"],
            r["co_financing_ore"],
        )
        for r in expected["totals"]["co_financing"]
    }


def expected_full_financing(expected: dict[str, Any]) -> FullFinancing:
    return {
        (r["municipality_code"], r["year"], r["category"]): (
            r["events"],
            r["quantity"],
            r["amount_ore"],
        )
        for r in expected["totals"]["full_financing"]
    }


def _differences(what: str, got: dict[Any, Any], want: dict[Any, Any]) -> list[str]:
    keys = sorted(set(got) | set(want), key=str)
    return [
        f"{what} {key}: marts {got.get(key)}, expected {want.get(key)}"
        for key in keys
        if got.get(key) != want.get(key)
    ]


def compare_with_expected(warehouse: Path, delivery: Path) -> list[str]:
    """Where the warehouse's finance marts differ from the delivery's expected.json (empty: the
    same to the øre). Refuses an expected.json without co-financing: nothing would be compared."""
    expected = json.loads((delivery / "expected.json").read_text(encoding="utf-8"))
    want_co, want_full = expected_co_financing(expected), expected_full_financing(expected)
    if not want_co:
        return [f"{delivery / 'expected.json'} lists no co-financing: nothing to compare"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        got_co, got_full = marts_co_financing(con), marts_full_financing(con)
    return _differences("co-financing", got_co, want_co) + _differences(
        "full financing", got_full, want_full
    )
