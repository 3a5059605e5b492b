"""The finance marts against the generator's ground truth (expected.json), to the øre."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from medfin.bench.expected import (
    CoFinancing,
    compare_with_expected,
    expected_co_financing,
    expected_full_financing,
    marts_co_financing,
    marts_full_financing,
)
from warehouses import Built, built

PROFILES = ["none", "default", "dirty"]


def _co_financing(b: Built) -> CoFinancing:
    with duckdb.connect(str(b.warehouse), read_only=True) as con:
        return marts_co_financing(con)


def _expected_co_financing(b: Built) -> CoFinancing:
    """The same sums from the generator's ground truth (expected.json)."""
    return expected_co_financing(b.expected)


@pytest.mark.parametrize("defects", PROFILES)
def test_co_financing_equals_expected_to_the_ore(defects: str) -> None:
    b = built(defects)
    want = _expected_co_financing(b)
    assert want, "expected.json lists no co-financing"
    assert _co_financing(b) == want


def test_the_benchmark_comparison_finds_a_changed_total(tmp_path: Path) -> None:
    """compare_with_expected (matches_expected of medfin bench) agrees with the checks above, and
    fails on a total that is one øre off."""
    b = built("default")
    assert compare_with_expected(b.warehouse, b.delivery) == []
    changed = json.loads((b.delivery / "expected.json").read_text(encoding="utf-8"))
    changed["totals"]["co_financing"][0]["co_financing_ore"] += 1
    (tmp_path / "expected.json").write_text(json.dumps(changed), encoding="utf-8")
    differences = compare_with_expected(b.warehouse, tmp_path)
    assert len(differences) == 1 and "co-financing" in differences[0]


@pytest.mark.parametrize("defects", PROFILES)
def test_full_financing_equals_expected_to_the_ore(defects: str) -> None:
    b = built(defects)
    with duckdb.connect(str(b.warehouse), read_only=True) as con:
        got = marts_full_financing(con)
    assert got == expected_full_financing(b.expected)


def test_per_citizen_totals_match_and_divide_by_population() -> None:
    b = built("default")
    rows = b.query("""
        select municipality_code, activity_year, population, total_dkk, total_per_citizen_dkk,
               health_council, region_code
        from finance.co_financing_per_citizen""")
    want: dict[tuple[int, int], int] = {}
    for r in b.expected["totals"]["co_financing"]:
        key = (r["municipality_code"], r["year"])
        want[key] = want.get(key, 0) + r["co_financing_ore"]
    population = {
        (m, y): p
        for m, y, p in b.query(
            "select municipality_code, year(reference_date), sum(persons) from "
            "staging.stg_medfin__population group by all"
        )
    }
    assert {(m, y): round(t * 100) for m, y, _, t, _, _, _ in rows} == want
    for m, y, pop, total, per_citizen, council, region in rows:
        assert pop == population[(m, y)]
        assert abs(float(per_citizen) - float(total) / pop) <= 0.005
        assert council and region == 1082


def test_totals_reconcile_between_fact_and_marts() -> None:
    b = built("default")
    fact = b.query("select sum(co_financing_dkk), count(*) from core.fct_co_financing")[0]
    mart = b.query(
        "select sum(co_financing_dkk), sum(billing_units) from "
        "finance.co_financing_by_municipality_month"
    )[0]
    per_citizen = b.query("select sum(total_dkk) from finance.co_financing_per_citizen")[0]
    assert fact == mart and fact[0] == per_citizen[0]


def test_unfinanceable_activity_is_quarantined_not_lost() -> None:
    b = built("dirty")
    ghost = b.expected["defects"]["no_residence"]
    rows = b.query(
        "select billing_unit_type, billing_unit_id, reason from "
        "intermediate.int_financing_quarantine"
    )
    assert rows == [("drg_course", ghost["course_ids"][0], "no_residence")]
    for clean in ("none", "default"):
        assert built(clean).query("select count(*) from intermediate.int_financing_quarantine") == [
            (0,)
        ]
    # Every billing unit is financed or quarantined.
    units = b.query("select count(*) from intermediate.int_billing_units")[0][0]
    financed = b.query("select count(*) from core.fct_co_financing")[0][0]
    assert units == financed + len(rows)


def test_payer_is_residence_at_course_start_when_patients_move_mid_course() -> None:
    b = built("default")
    moves = b.expected["cases"]["moves_during_course"]
    assert moves
    for m in moves:
        payer = b.query(
            f"select paying_municipality_code from core.fct_co_financing "
            f"where billing_unit_id = '{m['course_id']}'"
        )
        assert payer == [(m["from_municipality"],)]


def test_reported_municipality_disagreements_are_the_planted_ones() -> None:
    b = built("default")
    got = {
        r[0]
        for r in b.query("select contact_id from core.fct_contacts where not municipality_agrees")
    }
    want = {c["contact_id"] for c in b.expected["defects"]["municipality_mismatch"]["contacts"]}
    assert got == want and want


def test_a_csv_delivery_gives_the_same_finance_figures() -> None:
    """The whole project on Danish CSV (';', decimal comma) equals expected.json too."""
    b = built("dirty", fmt="csv")
    assert _co_financing(b) == _expected_co_financing(b)
    assert b.query("select count(*) from staging.stg_medfin__quarantine") == [
        (b.expected["defects"]["malformed_rows"]["count"],)
    ]
