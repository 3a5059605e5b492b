"""The health-council data packages: reporting.data_package, the Excel workbooks a council opens,
the Parquet export, and the tiny delivery spread over chosen municipalities.

The figures are checked against the raw delivery with code written here (Python over the
delivered Parquet files), not against the SQL that made them. Every test reads the shared tiny
build of the `none` profile (warehouses.built): its three municipalities are Odder and Skanderborg
of Sundhedsråd Horsens and Samsø of Sundhedsråd Aarhus, so Horsens and Hedensted are councils'
municipalities without delivered residents.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from medfin.cli import app
from medfin.export import ExportError
from medfin.export.datapakke import export_all, export_one
from medfin.export.parquet import export_parquet
from medfin.generate import generate_delivery
from medfin.publish import layout
from warehouses import Built, built

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
PERIOD = 2021
COUNCIL = "Sundhedsråd Horsens"
# The note the published packages print under every table (the health authority's wording).
DISCRETION_NOTE = "Observationer på 1-4 er erstattet med '-1' af diskretionshensyn."
runner = CliRunner()


def _seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _rows(delivery: Path, table: str) -> list[dict[str, Any]]:
    return pq.read_table(delivery / f"{table}.parquet").to_pylist()


def _round_half_up(value: Decimal, places: str = "0.1") -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def wh() -> Built:
    return built("none")


@pytest.fixture(scope="module")
def marts(wh: Built) -> Path:
    return layout(wh.warehouse).marts


@pytest.fixture(scope="module")
def published(marts: Path) -> dict[tuple, Decimal | None]:
    """reporting.data_package (analyst file): (table, level, code, column, measure) -> value."""
    with duckdb.connect(str(marts), read_only=True) as con:
        rows = con.execute(
            "select table_id, geo_level, geo_code, breakdown_value, measure, value"
            " from reporting.data_package where period = ?",
            [PERIOD],
        ).fetchall()
    return {tuple(r[:5]): r[5] for r in rows}


def _judged(wh: Built, denominators: bool) -> dict[tuple, tuple[Decimal, int, bool]]:
    rows = wh.query(
        "select table_id, geo_level, geo_code, breakdown_value, count_value, observations,"
        " is_suppressed from intermediate.int_data_package_discretion"
        f" where period = {PERIOD} and is_denominator = {denominators}"
    )
    return {tuple(r[:4]): (r[4], r[5], r[6]) for r in rows}


@pytest.fixture(scope="module")
def cells(wh: Built) -> dict[tuple, tuple[Decimal, int, bool]]:
    """The unsuppressed cells: (table, level, code, column) -> (count, observations, hidden)."""
    return _judged(wh, denominators=False)


@pytest.fixture(scope="module")
def denominators(wh: Built) -> dict[tuple, tuple[Decimal, int, bool]]:
    """The population cells rates divide by, judged like counts (table denominator_<kind>)."""
    return _judged(wh, denominators=True)


# --------------------------------------------------------------------------- the delivery, by hand
@dataclass(frozen=True)
class Geography:
    council_of: dict[int, str]  # municipality -> council id
    region_of: dict[int, str]  # municipality -> region code

    def areas(self, municipality: int) -> list[tuple[str, str]]:
        return [
            ("municipality", str(municipality)),
            ("health_council", self.council_of[municipality]),
            ("region", self.region_of[municipality]),
            ("country", "DK"),
        ]


@cache
def geography() -> Geography:
    rows = _seed("municipalities")
    return Geography(
        {int(r["municipality_code"]): r["health_council_id"] for r in rows},
        {int(r["municipality_code"]): r["region_code"] for r in rows},
    )


def _day(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _age_groups(age: int, on: date) -> list[str]:
    """The co-financing age groups of seeds/age_groups.csv valid on `on` that hold `age`."""
    return [
        r["age_group"]
        for r in _seed("age_groups")
        if date.fromisoformat(r["valid_from"]) <= on
        and (not r["valid_to"] or on < date.fromisoformat(r["valid_to"]))
        and int(r["age_from"]) <= age
        and (not r["age_to"] or age <= int(r["age_to"]))
    ]


def _bands(age: int) -> list[str]:
    return [
        r["age_band"]
        for r in _seed("report_age_bands")
        if age >= int(r["age_from"]) and (not r["age_to"] or age <= int(r["age_to"]))
    ]


class Delivery:
    """What the raw delivery says, computed without the warehouse."""

    def __init__(self, delivery: Path) -> None:
        self.delivery = delivery
        self.persons = {p["person_id"]: p for p in _rows(delivery, "persons")}
        self.residence: dict[str, list[tuple[date, date | None, int]]] = defaultdict(list)
        for r in _rows(delivery, "residence"):
            self.residence[r["person_id"]].append(
                (r["valid_from"], r["valid_to"], r["municipality_code"])
            )

    def lives_in(self, person: str, day: date) -> int | None:
        for start, end, municipality in self.residence.get(person, []):
            if start <= day and (end is None or day < end):
                return municipality
        return None

    def events(self) -> Iterable[tuple[str, str, str, date, str | None]]:
        """(kind, person, area, day, specialty) of every contact and service."""
        rules = _seed("admission_rules")
        for c in _rows(self.delivery, "drg_contacts"):
            start, end = c["start_ts"], c["end_ts"]
            hours = (end - start).total_seconds() / 3600
            admitted = any(
                r["contact_type"] == c["contact_type"]
                and date.fromisoformat(r["valid_from"]) <= start.date()
                and (not r["valid_to"] or start.date() < date.fromisoformat(r["valid_to"]))
                and hours >= float(r["min_duration_hours"])
                for r in rules
            )
            kind = "admission" if admitted else "outpatient_visit"
            yield kind, c["person_id"], "hospital_somatic", start.date(), None
        for c in _rows(self.delivery, "psychiatric_contacts"):
            yield "contact", c["person_id"], "hospital_psychiatric", _day(c["start_ts"]), None
        area_of = {
            r["provider_kind"]: r["report_area"]
            for r in _seed("data_package_areas")
            if r["activity_source"] == "practice_services"
        }
        for s in _rows(self.delivery, "practice_services"):
            area = area_of[s["provider_kind"]]
            yield "service", s["person_id"], area, s["service_date"], s["specialty"]

    def activity_counts(self) -> dict[tuple[str, str, str, str], int]:
        """Tables 4a, 4b, 6a-c, 9a, 10a-b by municipality, council, region and country."""
        counts: Counter[tuple[str, str, str, str]] = Counter()
        citizens: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
        for kind, person, area, day, specialty in self.events():
            if day.year != PERIOD:
                continue
            municipality = self.lives_in(person, day)
            if municipality is None:
                continue
            # age on 1 January, as the population; a child born during the year is 0
            bands = _bands(max(0, _age(self.persons[person]["birth_date"], date(day.year, 1, 1))))
            for level, code in geography().areas(municipality):
                counts[("4a", level, code, area)] += 1
                citizens[("4b", level, code, area)].add(person)
                for band in bands:
                    if area == "hospital_somatic":
                        table = "6a" if kind == "outpatient_visit" else "6b"
                        counts[(table, level, code, band)] += 1
                        citizens[("6c", level, code, band)].add(person)
                    if area == "general_practice":
                        citizens[("10a", level, code, band)].add(person)
                        counts[("10b", level, code, band)] += 1
                if area == "specialist_practice":
                    citizens[("9a", level, code, specialty)].add(person)
        counts.update({key: len(people) for key, people in citizens.items()})
        return dict(counts)

    def preventable_admissions(self) -> dict[tuple[str, str, str, str], Decimal]:
        """Tables 8a (admissions) and 8b (DRG value) from the raw files and the rule seeds: acute
        (ATA1) admissions of citizens in the rule's age band on the admission date whose action
        diagnosis starts with a code of a group's range; each course's tariff once, on its first
        such admission."""
        (rule,) = _seed("preventable_admission_rules")  # one period today
        assert rule["diagnosis_kind"] == "A"  # the action diagnosis, as read below
        (band,) = [b for b in _seed("report_age_bands") if b["age_band"] == rule["age_band"]]
        ranges = [
            (g["preventable_group"], g["code_from"], g["code_to"])
            for g in _seed("preventable_admission_groups")
            if g["valid_from"] <= f"{PERIOD}-01-01" and not g["valid_to"]
        ]

        def group_of(code: str) -> str | None:
            found = [g for g, low, high in ranges if low <= code[: len(low)] <= high]
            assert len(found) <= 1, code
            return found[0] if found else None

        def valid(row: dict[str, str], day: date) -> bool:
            return date.fromisoformat(row["valid_from"]) <= day and (
                not row["valid_to"] or day < date.fromisoformat(row["valid_to"])
            )

        admission_rules = _seed("admission_rules")
        tariff = {c["course_id"]: c["tariff_dkk"] for c in _rows(self.delivery, "drg_courses")}
        admissions = []
        for c in _rows(self.delivery, "drg_contacts"):
            start = c["start_ts"]
            hours = (c["end_ts"] - start).total_seconds() / 3600
            admitted = any(
                r["contact_type"] == c["contact_type"]
                and valid(r, start.date())
                and hours >= float(r["min_duration_hours"])
                for r in admission_rules
            )
            municipality = self.lives_in(c["person_id"], start.date())
            age = _age(self.persons[c["person_id"]]["birth_date"], start.date())
            group = group_of(c["action_diagnosis"])
            if not admitted or c["priority"] != "ATA1" or municipality is None or group is None:
                continue
            if age < int(band["age_from"]) or (band["age_to"] and age > int(band["age_to"])):
                continue
            admissions.append((c["course_id"], start, c["contact_id"], municipality, group))
        out: Counter[tuple[str, str, str, str]] = Counter()
        valued: set[str] = set()
        for course, start, _, municipality, group in sorted(admissions):
            value = Decimal(0) if course in valued else tariff[course]
            valued.add(course)
            if start.year != PERIOD:
                continue
            for level, code in geography().areas(municipality):
                out[("8a", level, code, group)] += 1
                out[("8b", level, code, group)] += value
        return dict(out)

    def population(self) -> dict[tuple[str, str, str, str], int]:
        """Tables 1a and 1b, and the denominators: citizens on 1 January."""
        out: Counter[tuple[str, str, str, str]] = Counter()
        for r in _rows(self.delivery, "population"):
            if r["reference_date"] != date(PERIOD, 1, 1):
                continue
            for level, code in geography().areas(r["municipality_code"]):
                out[("all", level, code, "all")] += r["persons"]
                out[("1b", level, code, r["sex"])] += r["persons"]
                for band in _bands(r["age"]):
                    out[("1a", level, code, band)] += r["persons"]
                for group in _age_groups(r["age"], r["reference_date"]):
                    out[("age_group", level, code, group)] += r["persons"]
        return dict(out)


@pytest.fixture(scope="module")
def raw(wh: Built) -> Delivery:
    return Delivery(wh.delivery)


# --------------------------------------------------------------------------- figures
def test_activity_counts_equal_an_independent_count(raw: Delivery, cells: dict) -> None:
    expected = raw.activity_counts()
    tables = {"4a", "4b", "6a", "6b", "6c", "9a", "10a", "10b"}
    got = {k: int(v[0]) for k, v in cells.items() if k[0] in tables and v[0] != 0}
    assert got == expected
    assert len(expected) > 100  # every table, level and column with activity


def test_population_equals_the_delivered_population(
    raw: Delivery, cells: dict, published: dict
) -> None:
    population = raw.population()
    got = {k: int(v[0]) for k, v in cells.items() if k[0] in {"1a", "1b"} and v[0] != 0}
    assert got == {k: v for k, v in population.items() if k[0] in {"1a", "1b"}}
    # published as counted, except counts with 1-4 citizens behind them
    for (table, level, code, column), (count, observations, hidden) in cells.items():
        if table in {"1a", "1b"}:
            shown = published[(table, level, code, column, "count")]
            assert shown == (Decimal(-1) if hidden else count)
            assert hidden or not 1 <= observations <= 4


def test_preventable_admissions_equal_an_independent_count(raw: Delivery, cells: dict) -> None:
    """Table 8: admissions and their DRG value per group, at every level, recomputed from the
    delivered contacts, courses, persons and residence with the seeds' groups and age band."""
    expected = {k: v for k, v in raw.preventable_admissions().items() if v != 0}
    got = {k: v[0] for k, v in cells.items() if k[0] in {"8a", "8b"} and v[0] != 0}
    assert got == expected
    # several groups in the tiny year, and each admission in one group only
    assert len({column for table, level, _, column in expected if level == "country"}) >= 3


