"""Indicators (docs/indicators.md): 30-day readmissions, data-package table 7 and proximity
financing, against the generator's independent implementation (expected.json), against the
person-level fact, and their discretion. The definition edges (day 30 and 31, transfers, chains,
planned admissions, criteria met) are dbt unit tests in the models' YAML; the tests at the end hold
the Python implementation to the same edges.

Every warehouse is a shared tiny build (warehouses.built), one year: the proximity comparison with
a previous year is covered by the unit tests and by a generated two-year delivery's expected.json.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
from openpyxl import load_workbook

from medfin.export.datapakke import export_one
from medfin.generate.expected_indicators import (
    CRITERIA,
    PSYCHIATRIC,
    SOMATIC,
    StayRule,
    admission_stays,
)
from medfin.publish import layout
from warehouses import Built, built, generated_delivery

REPO = Path(__file__).resolve().parents[2]
PROFILES = ["default", "dirty"]
HIDDEN = -1


def _seed(name: str) -> list[dict[str, str]]:
    with (REPO / "seeds" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _discretion() -> tuple[int, int, int]:
    (rule,) = [r for r in _seed("discretion_rules") if r["rule_name"] == "small_count"]
    return int(rule["lower_bound"]), int(rule["upper_bound"]), int(rule["shown_as"])


def _region_year_readmissions(b: Built) -> dict[tuple[int, int, str], tuple[int, int, int]]:
    """Index admissions, those followed and the chains' readmissions per region of residence at
    the index start, year of discharge and area, from the person-level fact."""
    rows = b.query("""
        select m.region_code, year(s.discharge_date), s.area, count(*),
               count(*) filter (where s.is_followed_by_readmission), sum(s.readmissions)
        from core.fct_admission_stays as s
        inner join core.dim_municipality as m
            on s.residence_municipality_code = m.municipality_code
        where s.is_index_admission
            and year(s.discharge_date) in (select population_year from core.fct_population)
        group by all""")
    return {(r, y, a): (int(i), int(f), int(n)) for r, y, a, i, f, n in rows}


@pytest.mark.parametrize("defects", PROFILES)
def test_readmissions_equal_expected_json(defects: str) -> None:
    b = built(defects)
    want = {
        (r["region_code"], r["year"], r["area"]): (
            r["index_admissions"],
            r["followed_by_readmission"],
            r["readmissions"],
        )
        for r in b.expected["totals"]["readmissions"]
    }
    assert {area for _, _, area in want} == {SOMATIC, PSYCHIATRIC}
    assert all(followed > 0 for (_, _, area), (_, followed, _) in want.items() if area == SOMATIC)
    assert _region_year_readmissions(b) == want
    # every stay is one of the two, and the quality mart reconciles them with the contacts
    assert b.query(
        "select check_name, status from quality.mart_check_results"
        " where check_name = 'admission_stays_reconciled'"
    ) == [("admission_stays_reconciled", "passed")]
    assert b.query(
        "select bool_and(is_reconciled), count(*) from quality.admission_stay_reconciliation"
    ) == [(True, 2)]


def test_table_7_equals_expected_json_at_every_level() -> None:
    """7a readmissions, 7b index admissions followed, 7c index admissions, by area: the
    unsuppressed region and country cells equal expected.json, and what is published shows them
    unless 1-4 citizens are behind them."""
    b = built("none")
    area_of = {
        r["co_financing_area"]: r["report_area"]
        for r in _seed("data_package_areas")
        if not r["provider_kind"]
    }
    want: Counter[tuple[str, str, str, str]] = Counter()
    for r in b.expected["totals"]["readmissions"]:
        for level, code in (("region", str(r["region_code"])), ("country", "DK")):
            column = area_of[r["area"]]
            want[("7a", level, code, column)] += r["readmissions"]
            want[("7b", level, code, column)] += r["followed_by_readmission"]
            want[("7c", level, code, column)] += r["index_admissions"]
    cells = b.query("""
        select table_id, geo_level, geo_code, breakdown_value, count_value, observations,
               is_suppressed
        from intermediate.int_data_package_discretion
        where table_id in ('7a', '7b', '7c') and geo_level in ('region', 'country')
            and count_value <> 0""")
    assert {tuple(c[:4]): int(c[4]) for c in cells} == {k: v for k, v in want.items() if v}
    low, high, shown_as = _discretion()
    with duckdb.connect(str(layout(b.warehouse).marts), read_only=True) as con:
        published = {
            (t, level, code, column): value
            for t, level, code, column, value in con.execute(
                "select table_id, geo_level, geo_code, breakdown_value, value"
                " from reporting.data_package where measure = 'count'"
                " and table_id in ('7a', '7b', '7c')"
            ).fetchall()
        }
    for table, level, code, column, count, observations, hidden in cells:
        assert hidden or not low <= observations <= high
        shown = published[(table, level, code, column)]
        assert shown == (shown_as if hidden else count)


def test_table_7_is_in_the_workbook(tmp_path: Path) -> None:
    """Each of 7a-7c has its sheet with its title and one column per area with activity."""
    b = built("none")
    marts = layout(b.warehouse).marts
    out = export_one(marts, "horsens", 2021, tmp_path / "horsens.xlsx")
    book = load_workbook(out)
    titles = {r["table_id"]: r["title_da"] for r in _seed("data_package_tables")}
    with duckdb.connect(str(marts), read_only=True) as con:
        columns = con.execute(
            "select table_id, list(distinct breakdown_label) from reporting.data_package"
            " where table_id in ('7a', '7b', '7c') and period = 2021 group by table_id"
        ).fetchall()
    assert len(columns) == 3
    somatic = next(
        r["label_da"]
        for r in _seed("labels")
        if r["domain"] == "report_area" and r["code"] == "hospital_somatic"
    )
    for table, labels in columns:
        sheet = book[f"Tabel {table}"]
        assert sheet["A1"].value == f"Tabel {table}. {titles[table]}"
        headers = [c.value for c in sheet[5]][1:]
        assert set(headers) - {None} == set(labels) and somatic in labels


@pytest.mark.parametrize("defects", PROFILES)
def test_proximity_criteria_equal_expected_json(defects: str) -> None:
    b = built(defects)
    expected = b.expected["totals"]["proximity_financing"]
    want = {
        (r["region_code"], r["year"], r["criterion"]): (
            r["numerator"],
            r["denominator"],
            r["is_met"],
        )
        for r in expected["criteria"]
    }
    rows = b.query("""
        select region_code, activity_year, criterion, numerator, denominator, is_met, criteria_met,
               pool_share_kept, pool_kept_dkk
        from finance.proximity_financing""")
    unit = {r["criterion"]: r["unit"] for r in expected["criteria"]}
    got = {
        (r, y, c): (int(n * 100) if unit[c] == "ore" else int(n), d, met)
        for r, y, c, n, d, met, *_ in rows
    }
    assert got == want
    assert {c for _, _, c in want} == set(CRITERIA)
    assert all(n > 0 and d > 0 for n, d, _ in want.values())
    regions = {
        (r["region_code"], r["year"]): (r["criteria_met"], r["pool_share_kept"], r["pool_kept_ore"])
        for r in expected["regions"]
    }
    for r, y, _, _, _, _, met, share, kept in rows:
        assert regions[(r, y)] == (met, share, None if kept is None else int(kept * 100))
    # one delivered year: nothing to compare with, so nothing is met or kept
    assert set(regions.values()) == {(None, None, None)}


def test_proximity_values_divide_numerator_by_denominator() -> None:
    b = built("default")
    population = dict(
        b.query("select region_code, sum(persons) from core.fct_population group by all")
    )
    for region, criterion, numerator, denominator, value in b.query(
        "select region_code, criterion, numerator, denominator, criterion_value"
        " from finance.proximity_financing"
    ):
        assert value == pytest.approx(float(numerator) / denominator)
        if criterion == "courses_per_citizen":
            assert denominator == population[region]


# --------------------------------------------------------------------------- the published mart
def _bands(age: int) -> list[str]:
    return [
        r["age_band"]
        for r in _seed("report_age_bands")
        if age >= int(r["age_from"]) and (not r["age_to"] or age <= int(r["age_to"]))
    ]


def _round_half_up(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def test_readmission_mart_is_the_fact_with_discretion() -> None:
    """reporting.readmissions_by_municipality_month recomputed in Python from the fact's index
    admissions and the population: counts shown unless 1-4 citizens are behind them, share and
    rate hidden with what they are computed from."""
    b = built("default")
    years = {y for (y,) in b.query("select distinct population_year from core.fct_population")}
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    citizens: dict[tuple, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for person, municipality, month, area, sex, age, readmissions in b.query("""
        select person_id, residence_municipality_code, discharge_month, area, sex,
               age_on_1_january, readmissions
        from core.fct_admission_stays
        where is_index_admission and residence_municipality_code is not null"""):
        if month.year not in years:
            continue
        for band in _bands(age):
            key = (municipality, month, area, sex, band)
            counts[key][0] += 1
            counts[key][1] += int(readmissions > 0)
            counts[key][2] += readmissions
            citizens[key][0].add(person)
            if readmissions:
                citizens[key][1].add(person)
    population: Counter[tuple] = Counter()
    for municipality, year, sex, age, persons in b.query(
        "select municipality_code, population_year, sex, age, persons from core.fct_population"
    ):
        for band in _bands(age):
            population[(municipality, year, sex, band)] += persons
    low, high, shown_as = _discretion()

    def shown(value: int, behind: int) -> int:
        return shown_as if low <= behind <= high else value

    rows = b.query("""
        select municipality_code, discharge_month, area, sex, age_band, population,
               index_admissions, index_admissions_readmitted, readmissions, readmission_share,
               readmissions_per_1000, is_window_complete
        from reporting.readmissions_by_municipality_month""")
    assert {tuple(r[:5]) for r in rows} == set(counts)
    hidden = 0
    for key, pop, index, readmitted, readmissions, share, rate, complete in (
        (tuple(r[:5]), *r[5:]) for r in rows
    ):
        (n_index, n_readmitted, n_readmissions) = counts[key]
        index_citizens, readmitted_citizens = (len(s) for s in citizens[key])
        persons = population.get((key[0], key[1].year, key[3], key[4]))
        assert index == shown(n_index, index_citizens)
        assert readmitted == shown(n_readmitted, readmitted_citizens)
        assert readmissions == shown(n_readmissions, readmitted_citizens)
        assert pop == (None if persons is None else shown(persons, persons))
        index_hidden = low <= index_citizens <= high
        readmitted_hidden = low <= readmitted_citizens <= high
        hidden += index_hidden or readmitted_hidden
        if index_hidden or readmitted_hidden:
            assert share == shown_as
        else:
            want = _round_half_up(Decimal(n_readmitted) / Decimal(n_index), "0.0001")
            assert Decimal(str(share)) == want
        if readmitted_hidden or (persons is not None and low <= persons <= high):
            assert rate == shown_as
        elif persons:
            want = _round_half_up(Decimal(1000 * n_readmissions) / Decimal(persons), "0.1")
            assert Decimal(str(rate)) == want
        # the delivery ends on 31 December: December's windows reach into the next year
        assert complete == (key[1].month != 12 or key[1].year != max(years))
    assert hidden and any(r[7] > 0 for r in rows if r[7] != shown_as)


def test_the_published_file_has_the_aggregates_and_no_stays() -> None:
    b = built("default")
    with duckdb.connect(str(layout(b.warehouse).marts), read_only=True) as con:
        tables = {
            f"{s}.{t}"
            for s, t in con.execute(
                "select schema_name, table_name from duckdb_tables()"
            ).fetchall()
        }
        low, high, _ = _discretion()
        small = con.execute(
            "select count(*) from reporting.readmissions_by_municipality_month where"
            f" index_admissions between {low} and {high} or readmissions between {low} and {high}"
            f" or population between {low} and {high}"
        ).fetchone()
    assert {
        "reporting.readmissions_by_municipality_month",
        "finance.proximity_financing",
        "quality.admission_stay_reconciliation",
    } <= tables
    assert "core.fct_admission_stays" not in tables
    assert small == (0,)


# --------------------------------------------------------------------------- seeds and copies
def test_window_in_the_titles_is_the_rules_window() -> None:
    """Table 7's titles and criterion 3's name say '30 dage': the seed's window, written twice."""
    windows = {r["window_days"] for r in _seed("readmission_rules")}
    assert len(windows) == 1
    days = f"{windows.pop()} dage"
    titles = {r["table_id"]: r["title_da"] for r in _seed("data_package_tables")}
    assert days in titles["7a"] and days in titles["7b"]
    (criterion,) = [
        r for r in _seed("proximity_financing_criteria") if r["criterion"] == "readmission_share"
    ]
    assert days in criterion["title_da"]


