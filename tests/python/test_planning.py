"""Indicators and planning (docs/indicators-planning.md): preventable admissions, the budget
follow-up with its year-end forecast and the forecast's measured error, and the age- and
sex-standardised rates.

The definitions' edges are dbt unit tests on hand-made fixtures (the models' YAML). Here the marts
are checked on the shared tiny builds against what they must equal: the generator's ground truth
(expected.json), the data package, the seeds, and the formulas recomputed in Python from the
marts' own inputs. The forecast's error needs past years: it is measured on the shared
three-year build of the `none` profile (warehouses.built("none", years=(2021, 2023))).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from medfin.analyst_file import AnalystFileError, analyst_tables
from medfin.generate.codes import DIAGNOSES
from medfin.publish import layout
from warehouses import Built, built

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
YEARS = (2021, 2023)  # the shared multi-year build: two past years with a previous year


def _seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _cent(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _marts(b: Built, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(layout(b.warehouse).marts), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def one_year() -> Built:
    return built("none")


@pytest.fixture(scope="module")
def three_years() -> Built:
    return built("none", years=YEARS)


# --------------------------------------------------------------------------- the seeds
def _group_of(code: str, on: date) -> list[str]:
    return [
        g["preventable_group"]
        for g in _seed("preventable_admission_groups")
        if date.fromisoformat(g["valid_from"]) <= on
        and (not g["valid_to"] or on < date.fromisoformat(g["valid_to"]))
        and g["code_from"] <= code[: len(g["code_from"])] <= g["code_to"]
    ]


def test_the_generator_plants_what_the_indicator_counts() -> None:
    """The generator's own list of preventable diagnoses (medfin.generate.codes) is a copy of the
    idea behind seeds/preventable_admission_groups.csv: each of its codes must lie in exactly one
    group, or the synthetic data would not exercise the indicator."""
    planted = [d.code for d in DIAGNOSES if d.tag == "preventable"]
    assert planted
    for code in planted:
        assert len(_group_of(code, date(2021, 1, 1))) == 1, code
    # and a code next to a range is outside it (DK599 is not constipation DK590)
    assert _group_of("DK599", date(2021, 1, 1)) == []
    assert _group_of("DK590", date(2021, 1, 1)) == ["constipation"]


def test_every_group_has_a_label_and_every_label_a_group() -> None:
    groups = {g["preventable_group"] for g in _seed("preventable_admission_groups")}
    labelled = {r["code"] for r in _seed("labels") if r["domain"] == "preventable_group"}
    assert groups == labelled


# --------------------------------------------------------------------------- preventable admissions
def test_preventable_admissions_are_table_8_of_the_data_package(one_year: Built) -> None:
    """The planning mart and table 8a count the same admissions per municipality and group, and
    the rate divides by the citizens of the rule's age band on 1 January."""
    mart = {
        (str(m), g): (n, citizens, rate)
        for m, g, n, citizens, rate in one_year.query(
            "select municipality_code, preventable_group, admissions, citizens_in_age_band,"
            " admissions_per_1000 from planning.preventable_admissions where activity_year = 2021"
        )
    }
    cells = {
        (code, column): int(count)
        for code, column, count in one_year.query(
            "select geo_code, breakdown_value, count_value from"
            " intermediate.int_data_package_cells where table_id = '8a' and period = 2021"
            " and geo_level = 'municipality' and count_value > 0"
        )
    }
    assert cells and {k: v[0] for k, v in mart.items() if v[0]} == cells
    (rule,) = _seed("preventable_admission_rules")
    (band,) = [b for b in _seed("report_age_bands") if b["age_band"] == rule["age_band"]]
    old: dict[str, int] = defaultdict(int)
    for m, age, persons in one_year.query(
        "select municipality_code, age, persons from core.fct_population"
        " where population_year = 2021"
    ):
        if age >= int(band["age_from"]):
            old[str(m)] += persons
    for (m, _), (n, citizens, rate) in mart.items():
        assert citizens == old[m]
        assert rate == (Decimal(1000 * n) / citizens).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


