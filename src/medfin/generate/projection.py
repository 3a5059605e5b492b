"""The synthetic population projection (contract table population_projection, since 1.1).

A cohort-component projection, as Statistics Denmark makes its projections (in far more detail):
from the population on 1 January of the jump-off year, each year

- everybody who survives the year (the age- and sex-specific death probabilities of
  params.projection_mortality) is a year older on the next 1 January; the oldest age is open;
- net migration (params.projection_net_migration, by age) adds to or takes from the survivors;
- the children born during the year (women by age times params.projection_fertility) are 0 years
  old on the next 1 January, the boys' share params.PROJECTION_MALE_BIRTH_SHARE, less the deaths
  of their first half year.

The projection is the expected number of residents (no random draws): the same jump-off
population, hence the same seed, gives the same table. Each municipality is projected on its own
(no moves between municipalities). The rows are whole numbers, each cell rounded (half to even);
the jump-off year is the delivered population itself, so that a warehouse can check that its
projection reproduces the base year exactly. How far: seeds/projection_rules.csv, the rule valid
on 1 January of the jump-off year (the projection marts read the same rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from medfin.generate import params
from medfin.project import as_date, read_seed

SEXES = ("M", "K")  # the index of the sex axis, as admin.PopulationCounter counts


def horizon_years(jump_off_year: int) -> int:
    """The years after the jump-off year to project: `horizon_years` of the projection rule valid
    on 1 January of the jump-off year (seeds/projection_rules.csv)."""
    day = date(jump_off_year, 1, 1)
    valid = [
        int(row["horizon_years"])
        for row in read_seed("projection_rules")
        if (as_date(row["valid_from"]) or date.min) <= day
        and (not row["valid_to"] or day < (as_date(row["valid_to"]) or date.max))
    ]
    if len(valid) != 1:
        raise ValueError(
            f"seeds/projection_rules.csv needs exactly one rule valid on {day}, found {len(valid)}"
        )
    return valid[0]


@dataclass(frozen=True)
class Projection:
    """Expected residents per year x municipality x sex (SEXES) x age on 1 January."""

    first_year: int
    municipalities: np.ndarray  # municipality codes, the second axis of `persons`
    persons: np.ndarray  # float, (years, municipalities, 2, ages)

    @property
    def years(self) -> np.ndarray:
        return self.first_year + np.arange(self.persons.shape[0])

    def rows(self) -> dict[str, np.ndarray]:
        """The table's rows: every cell with at least one (rounded) resident, in the order
        municipality, year, sex, age."""
        whole = np.rint(self.persons).astype(np.int64)
        year, muni, sex, age = np.nonzero(whole)
        order = np.lexsort((age, sex, year, muni))
        year, muni, sex, age = year[order], muni[order], sex[order], age[order]
        return {
            "municipality_code": self.municipalities[muni],
            "year": self.years[year],
            "sex": np.array(SEXES)[sex],
            "age": age,
            "persons": whole[year, muni, sex, age],
        }


def project_population(
    jump_off: np.ndarray,
    municipalities: np.ndarray,
    first_year: int,
    horizon: int,
    *,
    migration: bool = True,
) -> Projection:
    """Project `jump_off` (residents on 1 January of `first_year`, shaped (municipalities, 2,
    ages); sex as SEXES, the last age open) `horizon` years ahead; `migration=False` leaves net
    migration out."""
    ages = np.arange(jump_off.shape[-1])
    death = np.stack([params.projection_mortality(ages, sex) for sex in SEXES])  # (2, ages)
    fertility = params.projection_fertility(ages)
    moved = params.projection_net_migration(ages) if migration else np.zeros(len(ages))
    boys = params.PROJECTION_MALE_BIRTH_SHARE
    women = SEXES.index("K")
    years = [jump_off.astype(np.float64)]
    for _ in range(horizon):
        now = years[-1]
        births = (now[:, women, :] * fertility).sum(axis=1)  # per municipality
        survivors = now * (1.0 - death) * (1.0 + moved)
        following = np.zeros_like(now)
        following[:, :, 1:] = survivors[:, :, :-1]
        following[:, :, -1] += survivors[:, :, -1]  # the oldest age is open
        for i, share in enumerate((boys, 1.0 - boys)):
            following[:, i, 0] = births * share * (1.0 - death[i, 0] / 2)
        years.append(following)
    return Projection(first_year, np.asarray(municipalities), np.stack(years))
