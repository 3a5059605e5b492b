"""The indicators of docs/indicators.md computed independently of the dbt models, for expected.json:
30-day readmissions per region and year (somatic and psychiatric) and the criteria of proximity
financing per region and year, with the comparison against the previous year and the pool kept.

Like medfin.generate.expected it reads the rule seeds the warehouse loads and shares no code with
the SQL. It works on the generator's arrays, one chunk of residents at a time (a person's contacts
are all in one chunk): stays are formed with numpy (a running maximum of the contacts' ends), and
every comparison is exact (integers, cross-multiplied ratios).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np

from medfin.generate.timeutil import MINUTES_PER_DAY, day_number, years_of
from medfin.project import read_seed

# The LPR3 contact type of a virtual contact (Sundhedsdatastyrelsen's SKS classification, ALCA03).
VIRTUAL_CONTACT_TYPE = "ALCA03"
# Which contract table each area of seed readmission_rules forms its stays from.
SOMATIC, PSYCHIATRIC = "somatik", "psykiatri"
CRITERIA = (
    "courses_per_citizen",
    "drg_value_per_chronic_citizen",
    "readmission_share",
    "virtual_course_share",
)
MICRO = 1_000_000
_SPAN = 1 << 32  # larger than any minute timestamp: person * _SPAN + end orders by person first

RegionAt = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _valid(row: dict[str, str], day: int) -> bool:
    start = day_number(date.fromisoformat(row["valid_from"]))
    end = day_number(date.fromisoformat(row["valid_to"])) if row["valid_to"] else None
    return start <= day and (end is None or day < end)


def _one(rows: list[dict[str, str]], what: str) -> dict[str, str]:
    if len(rows) != 1:
        raise ValueError(f"{what}: the generator expects exactly one seed row, found {len(rows)}")
    return rows[0]


@dataclass(frozen=True)
class StayRule:
    admission_type: str
    admission_minutes: int
    gap_minutes: int
    window_days: int
    priority: str  # "" = any


class IndicatorRules:
    """The seeds behind the indicators, for the years of one delivery (one rule per area)."""

    def __init__(self, years: tuple[int, int]) -> None:
        first = day_number(date(years[0], 1, 1))
        admission = _one(list(read_seed("admission_rules")), "admission_rules")
        self.stay_rules: dict[str, StayRule] = {}
        for area in (SOMATIC, PSYCHIATRIC):
            rows = [r for r in read_seed("readmission_rules") if r["area"] == area]
            row = _one([r for r in rows if _valid(r, first)], f"readmission_rules {area}")
            self.stay_rules[area] = StayRule(
                admission_type=admission["contact_type"],
                admission_minutes=int(admission["min_duration_hours"]) * 60,
                gap_minutes=int(row["transfer_gap_hours"]) * 60,
                window_days=int(row["window_days"]),
                priority=row["readmission_priority"],
            )
        self.codes = [
            (r["code_prefix"], r["valid_from"], r["valid_to"])
            for r in read_seed("proximity_diagnosis_codes")
        ]
        self.criteria = list(read_seed("proximity_financing_criteria"))
        unknown = {r["criterion"] for r in self.criteria} - set(CRITERIA)
        if unknown:
            raise ValueError(f"proximity_financing_criteria: no implementation of {unknown}")
        self.shares = list(read_seed("proximity_financing_shares"))
        self.pool = {
            (int(r["region_code"]), int(r["year"])): int(Decimal(r["pool_dkk"]) * 100)
            for r in read_seed("proximity_financing_pool")
        }

    def chronic(self, codes: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Diagnosis codes (strings) that put a citizen on the COPD/diabetes list on that day."""
        distinct, inverse = np.unique(np.asarray(codes, dtype=str), return_inverse=True)
        out = np.zeros(len(codes), dtype=bool)
        for prefix, valid_from, valid_to in self.codes:
            start = day_number(date.fromisoformat(valid_from))
            end = day_number(date.fromisoformat(valid_to)) if valid_to else np.iinfo(np.int64).max
            matches = np.char.startswith(distinct, prefix)[inverse.ravel()]
            out |= matches & (day >= start) & (day < end)
        return out


def _sum_by(keys: list[np.ndarray], values: list[np.ndarray]) -> dict[tuple[int, ...], list[int]]:
    """Sums of integer values per distinct combination of integer keys."""
    if len(keys[0]) == 0:
        return {}
    stacked = np.stack([np.asarray(k, dtype=np.int64) for k in keys], axis=1)
    distinct, inverse = np.unique(stacked, axis=0, return_inverse=True)
    sums = [
        np.bincount(
            inverse.ravel(), weights=np.asarray(v, dtype=np.float64), minlength=len(distinct)
        )
        for v in values
    ]
    # float64 sums of integers are exact while every partial sum stays below 2**53
    return {tuple(int(x) for x in key): [int(s[i]) for s in sums] for i, key in enumerate(distinct)}


