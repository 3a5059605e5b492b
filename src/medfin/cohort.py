"""`medfin cohort`: the aggregated profile of a group of citizens (the municipal portal's "upload a
group of citizens"), read from the published full warehouse (docs/cohort.md).

The analyst gives a file of pseudonymised person ids. The profile counts, for the year, the
citizens found, their contacts, admissions, readmissions, co-financing and full financing, each in
total and per citizen, beside the same per-citizen figure of the municipalities the cohort lives
in (each municipality's residents' total over its population on 1 January, weighted by how many of
the cohort live there on 1 January). Nothing person-level leaves: a cohort with fewer citizens
found than the seed rule `cohort_minimum` allows is refused, ids not found are counted and never
listed, and a figure to which 1-4 citizens contribute is shown as the seed rule `small_count`
says (-1), as in every published table.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

# Seeds the rules come from (seeds/discretion_rules.csv).
SMALL_COUNT_RULE = "small_count"
COHORT_MINIMUM_RULE = "cohort_minimum"
# A CPR number (DDMMYY-SSSS, with or without the dash): the cohort takes pseudonyms only.
_CPR_SHAPED = re.compile(r"^(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{2}-?[0-9]{4}$")
ID_HEADER = "person_id"


class CohortRefused(Exception):
    """The cohort cannot be profiled; the message is one line for the analyst."""


@dataclass(frozen=True)
class Measure:
    """One line of the profile: `sql` gives (person_id, municipality_code, value) for the year
    (parameter $year); the municipality is the one the warehouse attributes the activity to."""

    name: str
    label: str
    unit: str  # "count" or "dkk"
    sql: str


MEASURES: tuple[Measure, ...] = (
    Measure(
        "contacts",
        "Contacts with the health service (hospital, psychiatry, practice sector)",
        "count",
        "select person_id, municipality_code, events as value"
        " from intermediate.int_data_package_activity where period = $year",
    ),
    Measure(
        "admissions",
        "Admissions (somatic and psychiatric)",
        "count",
        "select person_id, municipality_code, events as value"
        " from intermediate.int_data_package_activity"
        " where period = $year and contact_kind = 'admission'",
    ),
    Measure(
        "readmissions",
        "Acute readmissions within 30 days (after the index admissions discharged in the year)",
        "count",
        # As table 7a of the data packages: each index admission's chain of readmissions, in the
        # year of its discharge and the municipality of residence at its start.
        "select person_id, residence_municipality_code as municipality_code,"
        " readmissions as value from core.fct_admission_stays"
        " where is_index_admission and extract(year from discharge_date) = $year",
    ),
    Measure(
        "co_financing_dkk",
        "Municipal co-financing (DKK)",
        "dkk",
        "select person_id, paying_municipality_code as municipality_code,"
        " co_financing_dkk as value from core.fct_co_financing"
        " where extract(year from activity_month) = $year",
    ),
    Measure(
        "full_financing_dkk",
        "Municipal full financing (DKK)",
        "dkk",
        "select person_id, paying_municipality_code as municipality_code, amount_dkk as value"
        " from core.fct_full_financing where extract(year from activity_month) = $year",
    ),
)


@dataclass(frozen=True)
class Line:
    measure: Measure
    citizens: int  # cohort citizens with any of it (before discretion)
    total: float | None  # None: suppressed
    per_citizen: float | None
    reference_per_citizen: float | None

    @property
    def ratio(self) -> float | None:
        if self.per_citizen is None or not self.reference_per_citizen:
            return None
        return self.per_citizen / self.reference_per_citizen


@dataclass(frozen=True)
class Profile:
    year: int
    ids_given: int
    duplicates: int
    found: int
    not_found: int
    without_residence: int  # found, but with no municipality of residence on 1 January
    lines: list[Line]
    shown_as: int  # what a suppressed figure is shown as


def read_ids(path: Path) -> tuple[list[str], int]:
    """The distinct ids of the file (one per line; a `person_id` header and blank lines are
    skipped) and the number of repeated ones. A CPR-shaped line refuses the file."""
    ids: list[str] = []
    seen: set[str] = set()
    repeated = 0
    with path.open(encoding="utf-8-sig") as lines:
        for number, raw in enumerate(lines, start=1):
            value = raw.strip().strip('"').strip()
            if not value or (number == 1 and value.lower() == ID_HEADER):
                continue
            if _CPR_SHAPED.match(value):
                raise CohortRefused(
                    f"{path} line {number} looks like a CPR number: the cohort takes the"
                    " pseudonymised person ids of the warehouse (medfin pseudonymise)"
                )
            if value in seen:
                repeated += 1
                continue
            seen.add(value)
            ids.append(value)
    return ids, repeated


def _rule(con: duckdb.DuckDBPyConnection, name: str, on: date) -> tuple[int, int, int | None]:
    rows = con.execute(
        "select lower_bound, upper_bound, shown_as from seeds.discretion_rules"
        " where rule_name = ? and valid_from <= ? and (valid_to is null or valid_to > ?)",
        [name, on, on],
    ).fetchall()
    if len(rows) != 1:
        raise CohortRefused(
            f"seeds.discretion_rules needs exactly one {name} rule valid on {on}, has {len(rows)}"
        )
    lower, upper, shown = rows[0]
    return int(lower), int(upper), None if shown is None else int(shown)


def profile(warehouse: Path, ids_file: Path, year: int) -> Profile:
    """The cohort's profile for `year` (raises CohortRefused with one line)."""
    if not warehouse.is_file():
        raise CohortRefused(f"no warehouse at {warehouse}: build one with medfin build")
    ids, repeated = read_ids(ids_file)
    if not ids:
        raise CohortRefused(f"{ids_file} holds no person ids")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        on = date(year, 1, 1)
        small_low, small_high, shown_as = _rule(con, SMALL_COUNT_RULE, on)
        _, minimum_below, _ = _rule(con, COHORT_MINIMUM_RULE, on)
        con.execute("create temp table cohort_ids (person_id varchar primary key)")
        con.executemany("insert into cohort_ids values (?)", [(i,) for i in ids])
        # One row per citizen found, with the municipality of residence on 1 January.
        con.execute(
            "create temp table cohort as select ids.person_id,"
            " min(residence.municipality_code) as municipality_code"
            " from cohort_ids as ids"
            " inner join staging.stg_medfin__persons as persons using (person_id)"
            " left join staging.stg_medfin__residence_periods as residence"
            " on residence.person_id = ids.person_id and residence.valid_from <= $on"
            " and (residence.valid_to is null or residence.valid_to > $on)"
            " group by ids.person_id",
            {"on": on},
        )
        found, located = con.execute(
            "select count(*), count(municipality_code) from cohort"
        ).fetchone() or (0, 0)
        if found <= minimum_below:
            raise CohortRefused(
                f"cohort refused: {found} of the {len(ids)} ids were found in {warehouse};"
                f" at least {minimum_below + 1} are needed (seeds/discretion_rules"
                f" {COHORT_MINIMUM_RULE})"
            )
        population = con.execute(
            "select count(*) from core.fct_population where population_year = $year",
            {"year": year},
        ).fetchone()
        if not population or not population[0]:
            raise CohortRefused(f"{warehouse} has no population for {year}")
        lines = [_line(con, measure, year, found, (small_low, small_high)) for measure in MEASURES]
    return Profile(
        year=year,
        ids_given=len(ids) + repeated,
        duplicates=repeated,
        found=found,
        not_found=len(ids) - found,
        without_residence=found - located,
        lines=lines,
        shown_as=shown_as if shown_as is not None else -1,
    )