def test_the_analyst_file_hides_a_rate_with_its_count(one_year: Built) -> None:
    """A rate of 1-4 admissions would give the hidden count back (rate x citizens / 1,000)."""
    rows = _marts(
        one_year,
        "select admissions, citizens, admissions_per_1000 from planning.preventable_admissions",
    )
    hidden = [r for r in rows if r[0] == -1]
    assert hidden, "the tiny year has municipalities with 1-4 admissions of a group"
    assert all(rate == -1 for _, _, rate in hidden)
    assert all(rate != -1 for n, _, rate in rows if n != -1)
    assert not any(1 <= value <= 4 for r in rows for value in r[:2])


def test_a_rate_must_name_a_count_column() -> None:
    node = {
        "resource_type": "model",
        "name": "m",
        "schema": "planning",
        "config": {"meta": {"analyst_file": True}},
        "columns": {
            "n": {"meta": {}},
            "rate": {"meta": {"discretion": "rate", "discretion_count": "n"}},
        },
    }
    with pytest.raises(AnalystFileError, match="not a discretion count column"):
        analyst_tables({"model.m": node})
    node["columns"]["n"]["meta"] = {"discretion": "count"}
    (table,) = analyst_tables({"model.m": node})
    assert table.count_columns == ("n",) and table.rate_columns == (("rate", "n"),)


def test_the_plausibility_check_passed(one_year: Built) -> None:
    rows = one_year.query(
        "select municipality_code, activity_year, acute_admissions, preventable_admissions,"
        " is_within_acute_admissions from quality.preventable_admissions_plausibility"
    )
    assert rows and all(r[4] for r in rows)
    assert sum(r[3] for r in rows) > 0 and all(r[3] < r[2] for r in rows if r[2])


# --------------------------------------------------------------------------- budget follow-up
def _expected_by_municipality(b: Built, kind: str, amount: str) -> dict[tuple[int, int], Decimal]:
    totals: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for row in b.expected["totals"][kind]:
        totals[(row["municipality_code"], row["year"])] += Decimal(row[amount]) / 100
    return totals


def test_the_year_so_far_ends_at_the_ground_truth(one_year: Built) -> None:
    """December's year so far is the year's co-financing and full financing of expected.json (the
    generator's independent implementation); the first year has no previous year, so every
    forecast is the run rate, and December's forecast is the year itself."""
    rows = one_year.query(
        "select municipality_code, activity_year, months_known, co_financing_to_date_dkk,"
        " co_financing_forecast_dkk, co_financing_forecast_method, full_financing_to_date_dkk,"
        " full_financing_forecast_dkk, full_financing_forecast_method, aconto_dkk,"
        " co_financing_to_date_share_of_aconto, co_financing_forecast_minus_aconto_dkk"
        " from planning.budget_follow_up where extract(month from activity_month) = 12"
    )
    co = _expected_by_municipality(one_year, "co_financing", "co_financing_ore")
    full = _expected_by_municipality(one_year, "full_financing", "amount_ore")
    assert {(r[0], r[1]): r[3] for r in rows} == {
        k: co.get(k, Decimal(0)) for k in {(r[0], r[1]) for r in rows}
    }
    assert {(r[0], r[1]): r[6] for r in rows} == {
        k: full.get(k, Decimal(0)) for k in {(r[0], r[1]) for r in rows}
    }
    assert {k for k, v in co.items() if v} <= {(r[0], r[1]) for r in rows}
    acontos = {
        (int(a["municipality_code"]), int(a["year"])): Decimal(a["aconto_dkk"])
        for a in _seed("co_financing_aconto_municipality")
    }
    for row in rows:
        m, y, months, co_to_date, co_forecast, co_method = row[:6]
        full_to_date, full_forecast, full_method, aconto, share, minus = row[6:]
        assert months == 12 and co_method == full_method == "run_rate"
        assert co_forecast == co_to_date and full_forecast == full_to_date
        if (m, y) in acontos:
            assert aconto == acontos[(m, y)]
            assert share == (co_to_date / aconto).quantize(
                Decimal("0.000001"), rounding=ROUND_HALF_UP
            )
            assert minus == co_forecast - aconto
        else:
            assert aconto is share is minus is None