def test_full_financing_equals_expected_json(wh: Built, cells: dict) -> None:
    amounts: Counter[tuple[str, str, str, str]] = Counter()
    quantities: Counter[tuple[str, str, str, str]] = Counter()
    for row in wh.expected["totals"]["full_financing"]:
        if row["year"] != PERIOD:
            continue
        for level, code in geography().areas(row["municipality_code"]):
            amounts[("14a", level, code, row["category"])] += row["amount_ore"]
            quantities[("14b", level, code, row["category"])] += row["quantity"]
    got_amounts = {k: int(v[0] * 100) for k, v in cells.items() if k[0] == "14a" and v[0] != 0}
    got_quantities = {k: int(v[0]) for k, v in cells.items() if k[0] == "14b" and v[0] != 0}
    assert got_amounts == dict(amounts)
    assert got_quantities == dict(quantities)
    assert amounts, "the delivery has full-financing events"


def _parent(level: str, code: str) -> tuple[str, str]:
    """The area one level up, from the seeds (not from the warehouse)."""
    if level == "municipality":
        return "health_council", geography().council_of[int(code)]
    if level == "health_council":
        municipality = next(m for m, c in geography().council_of.items() if c == code)
        return "region", geography().region_of[municipality]
    return "country", "DK"


def _no_hidden_cell_can_be_worked_out(judged: dict[tuple, tuple[Decimal, int, bool]]) -> int:
    """Per column and parent area: a shown parent never has exactly one hidden child (the parent
    minus the shown children would give it), a hidden parent has a hidden child (else the sum of
    the children would give it). Returns how many partners (hidden, not 1-4) there were."""
    children: dict[tuple, list[bool]] = defaultdict(list)
    partners = 0
    for (table, level, code, column), (_, observations, hidden) in judged.items():
        if 1 <= observations <= 4:
            assert hidden, (table, level, code, column)
        elif hidden:
            partners += 1
        if level != "country":
            children[(table, column, *_parent(level, code))].append(hidden)
    for (table, column, level, code), hidden_children in children.items():
        parent_hidden = judged[(table, level, code, column)][2]
        hidden = sum(hidden_children)
        if parent_hidden:
            assert hidden >= 1, (table, column, level, code)
        else:
            assert hidden != 1, (table, column, level, code)
    return partners


