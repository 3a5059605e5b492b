"""`medfin projection`: a short summary of the demographic projection, from the analyst file.

It reads the published marts projection.population_projection and projection.activity_projection
(docs/projection.md) of the analyst file beside a warehouse, and lays out per area (a health
council or a municipality) the base year and every PROJECTION_STEP years up to the last
projection year: the population, the share of each age band, and each measure summed over the
report areas. A figure hidden for discretion (-1) is left out of a sum, which is then marked
(PARTIAL_MARK); a sum of hidden figures only shows as hidden. The same figures are hidden in every
year (discretion judges the base year's citizens), so marked sums compare across the years.

When the marts are empty it says why, in one line (`NoProjection`): the delivery had no
population_projection table (quality.row_conservation says so), every row of it was quarantined,
or there is no base year or no projection year in reach. `medfin projection` then exits 1, as the
export commands do when there is nothing to export: a script sees that there is no projection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

from medfin.export import ExportError, open_source
from medfin.publish import MARTS_SUFFIX, layout

TABLE = "population_projection"  # the contract table (optional since 1.1)
POPULATION_MART = "projection.population_projection"
ACTIVITY_MART = "projection.activity_projection"
PROJECTION_STEP = 5  # years between the columns of the summary (and the last year)
PARTIAL_MARK = "*"
PARTIAL_NOTE = (
    f"{PARTIAL_MARK} without the figures hidden for discretion (1-4 citizens behind them)"
)
NOT_DELIVERED = (
    f"the delivery had no {TABLE} table (optional since contract 1.1), so the projection marts"
    " are empty; docs/projection.md says how to deliver Statistics Denmark's projection"
)


class NoProjection(RuntimeError):
    """There is no projection to show; the message says why in one line."""


@dataclass(frozen=True)
class Area:
    level: str  # health_council or municipality
    code: str
    name: str
    parent: str | None
    sort: int
    municipalities: int
    municipalities_in_area: int


Value = int | float | Decimal | None  # None: hidden for discretion


@dataclass
class AreaSummary:
    area: Area
    # year -> value; label -> year -> value (a year the area's projection lacks is absent)
    population: dict[int, Value] = field(default_factory=dict)
    shares: dict[str, dict[int, Value]] = field(default_factory=dict)
    measures: dict[str, dict[int, Value]] = field(default_factory=dict)
    # measure -> the years whose sum leaves hidden figures out
    partial: dict[str, set[int]] = field(default_factory=dict)


@dataclass
class Summary:
    base_year: int
    years: list[int]
    areas: list[AreaSummary]

    @property
    def partial(self) -> bool:
        """Some sum of the summary leaves figures hidden for discretion out."""
        return any(years for item in self.areas for years in item.partial.values())


def analyst_file(warehouse: Path) -> Path:
    """The analyst file beside a warehouse (or the analyst file itself, when given)."""
    if warehouse.name.endswith(f"{MARTS_SUFFIX}.duckdb"):
        return warehouse
    return layout(warehouse).marts


def read_summary(
    warehouse: Path, *, municipality: int | None = None, council: str | None = None
) -> Summary:
    """The summary of the areas asked for (every area of the projection when neither is given;
    a council with its municipalities). Raises NoProjection, ExportError (no analyst file, an
    unknown area)."""
    with open_source(analyst_file(warehouse)) as con:
        areas = _areas(con)
        if not areas:
            raise NoProjection(_why_empty(con))
        chosen = _choose(areas, municipality, council)
        base_year, last_year = con.execute(
            f"select min(base_year), max(projection_year) from {POPULATION_MART}"
        ).fetchall()[0]
        years = sorted({*range(base_year, last_year + 1, PROJECTION_STEP), last_year})
        summaries = [AreaSummary(area) for area in chosen]
        by_key = {(s.area.level, s.area.code): s for s in summaries}
        _read_figures(con, by_key, years)
    return Summary(base_year, years, summaries)


def _areas(con: duckdb.DuckDBPyConnection) -> list[Area]:
    rows = con.execute(
        "select distinct geo_level, geo_code, geo_name, parent_geo_code, geo_sort,"
        f" municipalities, municipalities_in_area from {POPULATION_MART} order by geo_sort"
    ).fetchall()
    return [Area(*row) for row in rows]


def _why_empty(con: duckdb.DuckDBPyConnection) -> str:
    """Why the projection marts have no rows, in one line."""
    found = con.execute(
        "select delivered, rows_staged, quarantine_reasons from quality.row_conservation"
        " where source_table = ?",
        [TABLE],
    ).fetchall()
    if not found or not found[0][0]:
        return NOT_DELIVERED
    _, staged, reasons = found[0]
    if not staged:
        return (
            f"every row of the delivered {TABLE} table was quarantined ({reasons});"
            " see staging.stg_medfin__quarantine in the full warehouse"
        )
    return (
        "the projection marts are empty: the delivery has no base year (a year it covers whole,"
        " with a population on 1 January), or its projection has no year from the base year to"
        " the horizon of seeds/projection_rules.csv (docs/projection.md)"
    )


def _choose(areas: list[Area], municipality: int | None, council: str | None) -> list[Area]:
    if municipality is not None:
        found = [a for a in areas if a.level == "municipality" and a.code == str(municipality)]
        if not found:
            known = ", ".join(f"{a.code} {a.name}" for a in areas if a.level == "municipality")
            raise ExportError(
                f"municipality {municipality} is not in the projection; it has: {known}"
            )
        return found
    if council is not None:
        wanted = council.strip().casefold()
        councils = [a for a in areas if a.level == "health_council"]
        match = [c for c in councils if wanted in (c.name.casefold(), c.code.casefold())]
        if not match:
            known = ", ".join(c.name for c in councils)
            raise ExportError(f"no health council {council!r} in the projection; it has: {known}")
        return [match[0], *(a for a in areas if a.parent == match[0].code)]
    # each council, followed by its municipalities
    councils = [a for a in areas if a.level == "health_council"]
    return [item for c in councils for item in (c, *(a for a in areas if a.parent == c.code))]


def _read_figures(
    con: duckdb.DuckDBPyConnection, by_key: dict[tuple[str, str], AreaSummary], years: list[int]
) -> None:
    """Population and age-band shares, and each measure summed over the report areas (in the
    order of its labels), of the areas in `by_key` in `years`."""
    population = con.execute(
        "select geo_level, geo_code, projection_year, age_band_name_en, persons, population,"
        " is_suppressed, is_population_suppressed"
        f" from {POPULATION_MART} as figures left join core.dim_label as labels"
        " on labels.domain = 'report_age_band' and labels.code = figures.age_band"
        " where projection_year in (select unnest(?))"
        " order by projection_year, labels.sort_order, age_band",
        [years],
    ).fetchall()
    for level, code, year, band, persons, total, hidden, total_hidden in population:
        if (summary := by_key.get((level, code))) is not None:
            summary.population[year] = None if total_hidden else total
            share = None if hidden or total_hidden or not total else persons / total
            summary.shares.setdefault(band, {})[year] = share
    measures = con.execute(
        "select geo_level, geo_code, measure_name_en, projection_year,"
        " sum(projected_value) filter (where not is_suppressed), bool_or(is_suppressed)"
        f" from {ACTIVITY_MART} as figures left join core.dim_label as labels"
        " on labels.domain = 'projection_measure' and labels.code = figures.measure"
        " where projection_year in (select unnest(?))"
        " group by geo_level, geo_code, measure, measure_name_en, labels.sort_order,"
        " projection_year order by labels.sort_order, measure, projection_year",
        [years],
    ).fetchall()
    for level, code, measure, year, value, some_hidden in measures:
        if (summary := by_key.get((level, code))) is not None:
            summary.measures.setdefault(measure, {})[year] = value  # None: all hidden
            if some_hidden and value is not None:
                summary.partial.setdefault(measure, set()).add(year)


def _change(values: dict[int, Value], years: list[int], *, points: bool = False) -> str:
    """From the first year to the last: relative, or in percentage points (`points`, shares)."""
    first, last = values.get(years[0]), values.get(years[-1])
    if first is None or last is None or (not first and not points):
        return ""
    if points:
        return f"{(float(last) - float(first)) * 100:+.1f} pp"
    return f"{(float(last) - float(first)) / float(first):+.1%}"


def _cells(
    values: dict[int, Value],
    years: list[int],
    shown: str,
    partial: set[int] | frozenset[int] = frozenset(),
    *,
    points: bool = False,
) -> list[str]:
    """One cell per year (`shown` formats a value; a sum in `partial` marked), then the change
    from the first year to the last."""
    cells = []
    for year in years:
        if year not in values:
            cells.append("")
        elif values[year] is None:
            cells.append("hidden")
        else:
            cells.append(shown.format(values[year]) + (PARTIAL_MARK if year in partial else ""))
    return [*cells, _change(values, years, points=points)]


def render(summary: Summary) -> list[list[str]]:
    """The summary as rows of text: a heading row per area, then one row per figure with a cell
    per year and the change from the base year to the last."""
    years = summary.years
    out: list[list[str]] = []
    for item in summary.areas:
        area = item.area
        covered = (
            f"; {area.municipalities} of its {area.municipalities_in_area} municipalities"
            if area.level == "health_council"
            else ""
        )
        out.append([f"{area.name} ({area.level.replace('_', ' ')}{covered})"])
        out.append(["  population", *_cells(item.population, years, "{:,.0f}")])
        for band, shares in item.shares.items():
            out.append([f"    share {band}", *_cells(shares, years, "{:.1%}", points=True)])
        for measure, values in item.measures.items():
            partial = item.partial.get(measure, set())
            out.append([f"  {measure}", *_cells(values, years, "{:,.0f}", partial)])
    return out
