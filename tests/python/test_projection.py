"""The demographic projection: the marts against independent figures, discretion, the build and
`medfin projection` with and without a delivered projection (docs/projection.md).

Every generated delivery carries a projection whose first year is its last delivered year with
exactly the delivered population, so the shared builds (warehouses.built) show the base-year
identity without a build of their own. One selective rebuild of the shared `default` delivery
without the table (a delivery of contract 1.0) shows that it still builds, with empty marts. The
generator's projection itself is tested in test_generate.py, the method's edges in the dbt unit
tests of models/intermediate/projection/.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

import duckdb
import pyarrow.parquet as pq
import pytest
from rich.console import Console
from typer.testing import CliRunner

from deliveries import update_manifest
from medfin import cli
from medfin.extract import MINOR_VERSION_KEY
from medfin.generate.projection import horizon_years
from medfin.projection import (
    ACTIVITY_MART,
    NOT_DELIVERED,
    PARTIAL_NOTE,
    POPULATION_MART,
    TABLE,
)
from medfin.publish import layout
from warehouses import Built, built, rebuild, tampered_copy

runner = CliRunner()
BY_AREA = "intermediate.int_projection_activity_by_area"
MARTS = (ACTIVITY_MART, POPULATION_MART)


@pytest.fixture(scope="module")
def wh() -> Built:
    return built("default")


@pytest.fixture(scope="module")
def base_year(wh: Built) -> int:
    (year,) = wh.query("select base_year from intermediate.int_projection_base_year")[0]
    return int(year)


def _by_municipality(wh: Built, measure: str, base_year: int) -> dict[tuple[int, str], Decimal]:
    """Unsuppressed base-year figures of the municipalities: (municipality, report area) ->."""
    rows = wh.query(
        f"select geo_code, report_area, base_value, projected_value from {BY_AREA}"
        f" where geo_level = 'municipality' and measure = '{measure}'"
        f" and projection_year = {base_year}"
    )
    assert rows, measure
    for *_, base, projected in rows:
        assert Decimal(str(round(projected, 2))) == base  # the base year comes back
    return {(int(code), area): base for code, area, base, _ in rows if base != 0}


# --------------------------------------------------------------------------- the base year
def test_the_base_year_is_the_last_whole_year_and_the_years_reach_the_horizon(
    wh: Built, base_year: int
) -> None:
    period_to = wh.manifest["period"]["to"]
    assert base_year == int(period_to[:4])
    horizon = horizon_years(base_year)
    for mart in MARTS:
        years = wh.query(f"select distinct projection_year, years_after_base from {mart}")
        assert sorted(years) == [(base_year + n, n) for n in range(horizon + 1)], mart


def test_the_published_base_year_comes_back_exactly(wh: Built, base_year: int) -> None:
    """With the delivered population as the projection's first year, every figure of the base
    year is projected to exactly itself, to the øre (suppressed figures are -1 on both sides)."""
    rows = wh.query(
        f"select base_value, projected_value, is_suppressed from {ACTIVITY_MART}"
        f" where projection_year = {base_year}"
    )
    assert sum(not hidden for *_, hidden in rows) > 0
    assert all(base == projected for base, projected, _ in rows)
    population = wh.query(
        f"select persons, base_persons, population, base_population from {POPULATION_MART}"
        f" where projection_year = {base_year}"
    )
    assert population and all(p == b and t == bt for p, b, t, bt in population)


def test_base_year_co_financing_is_the_finance_marts(wh: Built, base_year: int) -> None:
    projected = defaultdict(Decimal)
    for (code, _), value in _by_municipality(wh, "co_financing", base_year).items():
        projected[code] += value
    finance = wh.query(
        "select municipality_code, total_dkk from finance.co_financing_per_citizen"
        f" where activity_year = {base_year} and total_dkk <> 0"
    )
    assert dict(projected) == dict(finance)


def test_base_year_contacts_are_the_data_package_counts(wh: Built, base_year: int) -> None:
    """Table 4a counts contacts and services per area of residence and report area."""
    package = {
        (int(code), area): value
        for code, area, value in wh.query(
            "select geo_code, breakdown_value, count_value"
            " from intermediate.int_data_package_cells"
            f" where table_id = '4a' and geo_level = 'municipality' and period = {base_year}"
            " and count_value > 0"
        )
    }
    assert _by_municipality(wh, "contacts", base_year) == package


def test_base_year_somatic_admissions_are_counted_from_the_contacts(
    wh: Built, base_year: int
) -> None:
    counted = {
        code: Decimal(n)
        for code, n in wh.query(
            "select residence_municipality_code, count(*) from core.fct_contacts"
            f" where is_admission and extract(year from start_date) = {base_year}"
            " and residence_municipality_code is not null group by all"
        )
    }
    projected = {
        code: value
        for (code, area), value in _by_municipality(wh, "admissions", base_year).items()
        if area == "hospital_somatic"
    }
    assert projected == counted


def test_a_council_is_the_sum_of_its_municipalities(wh: Built) -> None:
    rows = wh.query(
        f"select geo_level, geo_code, parent_geo_code, projection_year, report_area, measure,"
        f" base_value, projected_value, municipalities from {BY_AREA}"
    )
    councils = {
        (code, *key): (base, projected, n)
        for level, code, _, *key, base, projected, n in rows
        if level == "health_council"
    }
    summed: dict[tuple, list] = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    for level, _, parent, *key, base, projected, _ in rows:
        if level == "municipality":
            total = summed[(parent, *key)]
            total[0] += base
            total[1] += projected
            total[2] += 1
    assert set(councils) == set(summed)
    for key, (base, projected, n) in councils.items():  # exact decimals: sums in any order
        assert (base, projected, n) == tuple(summed[key]), key


# --------------------------------------------------------------------------- later years
def _delivered_projection(wh: Built) -> dict[tuple[int, int], int]:
    totals: dict[tuple[int, int], int] = defaultdict(int)
    for row in pq.read_table(wh.delivery / f"{TABLE}.parquet").to_pylist():
        totals[(row["municipality_code"], row["year"])] += row["persons"]
    return totals


def test_the_population_mart_is_the_delivered_projection(wh: Built, base_year: int) -> None:
    delivered = _delivered_projection(wh)
    rows = wh.query(
        f"select geo_code, projection_year, population, is_population_suppressed"
        f" from {POPULATION_MART} where geo_level = 'municipality' and age_band = '80_plus'"
    )
    shown = {(int(code), year): total for code, year, total, hidden in rows if not hidden}
    assert shown and all(delivered[key] == total for key, total in shown.items())


def test_the_population_ages_and_admissions_per_resident_grow(wh: Built, base_year: int) -> None:
    """The synthetic projection ages (the share 80+ grows), and the elderly are admitted more
    often: projected admissions per resident grow (all councils together; Samsø alone, 170
    residents, may grow younger)."""
    last = base_year + horizon_years(base_year)
    rows = wh.query(  # unsuppressed: the full warehouse's intermediate tables
        f"""
        with admissions as (
            select projection_year, sum(projected_value) as admissions from {BY_AREA}
            where geo_level = 'health_council' and measure = 'admissions'
            group by all
        ), population as (
            select projection_year,
                sum(persons) filter (where age_band = 'all') as population,
                sum(persons) filter (where age_band = '80_plus') as aged
            from intermediate.int_projection_population_by_area
            where geo_level = 'health_council' group by all
        )
        select projection_year, admissions / population, aged / population
        from admissions join population using (projection_year)
        where projection_year in ({base_year}, {last})
        """
    )
    (first, admitted, aged), (_, admitted_then, aged_then) = sorted(rows)
    assert first == base_year
    assert aged_then > aged and admitted_then > admitted


def test_the_projection_is_the_rates_recomputed_from_the_delivery(
    wh: Built, base_year: int
) -> None:
    """The method again, in Python, from the delivered population and projection and the base
    year's activity per municipality, sex and age: the delivery's rates per resident of a sex and
    age, and each municipality's figure x what they expect of its projected residents over what
    they expect of its base-year residents (or the growth of all its residents when they expect
    nothing). Every municipality's projected figure of every year agrees."""
    population = {
        (r["municipality_code"], r["sex"], r["age"]): r["persons"]
        for r in pq.read_table(wh.delivery / "population.parquet").to_pylist()
        if r["reference_date"].year == base_year
    }
    projection: dict[int, dict[tuple[int, str, int], int]] = defaultdict(dict)
    for r in pq.read_table(wh.delivery / f"{TABLE}.parquet").to_pylist():
        projection[r["year"]][(r["municipality_code"], r["sex"], r["age"])] = r["persons"]
    activity = wh.query(
        "select municipality_code, sex, age, report_area, sum(contacts), sum(admissions),"
        " sum(co_financing_dkk) from intermediate.int_projection_base_activity group by all"
    )
    residents: dict[tuple[str, int], int] = defaultdict(int)
    for (_, sex, age), persons in population.items():
        residents[(sex, age)] += persons
    figures: dict[tuple[int, str, str], float] = defaultdict(float)
    totals: dict[tuple[str, int, str, str], float] = defaultdict(float)
    for municipality, sex, age, area, *values in activity:
        for measure, value in zip(("contacts", "admissions", "co_financing"), values, strict=True):
            figures[(municipality, area, measure)] += float(value)
            totals[(sex, age, area, measure)] += float(value)
    rates = {key: value / residents[key[:2]] for key, value in totals.items() if residents[key[:2]]}

    def expected(people: dict[tuple[int, str, int], int], municipality: int, area: str,
                 measure: str) -> float:  # fmt: skip
        return sum(
            rates.get((sex, age, area, measure), 0.0) * persons
            for (m, sex, age), persons in people.items()
            if m == municipality
        )

    published = wh.query(
        f"select cast(geo_code as integer), projection_year, report_area, measure,"
        f" projected_value from {BY_AREA} where geo_level = 'municipality'"
    )
    assert published
    for municipality, year, area, measure, value in published:
        before = expected(population, municipality, area, measure)
        after = expected(projection[year], municipality, area, measure)
        if before > 0:
            growth = after / before
        else:
            mine = [(m, p) for m, p in population.items() if m[0] == municipality]
            growth = sum(p for k, p in projection[year].items() if k[0] == municipality) / sum(
                p for _, p in mine
            )
        want = figures[(municipality, area, measure)] * growth
        assert float(value) == pytest.approx(want, rel=1e-9, abs=1e-9), (municipality, year, area)