@dataclass
class Stays:
    person: np.ndarray
    start: np.ndarray
    end: np.ndarray
    is_readmission: np.ndarray
    readmissions: np.ndarray  # per stay: the readmissions of its chain (index admissions only)


def admission_stays(
    rule: StayRule,
    person: np.ndarray,
    contact_type: np.ndarray,
    priority: np.ndarray | None,
    start: np.ndarray,
    end: np.ndarray,
) -> Stays:
    """Admission contacts joined into stays within the transfer gap, then judged as readmissions.

    Contacts are ordered by person, start and their order in the arrays (their id order)."""
    admitted = (contact_type == rule.admission_type) & (end - start >= rule.admission_minutes)
    keep = np.flatnonzero(admitted)
    order = keep[np.lexsort((keep, start[keep], person[keep]))]
    p, s, e = person[order].astype(np.int64), start[order], end[order]
    if len(order) == 0:
        empty = np.zeros(0, np.int64)
        return Stays(empty, empty, empty, empty.astype(bool), empty)
    running = np.maximum.accumulate(p * _SPAN + e)
    earlier_end = np.concatenate([[-1], running[:-1]]) - p * _SPAN
    same_person = np.concatenate([[False], p[1:] == p[:-1]])
    new_stay = ~same_person | (s > earlier_end + rule.gap_minutes)
    first = np.flatnonzero(new_stay)
    stay_person = p[first]
    stay_start = s[first]
    stay_end = np.maximum.reduceat(e, first)
    if rule.priority:
        assert priority is not None, "a rule with a priority needs the contacts' priorities"
        eligible = priority[order][first] == rule.priority
    else:
        eligible = np.ones(len(first), dtype=bool)
    start_day = stay_start // MINUTES_PER_DAY
    end_day = stay_end // MINUTES_PER_DAY
    previous_same = np.concatenate([[False], stay_person[1:] == stay_person[:-1]])
    days = start_day - np.concatenate([[0], end_day[:-1]])
    readmission = previous_same & (days <= rule.window_days) & eligible
    chain = np.cumsum(~readmission) - 1
    per_chain = np.bincount(chain, weights=readmission.astype(np.float64)).astype(np.int64)
    readmissions = np.where(readmission, 0, per_chain[chain])
    return Stays(stay_person, stay_start, stay_end, readmission, readmissions)


