"""Administrative tables: population, LPR reporting volume, accounting bookings, delivery log."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import holidays
import numpy as np

from medfin.generate.params import DATA_AS_OF_DAY
from medfin.generate.population import Persons, Residence
from medfin.generate.timeutil import completed_years, day_number, year_start

MAX_AGE = 125
PUBLISHING_SYSTEMS = ("eSundhed KMF", "Sundhedsdata på tværs")


class PopulationCounter:
    """Residents per municipality × reference date (1 January) × sex × age, summed over chunks."""

    def __init__(self, years: tuple[int, int]) -> None:
        self.ref_days = [year_start(y) for y in range(years[0], years[1] + 1)]
        self.counts = np.zeros((len(self.ref_days), 1000, 2, MAX_AGE + 1), dtype=np.int64)

    def add(self, persons: Persons, residence: Residence) -> None:
        everyone = np.arange(len(persons))
        for i, ref in enumerate(self.ref_days):
            alive = (persons.birth <= ref) & (persons.death >= ref)
            p = everyone[alive]
            ref_arr = np.full(len(p), ref)
            muni = residence.at(p, ref_arr)
            ok = muni > 0
            p, muni = p[ok], muni[ok]
            age = np.minimum(completed_years(persons.birth[p], ref_arr[ok]), MAX_AGE)
            sex = np.where(persons.male[p], 0, 1)
            np.add.at(self.counts[i], (muni, sex, age), 1)

    def rows(self) -> dict[str, np.ndarray]:
        ref_i, muni, sex, age = np.nonzero(self.counts)
        return {
            "municipality_code": muni,
            "reference_date": np.array(self.ref_days)[ref_i],
            "sex": np.array(["M", "K"])[sex],
            "age": age,
            "persons": self.counts[ref_i, muni, sex, age],
        }


class ReportCounter:
    """Unique LPR reports per reporting region and year.

    A report is one registered object: a contact, each of its diagnoses (action and secondary),
    each procedure, and the DRG course element; psychiatric contacts count with their action
    diagnosis. The formula is the generator's, documented in the README's calibration section.
    """

    def __init__(self) -> None:
        self.reports: dict[tuple[int, int], int] = defaultdict(int)

    def add(self, region: np.ndarray, year: np.ndarray, weight: np.ndarray) -> None:
        key = region.astype(np.int64) * 10_000 + year
        uniq, inverse = np.unique(key, return_inverse=True)
        sums = np.bincount(inverse.ravel(), weights=weight.astype(np.float64))
        for k, s in zip(uniq, sums, strict=True):
            self.reports[(int(k // 10_000), int(k % 10_000))] += int(s)


def split_bookings(
    totals: dict[tuple[int, int, str], int], rng: np.random.Generator
) -> dict[str, list]:
    """Book each (region, activity year, category) amount over the activity year's months and one
    to three postings in the following fiscal year; the postings add up to the total exactly."""
    region, fiscal, activity, category, amount = [], [], [], [], []
    for (r, y, c), total in sorted(totals.items()):
        share_now = rng.uniform(0.80, 0.93)
        now = round(total * share_now)
        monthly = np.full(12, now // 12, dtype=np.int64)
        monthly[: now - int(monthly.sum())] += 1
        later_n = int(rng.integers(1, 4))
        later_total = total - now
        later = np.full(later_n, later_total // later_n, dtype=np.int64)
        later[: later_total - int(later.sum())] += 1
        for fy, parts in ((y, monthly), (y + 1, later)):
            for a in parts:
                region.append(r)
                fiscal.append(fy)
                activity.append(y)
                category.append(c)
                amount.append(int(a))
    return {
        "region_code": region,
        "fiscal_year": fiscal,
        "activity_year": activity,
        "category": category,
        "amount_ore": amount,
    }


def publication_deadline(period_month: date, day_of_month: int = 17) -> date:
    """The 17th of the month, moved forward to the next Danish working day."""
    dk = holidays.country_holidays("DK", years=[period_month.year, period_month.year + 1])
    d = period_month.replace(day=day_of_month)
    while d.weekday() >= 5 or d in dk:
        d += timedelta(days=1)
    return d


def delivery_log(years: tuple[int, int], rng: np.random.Generator) -> dict[str, list]:
    """Monthly publications: mostly on time, some late, now and then a month without update."""
    system, period, published, as_of = [], [], [], []
    for name in PUBLISHING_SYSTEMS:
        for y in range(years[0], years[1] + 1):
            for m in range(1, 13):
                month = date(y, m, 1)
                deadline = publication_deadline(month)
                u = rng.random()
                if u < 0.02:
                    pub = None
                elif u < 0.12:
                    pub = deadline + timedelta(days=int(rng.integers(1, 7)))
                else:
                    pub = deadline - timedelta(days=int(rng.integers(0, 3)))
                system.append(name)
                period.append(day_number(month))
                published.append(day_number(pub) if pub else -1)
                as_of.append(day_number(month.replace(day=DATA_AS_OF_DAY)) if pub else -1)
    return {
        "system": system,
        "period_month": period,
        "published_on": published,
        "data_as_of": as_of,
    }