# --------------------------------------------------------------------------- publication
def test_hidden_figures_rest_on_one_to_four_citizens_or_are_partners(wh: Built) -> None:
    judged = wh.query(
        f"select a.geo_level, a.geo_code, a.projection_year, a.report_area, a.measure,"
        f" b.observations, a.is_suppressed, a.base_value, a.projected_value"
        f" from {ACTIVITY_MART} a join {BY_AREA} b"
        " using (geo_level, geo_code, projection_year, report_area, measure)"
    )
    assert judged
    for *key, observations, hidden, base, projected in judged:
        if 1 <= observations <= 4:
            assert hidden, key
        if hidden:
            assert (base, projected) == (-1, -1), key
    hidden_rows = [row for row in judged if row[6]]
    primary = [row for row in hidden_rows if 1 <= row[5] <= 4]
    # a partner is hidden only beside a primary one of the same column
    columns = {(row[2], row[3], row[4]) for row in primary}
    assert all((row[2], row[3], row[4]) in columns for row in hidden_rows)


def test_the_analyst_file_holds_the_projection_marts(wh: Built) -> None:
    assert wh.result is not None and wh.result.analyst_file is not None
    marts = layout(wh.warehouse).marts
    with duckdb.connect(str(marts), read_only=True) as con:
        for mart in MARTS:
            rows = con.execute(f"select count(*) from {mart}").fetchall()[0][0]
            assert rows == wh.query(f"select count(*) from {mart}")[0][0] > 0, mart
            assert wh.result.analyst_file.tables[mart] == rows


