"""An independent Python implementation of the financing rules (docs/financing-rules.md), used
to compute the ground truth shipped in expected.json.

It reads the same rule seeds the warehouse loads and applies them per billing unit with exact
integer arithmetic in øre, so the warehouse can be checked to the øre. It shares no code with the
dbt models.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from medfin.generate.population import OPEN_END
from medfin.generate.timeutil import MINUTES_PER_DAY, day_number, years_of
from medfin.project import read_seed

MICRO = 1_000_000


def _day(value: str, default: int) -> int:
    from datetime import date

    return day_number(date.fromisoformat(value)) if value else default


def _ore(value: str) -> int:
    return int((Decimal(value) * 100).to_integral_value())


@dataclass(frozen=True)
class Rule:
    valid_from: int
    valid_to: int
    area: str
    provider_kind: str
    age_group: str
    share_micro: int
    cap_ore: int  # -1 = no cap
    cap_unit: str


class RuleBook:
    """The seeds as plain Python values."""

    def __init__(self) -> None:
        self.rules = [
            Rule(
                _day(r["valid_from"], 0),
                _day(r["valid_to"], OPEN_END),
                r["area"],
                r["provider_kind"],
                r["age_group"],
                int((Decimal(r["share"]) * MICRO).to_integral_value()),
                _ore(r["cap_dkk"]) if r["cap_dkk"] else -1,
                r["cap_unit"],
            )
            for r in read_seed("co_financing_rules")
        ]
        self.age_groups = [
            (
                r["age_group"],
                int(r["age_from"]),
                int(r["age_to"]) if r["age_to"] else 10**6,
                _day(r["valid_from"], 0),
                _day(r["valid_to"], OPEN_END),
            )
            for r in read_seed("age_groups")
            if r["age_group"] != "all"
        ]
        self.psych_tariff = {
            (int(r["year"]), r["kind"]): _ore(r["tariff_dkk"])
            for r in read_seed("psychiatric_tariffs")
        }
        self.ff_tariff = {
            (int(r["year"]), r["category"], r["rehab_group"]): _ore(r["tariff_dkk"])
            for r in read_seed("full_financing_tariffs")
        }
        adm = [r for r in read_seed("admission_rules") if r["contact_type"] == "ALCA00"]
        if len(adm) != 1:
            raise ValueError("admission_rules must hold exactly one ALCA00 rule for the generator")
        self.admission_minutes = int(Decimal(adm[0]["min_duration_hours"]) * 60)

    def age_group(self, age: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Index into self.age_groups of each person's co-financing age group; -1 = none applies."""
        out = np.full(len(age), -1, dtype=np.int64)
        for i, (_, lo, hi, vf, vt) in enumerate(self.age_groups):
            out[(age >= lo) & (age <= hi) & (day >= vf) & (day < vt)] = i
        return out

    def co_financing(
        self,
        area: str,
        day: np.ndarray,
        age: np.ndarray,
        basis_ore: np.ndarray,
        unit_kind: str | np.ndarray,
        provider_kind: np.ndarray | None = None,
        provider_kinds: tuple[str, ...] = (),
    ) -> tuple[np.ndarray, np.ndarray]:
        """(amount in øre, capped flag) per billing unit: least(round(share × basis), cap).

        unit_kind is 'admission', 'visit', 'service' or an array of them per unit (it only decides
        between rules whose cap_unit differs, e.g. somatic admissions and visits before 2018);
        provider_kind is an index into provider_kinds (practice only).
        """
        group = self.age_group(age, day)
        labels = [g[0] for g in self.age_groups]
        n = len(day)
        share = np.zeros(n, dtype=np.int64)
        cap = np.full(n, -1, dtype=np.int64)
        matches = np.zeros(n, dtype=np.int64)
        if n == 0:
            return share, matches.astype(bool)
        lo, hi = int(day.min()), int(day.max())
        for r in self.rules:
            if r.area != area or r.valid_to <= lo or r.valid_from > hi:
                continue
            m = (day >= r.valid_from) & (day < r.valid_to)
            if r.age_group != "all":
                m &= group == (labels.index(r.age_group) if r.age_group in labels else -2)
            if provider_kind is not None:
                pk = (
                    provider_kinds.index(r.provider_kind)
                    if r.provider_kind in provider_kinds
                    else -2
                )
                m &= provider_kind == pk
            if r.cap_unit not in ("course", "service"):
                m &= (
                    (unit_kind == r.cap_unit)
                    if isinstance(unit_kind, np.ndarray)
                    else np.full(n, unit_kind == r.cap_unit)
                )
            share[m] = r.share_micro
            cap[m] = r.cap_ore
            matches += m
        if (matches != 1).any():
            bad = int(np.flatnonzero(matches != 1)[0])
            raise ValueError(
                f"{area}: {matches[bad]} rules match a billing unit on day "
                f"{day[bad]} (age {age[bad]}); the rule seed must give exactly one"
            )
        raw = (basis_ore * share + MICRO // 2) // MICRO  # round half up, basis >= 0
        capped = (cap >= 0) & (raw > cap)
        return np.where(capped, cap, raw), capped


def bed_days(start_minute: np.ndarray, end_minute: np.ndarray) -> np.ndarray:
    """Calendar days an admission touches: [start, end) with end exclusive."""
    return (end_minute - 1) // MINUTES_PER_DAY - start_minute // MINUTES_PER_DAY + 1


class ExpectedTotals:
    """Accumulates co-financing and full financing per municipality × year × area/category."""

    def __init__(self, rules: RuleBook) -> None:
        self.rules = rules
        self.co: dict[tuple[int, int, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        self.full: dict[tuple[int, int, str], list[int]] = defaultdict(lambda: [0, 0, 0])

    @staticmethod
    def _add(
        target: dict,
        label: str,
        municipality: np.ndarray,
        year: np.ndarray,
        values: list[np.ndarray],
    ) -> None:
        """Sum values per (municipality, year) into target[(municipality, year, label)]."""
        if len(municipality) == 0:
            return
        key = np.asarray(municipality, dtype=np.int64) * 10_000 + np.asarray(year, dtype=np.int64)
        uniq, inverse = np.unique(key, return_inverse=True)
        # float64 sums of integer øre are exact while every partial sum stays below 2**53.
        sums = [
            np.bincount(
                inverse.ravel(), weights=np.asarray(v, dtype=np.float64), minlength=len(uniq)
            )
            for v in values
        ]
        for i, k in enumerate(uniq):
            acc = target[(int(k // 10_000), int(k % 10_000), label)]
            for j, s in enumerate(sums):
                acc[j] += int(s[i])

    def add_somatic(
        self,
        municipality: np.ndarray,
        day: np.ndarray,
        age: np.ndarray,
        tariff_ore: np.ndarray,
        inpatient: np.ndarray,
    ) -> None:
        unit = np.where(inpatient, "admission", "visit")
        amount, capped = self.rules.co_financing("somatik", day, age, tariff_ore, unit)
        self._add(
            self.co,
            "somatik",
            municipality,
            years_of(day),
            [np.ones(len(day), np.int64), tariff_ore, amount, capped.astype(np.int64)],
        )

    def add_psychiatry(
        self,
        municipality: np.ndarray,
        start: np.ndarray,
        end: np.ndarray,
        physical: np.ndarray,
        age: np.ndarray,
    ) -> None:
        day = start // MINUTES_PER_DAY
        year = years_of(day)
        admission = physical & (end - start >= self.rules.admission_minutes)
        bd = bed_days(start, end)
        bed_tariff = (
            np.array([self.rules.psych_tariff[(int(y), "bed_day")] for y in year], dtype=np.int64)
            if len(year)
            else np.zeros(0, np.int64)
        )
        visit_tariff = (
            np.array([self.rules.psych_tariff[(int(y), "visit")] for y in year], dtype=np.int64)
            if len(year)
            else np.zeros(0, np.int64)
        )
        areas = (("psykiatri_indlaeggelse", admission), ("psykiatri_ambulant", ~admission))
        for area, sel in areas:
            basis = np.where(admission, bed_tariff * bd, visit_tariff)[sel]
            unit = "admission" if sel is admission else "visit"
            amount, capped = self.rules.co_financing(area, day[sel], age[sel], basis, unit)
            self._add(
                self.co,
                "psykiatri",
                municipality[sel],
                year[sel],
                [np.ones(int(sel.sum()), np.int64), basis, amount, capped.astype(np.int64)],
            )

    def add_practice(
        self,
        municipality: np.ndarray,
        day: np.ndarray,
        age: np.ndarray,
        fee_ore: np.ndarray,
        provider_kind: np.ndarray,
        provider_kinds: tuple[str, ...],
    ) -> None:
        amount, capped = self.rules.co_financing(
            "praksis", day, age, fee_ore, "service", provider_kind, provider_kinds
        )
        self._add(
            self.co,
            "praksis",
            municipality,
            years_of(day),
            [np.ones(len(day), np.int64), fee_ore, amount, capped.astype(np.int64)],
        )

    def add_full_financing(
        self,
        municipality: np.ndarray,
        day: np.ndarray,
        category: np.ndarray,
        rehab_group: np.ndarray,
        quantity: np.ndarray,
    ) -> None:
        year = years_of(day)
        tariff = (
            np.array(
                [
                    self.rules.ff_tariff[(int(y), str(c), str(g))]
                    for y, c, g in zip(year, category, rehab_group, strict=True)
                ],
                dtype=np.int64,
            )
            if len(day)
            else np.zeros(0, np.int64)
        )
        for c in np.unique(category):
            sel = category == c
            self._add(
                self.full,
                str(c),
                municipality[sel],
                year[sel],
                [np.ones(int(sel.sum()), np.int64), quantity[sel], (tariff * quantity)[sel]],
            )

    def co_financing_rows(self) -> list[dict[str, object]]:
        return [
            {
                "municipality_code": m,
                "year": y,
                "area": a,
                "billing_units": v[0],
                "basis_ore": v[1],
                "co_financing_ore": v[2],
                "capped_units": v[3],
            }
            for (m, y, a), v in sorted(self.co.items())
        ]

    def full_financing_rows(self) -> list[dict[str, object]]:
        return [
            {
                "municipality_code": m,
                "year": y,
                "category": c,
                "events": v[0],
                "quantity": v[1],
                "amount_ore": v[2],
            }
            for (m, y, c), v in sorted(self.full.items())
        ]
