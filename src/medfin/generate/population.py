"""Synthetic residents: persons (sex, birth, death) and CPR residence histories with moves."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from medfin.generate import params
from medfin.generate.timeutil import completed_years, year_start

NO_DEATH = 10**7  # day number far in the future: "alive"
OPEN_END = 10**7  # residence valid_to for an open period
_KEY_OFFSET = 50_000  # day numbers are >= -50,000 (1833) so keys stay positive
_KEY_SPAN = 200_000


@dataclass
class Scope:
    """Which municipalities the delivery covers and how big it is."""

    scale: str
    municipalities: np.ndarray  # municipality codes
    weights: np.ndarray  # relative population, for sampling
    region_of_municipality: dict[int, int]
    n_start: int  # residents on 1 January of the first year

    @property
    def regions(self) -> np.ndarray:
        return np.unique([self.region_of_municipality[int(m)] for m in self.municipalities])

    def sample_municipalities(self, rng: np.random.Generator, n: int) -> np.ndarray:
        p = self.weights / self.weights.sum()
        return self.municipalities[rng.choice(len(p), size=n, p=p)]


@dataclass
class Persons:
    male: np.ndarray  # bool
    birth: np.ndarray  # day number
    death: np.ndarray  # day number or NO_DEATH
    first_municipality: np.ndarray  # municipality at first residence
    first_residence_from: np.ndarray  # day number the first residence period starts
    u_psych: np.ndarray  # person-level propensity draws, kept so chunking does not change them
    u_copd: np.ndarray
    u_diabetes: np.ndarray
    frailty: np.ndarray

    def __len__(self) -> int:
        return len(self.birth)

    def slice(self, lo: int, hi: int) -> Persons:
        return Persons(**{k: v[lo:hi] for k, v in self.__dict__.items()})


def simulate_persons(scope: Scope, years: tuple[int, int], rng: np.random.Generator) -> Persons:
    """Residents on 1 January of the first year, plus everybody born during the period; deaths."""
    first, last = years
    start = year_start(first)
    n = scope.n_start
    band = rng.choice(
        len(params.AGE_BAND_SHARES), size=n, p=params.AGE_BAND_SHARES / params.AGE_BAND_SHARES.sum()
    )
    age_days = (band * 5 + rng.random(n) * 5) * 365.25
    birth = start - 1 - np.floor(age_days).astype(np.int64)
    male = rng.random(n) < params.MALE_SHARE_BY_BAND[band]
    muni = scope.sample_municipalities(rng, n)
    # First residence began somewhere between birth and the period start (or at birth).
    res_from = birth + np.floor(rng.random(n) * (start - birth) * rng.random(n)).astype(np.int64)
    death = np.full(n, NO_DEATH, dtype=np.int64)

    for year in range(first, last + 1):
        ys, ye = year_start(year), year_start(year + 1)
        alive = (birth < ye) & (death >= ys)
        # Births of the year join the population.
        n_births = int(rng.poisson(alive.sum() * params.BIRTHS_PER_PERSON_YEAR))
        b_birth = ys + rng.integers(0, ye - ys, size=n_births)
        birth = np.concatenate([birth, b_birth])
        male = np.concatenate([male, rng.random(n_births) < params.MALE_SHARE_BY_BAND[0]])
        muni = np.concatenate([muni, scope.sample_municipalities(rng, n_births)])
        res_from = np.concatenate([res_from, b_birth])
        death = np.concatenate([death, np.full(n_births, NO_DEATH, dtype=np.int64)])
        # Deaths during the year: a uniform day between max(birth, 1 Jan) and 31 Dec.
        alive = (birth < ye) & (death == NO_DEATH)
        age = completed_years(birth, np.maximum(birth, ys))
        dies = alive & (rng.random(len(birth)) < params.mortality(age))
        lo = np.maximum(birth, ys)
        day = lo + np.floor(rng.random(len(birth)) * (ye - lo)).astype(np.int64)
        death = np.where(dies, day, death)

    total = len(birth)
    return Persons(
        male=male,
        birth=birth,
        death=death,
        first_municipality=muni,
        first_residence_from=res_from,
        u_psych=rng.random(total),
        u_copd=rng.random(total),
        u_diabetes=rng.random(total),
        frailty=rng.gamma(0.9, 1 / 0.9, size=total),
    )


@dataclass
class Residence:
    """Residence periods sorted by (person, valid_from); person is an index local to a chunk."""

    person: np.ndarray
    municipality: np.ndarray
    valid_from: np.ndarray
    valid_to: np.ndarray  # OPEN_END for an open period

    def __len__(self) -> int:
        return len(self.person)

    def _keys(self) -> np.ndarray:
        return self.person * _KEY_SPAN + (self.valid_from + _KEY_OFFSET)

    def at(self, person: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Municipality of residence of each person on each day; -1 where there is none."""
        keys = self._keys()
        q = person.astype(np.int64) * _KEY_SPAN + (day.astype(np.int64) + _KEY_OFFSET)
        i = np.searchsorted(keys, q, side="right") - 1
        ok = i >= 0
        i = np.where(ok, i, 0)
        ok &= (self.person[i] == person) & (day < self.valid_to[i])
        return np.where(ok, self.municipality[i], -1)