def test_no_hidden_figure_can_be_worked_out_from_its_area_and_siblings(
    cells: dict, denominators: dict, published: dict
) -> None:
    """1-4 citizens behind a cell hide it, and enough partners are hidden that no hidden cell
    follows from its parent area and the shown siblings; counts and rates hide together."""
    for (table, level, code, column), (count, _, hidden) in cells.items():
        count_shown = published[(table, level, code, column, "count")]
        rate_shown = published[(table, level, code, column, "per_1000")]
        if hidden:
            assert count_shown == rate_shown == Decimal(-1)
        else:
            assert count_shown == count
    partners = _no_hidden_cell_can_be_worked_out(cells)
    _no_hidden_cell_can_be_worked_out(denominators)
    # the demo's small councils need partners at council and municipality level
    assert partners > 0
    assert any(
        hidden and not 1 <= n <= 4 and level == "health_council"
        for (_, level, _, _), (_, n, hidden) in cells.items()
    )


def test_observations_are_the_citizens_behind_a_cell(raw: Delivery, cells: dict) -> None:
    """4a counts contacts, but discretion judges the distinct citizens behind them."""
    citizens: dict[tuple[str, str], set[str]] = defaultdict(set)
    for _, person, area, day, _ in raw.events():
        municipality = raw.lives_in(person, day)
        if day.year == PERIOD and municipality is not None:
            citizens[(str(municipality), area)].add(person)
    got = {
        (code, column): n
        for (table, level, code, column), (_, n, _) in cells.items()
        if table == "4a" and level == "municipality" and n
    }
    assert got == {key: len(people) for key, people in citizens.items()}


