"""The conformed dimensions in the built warehouse (core.dim_*), on a tiny synthetic delivery.

The warehouse is the session's shared tiny build (generate + medfin.build.build). The facts
asserted are known independently of the SQL: Danish geography after the 2027 reform, and calendar
days checked by hand or against the `holidays` package directly.
"""

from __future__ import annotations

import csv
import importlib.util
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb
import holidays
import pytest

from warehouses import built

REPO_ROOT = Path(__file__).resolve().parents[2]
SEEDS = REPO_ROOT / "seeds"
FIRST_DAY, LAST_DAY = date(2015, 1, 1), date(2030, 12, 31)


class Warehouse:
    def __init__(self, path: Path) -> None:
        self.path = path

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            return con.execute(sql, list(params)).fetchall()

    def one(self, sql: str, *params: Any) -> tuple[Any, ...]:
        (row,) = self.rows(sql, *params)
        return row


@pytest.fixture(scope="module")
def warehouse() -> Warehouse:
    # The session's shared tiny build (tests/python/warehouses.py); the CLI path that makes it
    # is covered by test_end_to_end.
    return Warehouse(built("default").warehouse)


def seed_rows(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------------------------- geography


def test_every_municipality_has_a_region_and_a_health_council(warehouse: Warehouse) -> None:
    assert warehouse.one(
        """
        select
            count(*),
            count(distinct municipality_code),
            count(region_code),
            count(region_name),
            count(health_council_id),
            count(health_council),
            count(region_2027)
        from core.dim_municipality
        """
    ) == (98, 98, 98, 98, 98, 98, 98)
    assert warehouse.one(
        "select count(distinct health_council_id), count(distinct health_council) "
        "from core.dim_municipality"
    ) == (17, 17)
    assert warehouse.one("select count(distinct region_code) from core.dim_municipality") == (5,)


def test_known_municipalities(warehouse: Warehouse) -> None:
    rows = warehouse.rows(
        "select municipality_code, municipality_name, region_name, health_council "
        "from core.dim_municipality where municipality_code in (101, 751) order by 1"
    )
    assert rows == [
        (101, "København", "Region Hovedstaden", "Sundhedsråd Hovedstaden"),
        (751, "Aarhus", "Region Midtjylland", "Sundhedsråd Aarhus"),
    ]


def test_region_2027(warehouse: Warehouse) -> None:
    by_region = dict(
        warehouse.rows(
            "select region_name, list(distinct region_2027) from core.dim_municipality "
            "group by region_name"
        )
    )
    # Sjælland and Hovedstaden merge into Region Østdanmark; the other three keep their names.
    assert by_region == {
        "Region Sjælland": ["Region Østdanmark"],
        "Region Hovedstaden": ["Region Østdanmark"],
        "Region Nordjylland": ["Region Nordjylland"],
        "Region Midtjylland": ["Region Midtjylland"],
        "Region Syddanmark": ["Region Syddanmark"],
    }
    sjaelland = warehouse.one(
        "select count(*) from core.dim_municipality where region_name = 'Region Sjælland'"
    )
    assert sjaelland == (17,)


def test_health_councils_stay_inside_one_region(warehouse: Warehouse) -> None:
    assert (
        warehouse.rows(
            "select health_council_id from core.dim_municipality "
            "group by health_council_id having count(distinct region_code) > 1"
        )
        == []
    )


# ------------------------------------------------------------------------------ small dimensions


def test_sex_and_age_groups(warehouse: Warehouse) -> None:
    assert warehouse.rows("select * from core.dim_sex order by sex desc") == [
        ("M", "Mand", "Male"),
        ("K", "Kvinde", "Female"),
    ]
    groups = warehouse.rows(
        "select age_group, age_from, age_to from core.dim_age_group order by sort_order"
    )
    assert groups == [
        ("all", 0, None),
        ("0-2", 0, 2),
        ("3-64", 3, 64),
        ("65-79", 65, 79),
        ("80+", 80, None),
    ]


def test_drg_dimensions(warehouse: Warehouse) -> None:
    catalogue = seed_rows("drg_catalogue")
    codes = {r["drg_code"] for r in catalogue}
    assert warehouse.one("select count(*), count(distinct drg_code) from core.dim_drg_group") == (
        len(codes),
        len(codes),
    )
    assert warehouse.one("select count(*) from core.dim_drg_tariff") == (len(catalogue),)
    # Names come from the latest year; the first and last years from the whole catalogue.
    latest = max(r["drg_year"] for r in catalogue if r["drg_code"] == "04MA02")
    name = next(
        r["drg_name"] for r in catalogue if r["drg_code"] == "04MA02" and r["drg_year"] == latest
    )
    assert warehouse.one(
        "select drg_name, mdc, first_year, last_year from core.dim_drg_group where drg_code = ?",
        "04MA02",
    ) == (name, "04", 2017, int(latest))
    row = next(r for r in catalogue if r["drg_code"] == "04MA02" and r["drg_year"] == "2021")
    tariff, trim, rate = warehouse.one(
        "select tariff_dkk, trim_point_days, long_stay_day_rate_dkk from core.dim_drg_tariff "
        "where drg_code = '04MA02' and drg_year = 2021"
    )
    assert (str(tariff), str(trim), str(rate)) == (
        row["tariff_dkk"],
        row["trim_point_days"],
        row["long_stay_day_rate_dkk"],
    )


def test_treatment_sites_keep_codes_as_strings(warehouse: Warehouse) -> None:
    seed = {r["sor_code"]: r for r in seed_rows("treatment_sites")}
    rows = warehouse.rows(
        "select sor_code, hospital_code, region_name from core.dim_treatment_site"
    )
    assert {r[0] for r in rows} == set(seed)
    assert all(hospital == seed[sor]["hospital_code"] for sor, hospital, _ in rows)
    assert all(region is not None for *_, region in rows)


def test_contract_types(warehouse: Warehouse) -> None:
    types = dict(
        warehouse.rows(
            "select table_name || '.' || column_name, data_type from information_schema.columns "
            "where table_schema = 'core' and table_name like 'dim_%'"
        )
    )
    assert types["dim_municipality.municipality_code"] == "INTEGER"
    assert types["dim_treatment_site.sor_code"] == "VARCHAR"
    assert types["dim_drg_tariff.tariff_dkk"] == "DECIMAL(18,2)"
    assert types["dim_date.date_day"] == "DATE"
    assert types["dim_date.is_working_day"] == "BOOLEAN"
    assert types["dim_date.working_day_of_month"] == "INTEGER"


# ---------------------------------------------------------------------------------- dim_date


def day(warehouse: Warehouse, on: str) -> dict[str, Any]:
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        cursor = con.execute(
            "select * from core.dim_date where date_day = ?", [date.fromisoformat(on)]
        )
        names = [d[0] for d in cursor.description]
        (row,) = cursor.fetchall()
    return dict(zip(names, row, strict=True))


def test_calendar_span(warehouse: Warehouse) -> None:
    assert warehouse.one(
        "select count(*), count(distinct date_day), min(date_day), max(date_day) from core.dim_date"
    ) == (5844, 5844, FIRST_DAY, LAST_DAY)


def test_ordinary_thursday_is_a_working_day(warehouse: Warehouse) -> None:
    thursday = day(warehouse, "2021-06-17")
    assert thursday["iso_weekday"] == 4
    assert thursday["iso_week"] == 24
    assert thursday["is_working_day"] is True
    assert thursday["is_public_holiday"] is False
    assert thursday["month_start"] == date(2021, 6, 1)


def test_christmas_day_is_not_a_working_day(warehouse: Warehouse) -> None:
    christmas = day(warehouse, "2021-12-25")
    assert christmas["is_public_holiday"] is True
    assert christmas["holiday_name"] == "Juledag"
    assert christmas["is_working_day"] is False
    assert christmas["working_day_of_month"] is None


def test_easter_monday_is_not_a_working_day(warehouse: Warehouse) -> None:
    easter_monday = day(warehouse, "2021-04-05")
    assert easter_monday["iso_weekday"] == 1
    assert easter_monday["is_weekend"] is False
    assert easter_monday["is_public_holiday"] is True
    assert easter_monday["holiday_name"] == "Anden påskedag"
    assert easter_monday["is_working_day"] is False


def test_next_working_day_after_a_saturday(warehouse: Warehouse) -> None:
    assert day(warehouse, "2022-12-17")["iso_weekday"] == 6
    assert warehouse.one(
        "select min(date_day) from core.dim_date where date_day > ? and is_working_day",
        date(2022, 12, 17),
    ) == (date(2022, 12, 19),)


def test_first_working_day_of_2021(warehouse: Warehouse) -> None:
    # 1 January 2021 is Nytårsdag (a Friday), 2-3 January a weekend.
    assert [day(warehouse, f"2021-01-0{d}")["working_day_of_month"] for d in (1, 2, 3, 4, 5)] == [
        None,
        None,
        None,
        1,
        2,
    ]


def test_optional_days_and_store_bededag(warehouse: Warehouse) -> None:
    # Grundlovsdag, 24 and 31 December are working days (the package's `optional` category).
    for optional in ("2024-06-05", "2024-12-24", "2024-12-31"):
        assert day(warehouse, optional)["is_working_day"] is True, optional
    # Store bededag was abolished from 2024.
    assert day(warehouse, "2023-05-05")["holiday_name"] == "Store bededag"
    assert day(warehouse, "2023-05-05")["is_working_day"] is False
    assert day(warehouse, "2024-04-26")["is_working_day"] is True


def test_working_days_agree_with_the_holidays_package(warehouse: Warehouse) -> None:
    """Every day of 2015-2030, computed in Python straight from the package (not from the seed)."""
    calendar = holidays.Denmark(years=range(2015, 2031), categories=("public",), language="da")
    expected = {}
    per_month: Counter[date] = Counter()
    d = FIRST_DAY
    while d <= LAST_DAY:
        working = d.isoweekday() <= 5 and d not in calendar
        per_month[d.replace(day=1)] += working
        expected[d] = (
            d.isoweekday(),
            d.isocalendar().week,
            d in calendar,
            calendar.get(d),
            working,
            per_month[d.replace(day=1)] if working else None,
        )
        d += timedelta(days=1)
    actual = {
        row[0]: row[1:]
        for row in warehouse.rows(
            "select date_day, iso_weekday, iso_week, is_public_holiday, holiday_name, "
            "is_working_day, working_day_of_month from core.dim_date"
        )
    }
    wrong = [(d, actual.get(d), e) for d, e in expected.items() if actual.get(d) != e]
    assert wrong == []


# ---------------------------------------------------------------------------------- holiday seed


def _load_script() -> ModuleType:
    path = REPO_ROOT / "scripts" / "make_holiday_seed.py"
    spec = importlib.util.spec_from_file_location("make_holiday_seed", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_holiday_seed_is_up_to_date() -> None:
    script = _load_script()
    committed = (SEEDS / "danish_public_holidays.csv").read_text(encoding="utf-8")
    assert committed == script.output(), "run scripts/make_holiday_seed.py"


def test_holiday_seed_choice() -> None:
    rows = seed_rows("danish_public_holidays")
    names = Counter(r["holiday_name"] for r in rows)
    assert names["Juledag"] == names["Anden påskedag"] == 16
    assert names["Store bededag"] == 9  # 2015-2023
    for optional in ("Grundlovsdag", "Juleaftensdag", "Nytårsaften", "Arbejdernes kampdag"):
        assert names[optional] == 0
    assert all("holidays" in r["source"] and "'public'" in r["source"] for r in rows)