# --------------------------------------------------------------------------- the command
def test_the_command_summarises_a_council_and_its_municipalities(
    wh: Built, base_year: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The CLI's console is made when it is imported, with the width of that terminal (80 without
    # one, which wraps the labels inside their cells); give it a wide one.
    monkeypatch.setattr(cli, "console", Console(width=200))
    result = runner.invoke(
        cli.app,
        ["projection", "--warehouse", str(wh.warehouse), "--council", "Sundhedsråd Horsens"],
    )
    assert result.exit_code == 0, result.output
    text = result.output
    last = base_year + horizon_years(base_year)
    assert f"base year {base_year}" in text
    assert str(last) in text and str(base_year + 5) in text
    assert "Sundhedsråd Horsens (health council; 2 of its 4 municipalities)" in text
    assert "Odder (municipality)" in text and "Skanderborg (municipality)" in text
    assert "Samsø" not in text  # of Sundhedsråd Aarhus
    for label in ("population", "share 80+ years", "Admissions", "Municipal co-financing (DKK)"):
        assert label in text, label
    assert re.search(r"population .* [+-]\d+\.\d%", text)
    assert re.search(r"share 80\+ years .* [+-]\d+\.\d pp", text)  # shares change in points
    # a sum that leaves figures hidden for discretion out is marked, and the mark explained
    (hidden,) = wh.query(
        f"select count(*) from {ACTIVITY_MART} where is_suppressed"
        " and (geo_code = 'horsens' or parent_geo_code = 'horsens')"
    )[0]
    assert (hidden > 0) == (PARTIAL_NOTE in " ".join(text.split()))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--municipality", "101"], "municipality 101 is not in the projection"),
        (["--council", "Sundhedsråd Nowhere"], "no health council 'Sundhedsråd Nowhere'"),
        (["--municipality", "727", "--council", "x"], "give --municipality or --council"),
    ],
)
def test_the_command_refuses_an_area_it_does_not_have(
    wh: Built, options: list[str], message: str
) -> None:
    result = runner.invoke(cli.app, ["projection", "--warehouse", str(wh.warehouse), *options])
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())