def test_pool_split_is_each_regions_population_share() -> None:
    """The illustrative split of the national pool (seed proximity_financing_pool): each region's
    row is the national total times its share of municipality_population_approx, to the øre."""
    region_of = {r["municipality_code"]: r["region_code"] for r in _seed("municipalities")}
    population: Counter[int] = Counter()
    for r in _seed("municipality_population_approx"):
        population[int(region_of[r["municipality_code"]])] += int(r["population_approx"])
    by_year: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for r in _seed("proximity_financing_pool"):
        by_year[int(r["year"])][int(r["region_code"])] = Decimal(r["pool_dkk"])
    assert by_year
    for pools in by_year.values():
        assert set(pools) == set(population)
        national = sum(pools.values())
        for region, pool in pools.items():
            share = Decimal(population[region]) / sum(population.values())
            assert abs(pool - national * share) <= Decimal("0.01"), region


def test_criteria_of_the_seed_are_the_criteria_sql_and_python_compute() -> None:
    sql = (REPO / "models" / "intermediate" / "int_proximity_criteria.sql").read_text("utf-8")
    computed = set(re.findall(r"^\s*\('([a-z_]+)',", sql, flags=re.MULTILINE))
    assert computed == {r["criterion"] for r in _seed("proximity_financing_criteria")}
    assert computed == set(CRITERIA)