def _line(
    con: duckdb.DuckDBPyConnection,
    measure: Measure,
    year: int,
    found: int,
    small: tuple[int, int],
) -> Line:
    params = {"year": year}
    citizens, total = con.execute(
        # The citizens behind a figure: those with a value other than 0 (an index admission
        # without a readmission adds nobody to the readmissions).
        f"with m as ({measure.sql}) select"
        " count(distinct case when m.value != 0 then m.person_id end), coalesce(sum(m.value), 0)"
        " from m inner join cohort using (person_id)",
        params,
    ).fetchone() or (0, 0)
    # The municipalities' own figure per citizen, weighted by where the cohort lives.
    reference = con.execute(
        f"""
        with m as ({measure.sql}),
        per_municipality as (
            select municipality_code, sum(value) as total from m group by municipality_code
        ),
        population as (
            select municipality_code, sum(persons) as persons from core.fct_population
            where population_year = $year group by municipality_code
        ),
        weights as (
            select municipality_code, count(*) as members from cohort
            where municipality_code is not null group by municipality_code
        )
        select sum(
            weights.members * coalesce(per_municipality.total, 0) / population.persons
        ) / sum(weights.members)
        from weights
        inner join population using (municipality_code)
        left join per_municipality using (municipality_code)
        """,
        params,
    ).fetchone()
    suppressed = small[0] <= citizens <= small[1]
    value = None if suppressed else float(total)
    average = reference[0] if reference else None
    return Line(
        measure=measure,
        citizens=int(citizens),
        total=value,
        per_citizen=None if value is None else value / found,
        reference_per_citizen=None if average is None else float(average),
    )


COLUMNS: Sequence[str] = (
    "measure",
    "label",
    "cohort_total",
    "cohort_per_citizen",
    "municipality_average_per_citizen",
    "ratio",
)


def rows(result: Profile) -> list[list[str]]:
    """The profile as text rows (COLUMNS), suppressed figures shown as the rule says."""

    def shown(value: float | None, digits: int) -> str:
        return str(result.shown_as) if value is None else f"{value:.{digits}f}"

    out = []
    for line in result.lines:
        money = line.measure.unit == "dkk"
        out.append(
            [
                line.measure.name,
                line.measure.label,
                shown(line.total, 2 if money else 0),
                shown(line.per_citizen, 2 if money else 3),
                "" if line.reference_per_citizen is None else f"{line.reference_per_citizen:.3f}",
                "" if line.ratio is None else f"{line.ratio:.2f}",
            ]
        )
    return out


def write_csv(result: Profile, path: Path) -> Path:
    """The profile as CSV (`;`-separated, as the data packages), with its header facts first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["year", result.year])
        writer.writerow(["ids_given", result.ids_given])
        writer.writerow(["ids_repeated", result.duplicates])
        writer.writerow(["citizens_found", result.found])
        writer.writerow(["ids_not_found", result.not_found])
        writer.writerow(["found_without_residence_on_1_january", result.without_residence])
        writer.writerow([])
        writer.writerow(COLUMNS)
        writer.writerows(rows(result))
    return path