def _monthly(b: Built) -> dict[tuple[int, str], dict[tuple[int, int], Decimal]]:
    """(municipality, measure) -> (year, month) -> amount, from the finance marts."""
    out: dict[tuple[int, str], dict[tuple[int, int], Decimal]] = defaultdict(
        lambda: defaultdict(Decimal)
    )
    for measure, sql in (
        ("co_financing", "select municipality_code, activity_month, co_financing_dkk"
         " from finance.co_financing_by_municipality_month"),
        ("full_financing", "select municipality_code, activity_month, amount_dkk"
         " from finance.full_financing_by_municipality_month"),
    ):  # fmt: skip
        for m, month, amount in b.query(sql):
            out[(m, measure)][(month.year, month.month)] += amount
    return out


def test_the_backtest_recomputes_every_forecast(three_years: Built) -> None:
    """Every forecast of the backtest, recomputed from the finance marts: the profile method
    (the year so far x last year's total / last year's same months) from the second year on, the
    run rate (the year so far / months x 12) in every year, each against the year's total."""
    monthly = _monthly(three_years)
    rows = three_years.query(
        "select municipality_code, activity_year, months_known, measure, forecast_method,"
        " forecast_dkk, actual_dkk, absolute_error_share from planning.budget_forecast_backtest"
    )
    seen: set[tuple[int, str]] = set()
    for m, year, months, measure, method, forecast, actual, error in rows:
        amounts = monthly[(m, measure)]
        so_far = sum(amounts[(year, k)] for k in range(1, months + 1))
        total = sum(amounts[(year, k)] for k in range(1, 13))
        assert actual == total
        if method == "run_rate":
            want = _cent(so_far * 12 / months)
        else:
            last = sum(amounts[(year - 1, k)] for k in range(1, months + 1))
            want = _cent(so_far * sum(amounts[(year - 1, k)] for k in range(1, 13)) / last)
        assert abs(forecast - want) <= Decimal("0.01"), (m, year, months, measure, method)
        if actual:
            assert abs(error - abs(forecast - actual) / actual) < Decimal("0.000001")
        seen.add((year, method))
    assert seen == {
        (2021, "run_rate"),
        (2022, "run_rate"),
        (2023, "run_rate"),
        (2022, "previous_year_profile"),
        (2023, "previous_year_profile"),
    }


def test_more_months_known_forecast_better(three_years: Built) -> None:
    """The measured error (docs/indicators-planning.md#budget-follow-up): averaged over
    municipalities and the past years, the co-financing forecast made with eleven months known
    is nearer the year's total than the one made in January, by both methods."""
    error = {
        (method, months): float(mean)
        for method, months, mean in three_years.query(
            "select forecast_method, months_known, avg(absolute_error_share)"
            " from planning.budget_forecast_backtest"
            " where measure = 'co_financing' and actual_dkk > 0 group by all"
        )
    }
    for method in ("run_rate", "previous_year_profile"):
        assert error[(method, 11)] < error[(method, 1)], (method, error)