def test_two_years_compare_each_year_with_the_one_before() -> None:
    """The independent implementation over 2021-2022 (a generated delivery, not built): the
    first year compares nothing, the second compares every criterion, counts what it met and
    keeps the seed's share."""
    out = generated_delivery("none", "parquet", (2021, 2022))
    expected = json.loads((out / "expected.json").read_text(encoding="utf-8"))["totals"]
    criteria: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for row in expected["proximity_financing"]["criteria"]:
        criteria[(row["region_code"], row["year"])].append(row)
    shares = sorted(
        (int(r["min_criteria_met"]), float(r["share_kept"]))
        for r in _seed("proximity_financing_shares")
    )
    for region in expected["proximity_financing"]["regions"]:
        rows = criteria[(region["region_code"], region["year"])]
        assert len(rows) == len(CRITERIA)
        if region["year"] == 2021:
            assert {r["is_met"] for r in rows} == {None}
            assert region["criteria_met"] is None and region["pool_share_kept"] is None
            continue
        met = sum(bool(r["is_met"]) for r in rows)
        assert {type(r["is_met"]) for r in rows} == {bool}
        assert region["criteria_met"] == met
        assert region["pool_share_kept"] == max(s for n, s in shares if n <= met)
        assert region["pool_kept_ore"] is None  # no pool row for 2022
    assert {y for _, y in criteria} == {2021, 2022}
    assert {r["year"] for r in expected["readmissions"]} == {2021, 2022}