class ExpectedIndicators:
    """Accumulates, chunk by chunk, what the indicators count per region and year."""

    def __init__(self, years: tuple[int, int]) -> None:
        self.rules = IndicatorRules(years)
        self.years = set(range(years[0], years[1] + 1))
        # (area, region, year) -> [index admissions, followed by a readmission, readmissions]
        self.readmissions: dict[tuple[str, int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
        # (region, year) -> counts and øre of the proximity criteria
        self.courses: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
        self.chronic: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
        self.population: dict[tuple[int, int], int] = defaultdict(int)

    def add_stays(
        self,
        area: str,
        region_at: RegionAt,
        person: np.ndarray,
        contact_type: np.ndarray,
        priority: np.ndarray | None,
        start: np.ndarray,
        end: np.ndarray,
    ) -> None:
        """Stays of one chunk; each chain counts in the region of residence at its index
        admission's start and the year of its discharge."""
        rule = self.rules.stay_rules[area]
        stays = admission_stays(rule, person, contact_type, priority, start, end)
        index = np.flatnonzero(~stays.is_readmission)
        region = region_at(stays.person[index], stays.start[index] // MINUTES_PER_DAY)
        year = years_of(stays.end[index] // MINUTES_PER_DAY)
        counted = (region > 0) & np.isin(year, list(self.years))
        n = stays.readmissions[index][counted]
        for (r, y), sums in _sum_by(
            [region[counted], year[counted]], [np.ones(len(n)), n > 0, n]
        ).items():
            acc = self.readmissions[(area, r, y)]
            for i, value in enumerate(sums):
                acc[i] += value

    def add_courses(
        self,
        region_at: RegionAt,
        course_person: np.ndarray,
        course_start: np.ndarray,
        course_tariff_ore: np.ndarray,
        contact_course: np.ndarray,
        contact_type: np.ndarray,
        contact_start: np.ndarray,
        diagnosed: np.ndarray,
    ) -> None:
        """DRG courses and contacts of one chunk. `diagnosed`: per contact, whether its action or
        a secondary diagnosis is on the COPD/diabetes list (IndicatorRules.chronic)."""
        n = len(course_person)
        contacts = np.bincount(contact_course, minlength=n)
        not_virtual = np.bincount(
            contact_course, weights=(contact_type != VIRTUAL_CONTACT_TYPE), minlength=n
        )
        virtual = (contacts > 0) & (not_virtual == 0)
        day = course_start // MINUTES_PER_DAY
        year = years_of(day)
        region = region_at(course_person, day)
        resident = region > 0
        for key, sums in _sum_by(
            [region[resident], year[resident]], [np.ones(int(resident.sum())), virtual[resident]]
        ).items():
            acc = self.courses[key]
            acc[0] += sums[0]
            acc[1] += sums[1]
        # Citizens with COPD or diabetes: the first diagnosed contact of the year decides the
        # region; the DRG value is that of all their courses starting in the year.
        course_key = course_person.astype(np.int64) * 10_000 + year
        keys, inverse = np.unique(course_key, return_inverse=True)
        value = np.bincount(
            inverse.ravel(), weights=course_tariff_ore.astype(np.float64), minlength=len(keys)
        )
        hit = np.flatnonzero(diagnosed)
        person = course_person[contact_course[hit]]
        hit = hit[np.lexsort((hit, contact_start[hit], person))]
        person = course_person[contact_course[hit]]
        c_day = contact_start[hit] // MINUTES_PER_DAY
        key = person.astype(np.int64) * 10_000 + years_of(c_day)
        first = np.concatenate([[True], key[1:] != key[:-1]])[: len(key)]
        key, c_region = key[first], region_at(person[first], c_day[first])
        at = np.minimum(np.searchsorted(keys, key), max(len(keys) - 1, 0))
        c_value = np.where(keys[at] == key, value[at], 0) if len(keys) else np.zeros(len(key))
        resident = c_region > 0
        for region_year, sums in _sum_by(
            [c_region[resident], key[resident] % 10_000],
            [np.ones(int(resident.sum())), c_value[resident]],
        ).items():
            acc = self.chronic[region_year]
            acc[0] += sums[0]
            acc[1] += sums[1]

    def add_population(self, region: int, year: int, persons: int) -> None:
        self.population[(region, year)] += persons

    # ------------------------------------------------------------------ results
    def readmission_rows(self) -> list[dict[str, object]]:
        return [
            {
                "region_code": r,
                "year": y,
                "area": a,
                "index_admissions": v[0],
                "followed_by_readmission": v[1],
                "readmissions": v[2],
            }
            for (a, r, y), v in sorted(self.readmissions.items(), key=lambda kv: (kv[0][1:], kv[0]))
        ]

    def _fractions(self, region: int, year: int) -> dict[str, tuple[int, int]]:
        courses, virtual = self.courses.get((region, year), [0, 0])
        citizens, value = self.chronic.get((region, year), [0, 0])
        index, followed, _ = self.readmissions.get((SOMATIC, region, year), [0, 0, 0])
        return {
            "courses_per_citizen": (courses, self.population[(region, year)]),
            "drg_value_per_chronic_citizen": (value, citizens),
            "readmission_share": (followed, index),
            "virtual_course_share": (virtual, courses),
        }

    def proximity_rows(self) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
        """(criteria per region, year and criterion; criteria met and pool kept per region and
        year). A comparison needs the previous year in the delivery; equal is not met."""
        criteria_rows: list[dict[str, object]] = []
        kept_rows: list[dict[str, object]] = []
        for region, year in sorted(k for k in self.population if k[1] in self.years):
            on = day_number(date(year, 1, 1))
            criteria = sorted(
                (r for r in self.rules.criteria if _valid(r, on)), key=lambda r: r["criterion"]
            )
            compare = (year - 1) in self.years
            now = self._fractions(region, year)
            before = self._fractions(region, year - 1) if compare else {}
            met_count = 0
            for row in criteria:
                name = row["criterion"]
                numerator, denominator = now[name]
                met: bool | None = None
                if compare:
                    previous_numerator, previous_denominator = before[name]
                    left = numerator * previous_denominator
                    right = previous_numerator * denominator
                    met = (
                        denominator > 0
                        and previous_denominator > 0
                        and (left < right if row["better_when"] == "lower" else left > right)
                    )
                    met_count += int(met)
                criteria_rows.append(
                    {
                        "region_code": region,
                        "year": year,
                        "criterion": name,
                        "unit": "ore" if name == "drg_value_per_chronic_citizen" else "count",
                        "numerator": numerator,
                        "denominator": denominator,
                        "is_met": met,
                    }
                )
            share = None
            kept = None
            if compare:
                rows = [
                    r
                    for r in self.rules.shares
                    if _valid(r, on) and int(r["min_criteria_met"]) <= met_count
                ]
                best = max(rows, key=lambda r: int(r["min_criteria_met"]))
                share_micro = int(Decimal(best["share_kept"]) * MICRO)
                share = share_micro / MICRO
                pool = self.rules.pool.get((region, year))
                if pool is not None:
                    kept = (pool * share_micro + MICRO // 2) // MICRO
            kept_rows.append(
                {
                    "region_code": region,
                    "year": year,
                    "criteria_met": met_count if compare else None,
                    "pool_share_kept": share,
                    "pool_kept_ore": kept,
                }
            )
        return criteria_rows, kept_rows