@dataclass
class MoveEvents:
    person: np.ndarray
    day: np.ndarray
    municipality: np.ndarray


def simulate_moves(
    scope: Scope, persons: Persons, years: tuple[int, int], rng: np.random.Generator
) -> MoveEvents:
    """At most one move a year to another municipality of the scope."""
    n = len(persons)
    current = persons.first_municipality.copy()
    out_p, out_d, out_m = [], [], []
    if len(scope.municipalities) < 2:
        return MoveEvents(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))
    for year in range(years[0], years[1] + 1):
        ys, ye = year_start(year), year_start(year + 1)
        lo = np.maximum(ys, np.maximum(persons.birth, persons.first_residence_from) + 1)
        hi = np.minimum(ye, persons.death)  # exclusive: no move on the day of death
        age = completed_years(persons.birth, np.maximum(persons.birth, ys))
        moves = (lo < hi) & (rng.random(n) < params.move_probability(age))
        idx = np.flatnonzero(moves)
        day = lo[idx] + np.floor(rng.random(len(idx)) * (hi[idx] - lo[idx])).astype(np.int64)
        dest = scope.sample_municipalities(rng, len(idx))
        same = dest == current[idx]
        # Somebody drawn to stay gets the next municipality in the list instead.
        pos = np.searchsorted(scope.municipalities, dest[same])
        dest[same] = scope.municipalities[(pos + 1) % len(scope.municipalities)]
        current[idx] = dest
        out_p.append(idx)
        out_d.append(day)
        out_m.append(dest)
    return MoveEvents(np.concatenate(out_p), np.concatenate(out_d), np.concatenate(out_m))


def build_residence(persons: Persons, moves: MoveEvents) -> Residence:
    """Residence periods from the first residence and the moves (valid_to = next move day)."""
    n = len(persons)
    person = np.concatenate([np.arange(n), moves.person])
    day = np.concatenate([persons.first_residence_from, moves.day])
    muni = np.concatenate([persons.first_municipality, moves.municipality])
    order = np.lexsort((day, person))
    person, day, muni = person[order], day[order], muni[order]
    same_next = np.append(person[1:] == person[:-1], False)
    valid_to = np.where(same_next, np.append(day[1:], OPEN_END), OPEN_END)
    return Residence(person=person, municipality=muni, valid_from=day, valid_to=valid_to)


def exposure(persons: Persons, year: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(person index, first day, day after last day) of each person alive in the year."""
    ys, ye = year_start(year), year_start(year + 1)
    lo = np.maximum(persons.birth, ys)
    hi = np.minimum(persons.death + 1, ye)
    idx = np.flatnonzero(lo < hi)
    return idx, lo[idx], hi[idx]