# --------------------------------------------------------------------------- the Python side
RULE = StayRule(
    admission_type="ALCA00", admission_minutes=12 * 60, gap_minutes=4 * 60, window_days=30,
    priority="ATA1",
)  # fmt: skip
DAY = 1440


def _minute(day: date, hour: int = 0, minute: int = 0) -> int:
    return (day - date(1970, 1, 1)).days * DAY + hour * 60 + minute


def _stays(contacts: list[tuple[int, str, str, int, int]]) -> Any:
    person, ctype, priority, start, end = (np.array(c) for c in zip(*contacts, strict=True))
    return admission_stays(RULE, person, ctype, priority, start, end)


def test_python_stays_day_30_and_31_and_the_transfer_gap() -> None:
    """The generator's implementation on the edges of the dbt unit tests."""
    d = date(2021, 1, 10)
    stays = _stays([
        # person 0: discharged 10 January, acute on day 30 -> readmission
        (0, "ALCA00", "ATA3", _minute(date(2021, 1, 5), 8), _minute(d, 12)),
        (0, "ALCA00", "ATA1", _minute(date(2021, 2, 9), 23), _minute(date(2021, 2, 11))),
        # person 1: acute on day 31 -> index admission
        (1, "ALCA00", "ATA3", _minute(date(2021, 1, 5), 8), _minute(d, 23, 59)),
        (1, "ALCA00", "ATA1", _minute(date(2021, 2, 10), 0, 1), _minute(date(2021, 2, 11))),
        # person 2: a transfer exactly 4 hours later, a short contact, then 4 h 1 min later
        (2, "ALCA00", "ATA1", _minute(d, 8), _minute(date(2021, 1, 12), 10)),
        (2, "ALCA00", "ATA3", _minute(date(2021, 1, 12), 14), _minute(date(2021, 1, 13), 10)),
        (2, "ALCA00", "ATA3", _minute(date(2021, 1, 13), 11), _minute(date(2021, 1, 13), 13)),
        (2, "ALCA00", "ATA1", _minute(date(2021, 1, 13), 14, 1), _minute(date(2021, 1, 14), 10)),
    ])  # fmt: skip
    assert stays.person.tolist() == [0, 0, 1, 1, 2, 2]
    assert stays.is_readmission.tolist() == [False, True, False, False, False, True]
    assert stays.readmissions.tolist() == [1, 0, 0, 0, 1, 0]
    assert stays.end[4] == _minute(date(2021, 1, 13), 10)