def test_rates_per_1000_are_recomputed_from_the_population(
    raw: Delivery, cells: dict, denominators: dict, published: dict
) -> None:
    population = raw.population()
    denominator = {
        r["table_id"]: (r["breakdown"], r["denominator"]) for r in _seed("data_package_tables")
    }
    checked = 0
    by_table: Counter[str] = Counter()
    for (table, level, code, column), (count, _, hidden) in cells.items():
        rate = published[(table, level, code, column, "per_1000")]
        breakdown, kind = denominator[table]
        if kind == "row_population":
            below = ("all", "all")
        elif kind.startswith("age_band:"):  # one named band, e.g. 65_plus for table 8
            below = ("age_band", kind.split(":", 1)[1])
        else:
            below = (breakdown, column)
        below_hidden = denominators[(f"denominator_{below[0]}", level, code, below[1])][2]
        if hidden or below_hidden:
            assert rate == Decimal(-1)  # else count / rate would give the hidden population
            continue
        if kind == "row_population":
            citizens = population.get(("all", level, code, "all"), 0)
        else:
            source = {"age_band": "1a", "sex": "1b", "age_group": "age_group"}[below[0]]
            citizens = population.get((source, level, code, below[1]), 0)
        if citizens == 0:
            assert rate is None
        else:
            by_table[table] += 1
            assert rate == _round_half_up(Decimal(1000) * Decimal(count) / citizens), (
                table,
                level,
                code,
                column,
            )
            checked += 1
    # every table, with each municipality that has citizens, its councils, region and country
    assert set(by_table) == set(denominator) and checked == sum(by_table.values())