# --------------------------------------------------------------------------- standardised rates
def _standardised_in_python(b: Built) -> dict[tuple[int, str, str, str], Decimal | None]:
    """The direct standardisation recomputed from the strata and the standard population."""
    geography = b.query(
        "select municipality_code, geo_level, geo_code from intermediate.int_data_package_geography"
    )
    areas = defaultdict(list)
    for m, level, code in geography:
        areas[m].append((level, code))
    observed: dict[tuple, Decimal] = defaultdict(Decimal)
    population: dict[tuple, int] = defaultdict(int)
    for m, year, sex, group, measure, n, people in b.query(
        "select * from intermediate.int_standardisation_strata"
    ):
        for level, code in areas[m]:
            observed[(year, level, code, measure, sex, group)] += n
            population[(year, level, code, measure, sex, group)] += people
    standard: dict[int, dict[tuple[str, str], int]] = defaultdict(dict)
    for year, _, sex, group, persons in b.query(
        "select * from intermediate.int_standard_population"
    ):
        standard[year][(sex, group)] = persons
    out: dict[tuple[int, str, str, str], Decimal | None] = {}
    for year, level, code, measure in {k[:4] for k, people in population.items() if people}:
        weights = standard[year]
        weighted: list[Decimal] = []
        complete = True
        for stratum, persons in weights.items():
            people = population.get((year, level, code, measure, *stratum), 0)
            if persons and not people:
                complete = False
            elif people:
                weighted.append(persons * observed[(year, level, code, measure, *stratum)] / people)
        total = sum(weights.values())
        out[(year, level, code, measure)] = (
            (sum(weighted) / total).quantize(Decimal("0.000001")) if complete else None
        )
    return out


def test_standardised_rates_recomputed_and_the_standard_is_its_own_standard(
    three_years: Built,
) -> None:
    rows = three_years.query(
        "select activity_year, geo_level, geo_code, measure, population, observed_count,"
        " observed_dkk, crude_rate, standardised_rate, standardised_to_crude_ratio,"
        " standard_population_year from planning.standardised_rates"
    )
    want = _standardised_in_python(three_years)
    assert len(rows) >= 3 * 3 * 4  # three years, three measures, every level
    for year, level, code, measure, _, _, _, _, standardised, _, _ in rows:
        got = want[(year, level, code, measure)]
        if got is None:
            assert standardised is None, (year, level, code, measure)
        else:
            assert abs(standardised - got) <= Decimal("0.000002"), (year, level, code, measure)
    # the default standard is the earliest year of the delivery; the country of that year is
    # standardised to itself: its standardised rate is its crude rate
    assert {r[10] for r in rows} == {YEARS[0]}
    for year, level, _, measure, _, _, _, crude, standardised, ratio, _ in rows:
        if level == "country" and year == YEARS[0]:
            assert abs(standardised - crude) <= Decimal("0.000002"), measure
            assert abs(ratio - 1) <= Decimal("0.00001"), measure


def test_crude_rates_count_what_the_data_package_counts(one_year: Built) -> None:
    """Hospital contacts and admissions of the crude rates are the data package's (4a hospital
    somatic and psychiatric; 6b somatic admissions plus psychiatric admissions) and the
    population its denominator, at every level."""
    contacts = {
        (level, code): int(n)
        for level, code, n in one_year.query(
            "select geo_level, geo_code, sum(count_value) from"
            " intermediate.int_data_package_cells where table_id = '4a' and period = 2021"
            " and breakdown_value in ('hospital_somatic', 'hospital_psychiatric') group by all"
        )
    }
    population = {
        (level, code): int(n)
        for level, code, n in one_year.query(
            "select geo_level, geo_code, count_value from intermediate.int_data_package_cells"
            " where table_id = 'denominator_all' and period = 2021"
        )
    }
    rows = one_year.query(
        "select geo_level, geo_code, population, observed_count, crude_rate"
        " from planning.standardised_rates where activity_year = 2021 and measure = 'contacts'"
    )
    assert rows
    for level, code, people, observed, crude in rows:
        assert people == population[(level, code)]
        assert observed == contacts.get((level, code), 0)
        assert crude == (Decimal(observed) / people).quantize(
            Decimal("0.000001"), rounding=ROUND_HALF_UP
        )