# --------------------------------------------------------------------------- without a projection
@pytest.fixture(scope="module")
def without(wh: Built, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The shared delivery as contract 1.0 delivered it: no population_projection, no minor
    version. Rebuilt from the shared warehouse (dbt builds what the table feeds)."""
    root = tmp_path_factory.mktemp("without-projection")
    delivery = tampered_copy(wh, root)
    (delivery / f"{TABLE}.parquet").unlink()

    def as_1_0(manifest: dict) -> None:
        manifest["tables"].pop(TABLE)
        manifest.pop(MINOR_VERSION_KEY)

    update_manifest(delivery, as_1_0)
    warehouse = root / "medfin.duckdb"
    result = rebuild(wh, delivery, warehouse)
    return Built(delivery, warehouse, result)


def test_a_delivery_without_a_projection_builds_with_empty_marts(wh: Built, without: Built) -> None:
    assert without.result is not None and without.result.published
    assert TABLE in without.result.delivery.absent_optional
    marts = layout(without.warehouse).marts
    with duckdb.connect(str(marts), read_only=True) as con:
        for mart in MARTS:
            assert con.execute(f"select count(*) from {mart}").fetchall() == [(0,)], mart
            assert without.query(f"select count(*) from {mart}") == [(0,)], mart
    assert without.query(
        f"select delivered, rows_read from quality.row_conservation where source_table = '{TABLE}'"
    ) == [(False, 0)]
    # everything else as before
    finance = "select * from finance.co_financing_per_citizen order by all"
    assert without.query(finance) == wh.query(finance)


def test_the_summary_and_the_command_say_why_there_is_no_projection(without: Built) -> None:
    console = Console(record=True, width=200, force_terminal=False)
    cli._print_build_summary(without.result, console)
    text = console.export_text()
    assert f"optional tables not delivered: {TABLE}" in text
    assert f"projection: {NOT_DELIVERED}" in text

    result = runner.invoke(cli.app, ["projection", "--warehouse", str(without.warehouse)])
    assert result.exit_code == 1
    assert f"no projection: {NOT_DELIVERED}" in " ".join(result.output.split())