# --------------------------------------------------------------------------- the workbook
@pytest.fixture(scope="module")
def workbook_path(marts: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("datapakke") / "horsens.xlsx"
    result = runner.invoke(
        app,
        ["export", "datapakke", "--warehouse", str(marts), "--health-council", COUNCIL,
         "--year", str(PERIOD), "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def _council_municipalities(council_id: str) -> list[str]:
    return sorted(
        r["municipality_name"]
        for r in _seed("municipalities")
        if r["health_council_id"] == council_id
    )


def test_workbook_sheets_rows_numbers_and_notes(
    workbook_path: Path, marts: Path, published: dict, raw: Delivery
) -> None:
    with duckdb.connect(str(marts), read_only=True) as con:
        tables = con.execute(
            "select distinct table_id, table_sort, table_title from reporting.data_package"
            " where measure = 'count' order by table_sort"
        ).fetchall()
        names = dict(
            con.execute(
                "select geo_name, geo_level || '|' || geo_code from reporting.data_package"
                " group by all"
            ).fetchall()
        )
    book = load_workbook(workbook_path)
    assert book.sheetnames == ["Indhold", *[f"Tabel {t[0]}" for t in tables]]
    assert {t[0] for t in tables} >= {"1a", "1b", "4a", "4b", "6a", "6b", "6c", "9a", "10a",
                                      "10b", "13a", "14a", "14b", "M1a", "M1b"}  # fmt: skip
    municipalities = _council_municipalities("horsens")
    delivered = {r["municipality_code"] for r in _rows(raw.delivery, "population")}
    codes = {r["municipality_name"]: int(r["municipality_code"]) for r in _seed("municipalities")}
    assert any(codes[m] not in delivered for m in municipalities)  # a council member without data
    expected_rows = ["Hele landet", "Region Midtjylland", COUNCIL, *municipalities]

    seen_cells = 0
    for table_id, _, title in tables:
        sheet = book[f"Tabel {table_id}"]
        assert sheet["A1"].value == title
        assert sheet["A2"].value == f"Periode: {PERIOD}"
        assert sheet.freeze_panes == "B6"
        rows = [sheet.cell(row=6 + i, column=1).value for i in range(len(expected_rows))]
        assert rows == expected_rows, table_id
        notes = [sheet.cell(row=r, column=1).value for r in range(6 + len(rows), sheet.max_row + 1)]
        assert DISCRETION_NOTE in notes, table_id
        assert any(str(n).startswith("Kilde:") for n in notes if n), table_id
        headers = [c.value for c in sheet[5]][1:]
        block = headers.index(None)  # one empty column between counts and rates
        labels = headers[:block]
        assert headers[block + 1 :] == labels
        columns = _column_codes(marts, table_id, labels)
        for i, name in enumerate(rows):
            level, code = names[name].split("|")
            for j, column in enumerate(columns):
                for measure, offset in (("count", 2), ("per_1000", 3 + block)):
                    cell = sheet.cell(row=6 + i, column=offset + j)
                    want = published[(table_id, level, code, column, measure)]
                    got = None if cell.value is None else Decimal(str(cell.value))
                    assert got == want, (table_id, name, column, measure)
                    if measure == "count" and got is not None:
                        assert not 1 <= got <= 4 or published_unit(marts, table_id) == "kroner"
                        assert cell.number_format in ("#,##0", "#,##0.00")
                    seen_cells += 1
    assert seen_cells > 500


@cache
def published_unit(marts: Path, table_id: str) -> str:
    with duckdb.connect(str(marts), read_only=True) as con:
        return con.execute(
            "select any_value(unit) from reporting.data_package where table_id = ?", [table_id]
        ).fetchone()[0]


def _column_codes(marts: Path, table_id: str, labels: list[str]) -> list[str]:
    with duckdb.connect(str(marts), read_only=True) as con:
        code_of = dict(
            con.execute(
                "select distinct breakdown_label, breakdown_value from reporting.data_package"
                " where table_id = ? and period = ?",
                [table_id, PERIOD],
            ).fetchall()
        )
    return [code_of[label] for label in labels]


def test_contents_sheet_lists_every_table_with_a_link(workbook_path: Path) -> None:
    book = load_workbook(workbook_path)
    contents = book["Indhold"]
    links = [c.hyperlink.location for c in contents["A"] if c.hyperlink]
    assert links == [f"'{name}'!A1" for name in book.sheetnames[1:]]
    texts = [c.value for c in contents["A"] if c.value]
    assert DISCRETION_NOTE in texts
    # the demo's tariffs are partly illustrative: the package says so
    assert any(str(t).startswith("Bemærk: tal i tabellen bygger på illustrative") for t in texts)


def test_all_councils_write_seventeen_workbooks_and_one_with_all(
    marts: Path, tmp_path: Path
) -> None:
    written = export_all(marts, PERIOD, tmp_path)
    councils = {r["health_council_id"] for r in _seed("health_councils")}
    assert len(written) == len(councils) + 1 == 18
    assert {p.name for p in written} == {f"datapakke-{c}-{PERIOD}.xlsx" for c in councils} | {
        f"datapakke-alle-sundhedsraad-{PERIOD}.xlsx"
    }
    every = load_workbook(tmp_path / f"datapakke-alle-sundhedsraad-{PERIOD}.xlsx")["Tabel 4b"]
    names = [c.value for c in every["A"][5:]]
    municipalities = {r["municipality_name"] for r in _seed("municipalities")}
    assert municipalities <= set(names)
    assert names[0] == "Hele landet"
    assert sum(1 for n in names if n and n.startswith("Region ")) == 5
    assert sum(1 for n in names if n and n.startswith("Sundhedsråd ")) == 17
    # each council comes before its own municipalities, in Danish order (aa = å, last)
    start = names.index("Sundhedsråd Sønderjylland")
    assert names[start + 1 : start + 5] == ["Haderslev", "Sønderborg", "Tønder", "Aabenraa"]
    assert names.index("Sundhedsråd Horsens") < names.index("Odder")
    assert names.index("Sundhedsråd Aarhus") < names.index("Samsø")


def test_unknown_council_lists_the_valid_names(marts: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["export", "datapakke", "--warehouse", str(marts), "--health-council",
         "Sundhedsråd Horsnes", "--year", str(PERIOD), "--out", str(tmp_path / "x.xlsx")],
    )  # fmt: skip
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "no health council named 'Sundhedsråd Horsnes'" in output
    for council in _seed("health_councils"):
        assert council["health_council_name"] in output
    assert not (tmp_path / "x.xlsx").exists()
    # the name without the prefix, and the id, find the council too
    assert export_one(marts, "horsens", PERIOD, tmp_path / "h.xlsx").is_file()
    with pytest.raises(ExportError, match="the warehouse has the periods: 2021"):
        export_one(marts, COUNCIL, 2019, tmp_path / "y.xlsx")


def test_exports_refuse_the_full_warehouse(wh: Built, tmp_path: Path) -> None:
    for args in (
        ["datapakke", "--all", "--year", str(PERIOD), "--out", str(tmp_path / "d")],
        ["parquet", "--out", str(tmp_path / "p")],
    ):
        result = runner.invoke(app, ["export", *args, "--warehouse", str(wh.warehouse)])
        assert result.exit_code == 1
        assert "full warehouse with person-level rows" in " ".join(result.output.split())
    assert not (tmp_path / "d").exists() and not (tmp_path / "p").exists()


# --------------------------------------------------------------------------- parquet
def test_parquet_export_has_every_table_and_a_readme(marts: Path, tmp_path: Path) -> None:
    out = tmp_path / "parquet"
    written = export_parquet(marts, out)
    with duckdb.connect(str(marts), read_only=True) as con:
        tables = con.execute(
            "select schema_name || '.' || table_name, estimated_size from duckdb_tables()"
            " where not internal order by 1"
        ).fetchall()
        counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t, _ in tables}
        columns = {t: [c[0] for c in con.execute(f"describe {t}").fetchall()] for t, _ in tables}
    assert sorted(p.name for p in written) == [f"{t}.parquet" for t, _ in tables]
    assert "reporting.data_package" in counts
    readme = (out / "README.md").read_text(encoding="utf-8")
    for table, rows in counts.items():
        data = pq.read_table(out / f"{table}.parquet")
        assert data.num_rows == rows
        assert data.column_names == columns[table]
        assert f"## {table}.parquet" in readme
    assert "| breakdown_value | VARCHAR |" in readme

    # a second export replaces the folder whole (a stale file goes), a foreign folder is refused
    (out / "finance.old_table.parquet").write_bytes(b"stale")
    export_parquet(marts, out)
    assert not (out / "finance.old_table.parquet").exists()
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(ExportError, match="is not a medfin Parquet export"):
        export_parquet(marts, foreign)
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "keep"


# --------------------------------------------------------------------------- the seeds and SQL
def test_table_list_of_the_seed_is_the_list_the_sql_builds() -> None:
    sql = (REPO / "models" / "intermediate" / "int_data_package_cells.sql").read_text(
        encoding="utf-8"
    )
    built_ids = set(re.findall(r"data_package_table\(\s*'([0-9A-Za-z]+)'", sql))
    assert built_ids == {r["table_id"] for r in _seed("data_package_tables")}


# --------------------------------------------------------------------------- generator
def test_generate_spreads_the_tiny_population_over_chosen_municipalities(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["generate", "--scale", "tiny", "--municipalities", "615,766", "--out",
         str(tmp_path / "d"), "--no-progress"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    population = _rows(tmp_path / "d", "population")
    persons: Counter[int] = Counter()
    for row in population:
        persons[row["municipality_code"]] += row["persons"]
    assert set(persons) == {615, 766}
    assert min(persons.values()) > 100
    residence = {r["municipality_code"] for r in _rows(tmp_path / "d", "residence")}
    assert residence == {615, 766}

    refused = runner.invoke(
        app, ["generate", "--scale", "tiny", "--municipalities", "615,999", "--out",
              str(tmp_path / "e"), "--no-progress"],
    )  # fmt: skip
    assert refused.exit_code == 1
    assert "unknown municipality codes [999]" in refused.output
    with pytest.raises(ValueError, match="only be chosen with the tiny scale"):
        generate_delivery("region", (2021, 2021), 1, tmp_path / "f", municipalities=[615])


def test_an_older_warehouse_gets_a_clear_error(marts: Path, tmp_path: Path) -> None:
    older = tmp_path / "older-marts.duckdb"
    older.write_bytes(marts.read_bytes())
    with duckdb.connect(str(older)) as con:
        con.execute("delete from core.dim_label where domain = 'data_package_text'")
    result = runner.invoke(
        app,
        ["export", "datapakke", "--warehouse", str(older), "--health-council", COUNCIL,
         "--year", str(PERIOD), "--out", str(tmp_path / "x.xlsx")],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "built by an older medfin: rebuild it" in " ".join(result.output.split())
    assert not (tmp_path / "x.xlsx").exists()
    with duckdb.connect(str(older)) as con:
        con.execute("drop table reporting.data_package")
    with pytest.raises(ExportError, match=r"has no reporting\.data_package"):
        export_one(older, COUNCIL, PERIOD, tmp_path / "y.xlsx")