def test_python_chains_and_planned_admissions() -> None:
    stays = _stays([
        # A index, B readmission, C acute 26 days after B (50 after A): A's chain holds two
        (0, "ALCA00", "ATA1", _minute(date(2021, 2, 20), 8), _minute(date(2021, 3, 1), 12)),
        (0, "ALCA00", "ATA1", _minute(date(2021, 3, 20), 8), _minute(date(2021, 3, 25), 12)),
        (0, "ALCA00", "ATA1", _minute(date(2021, 4, 20), 8), _minute(date(2021, 4, 22), 12)),
        # a planned stay in the window is an index admission; the acute one after it its readmission
        (1, "ALCA00", "ATA1", _minute(date(2021, 4, 28), 8), _minute(date(2021, 5, 1), 12)),
        (1, "ALCA00", "ATA3", _minute(date(2021, 5, 10), 8), _minute(date(2021, 5, 12), 12)),
        (1, "ALCA00", "ATA1", _minute(date(2021, 5, 20), 8), _minute(date(2021, 5, 22), 12)),
        # a virtual contact is no admission
        (1, "ALCA03", "ATA1", _minute(date(2021, 5, 25), 8), _minute(date(2021, 5, 26), 12)),
    ])  # fmt: skip
    assert stays.is_readmission.tolist() == [False, True, True, False, False, True]
    assert stays.readmissions.tolist() == [2, 0, 0, 0, 1, 0]
