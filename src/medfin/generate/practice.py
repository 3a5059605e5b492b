"""Practice-sector (sygesikring) services of one chunk of residents."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from medfin.generate import params
from medfin.generate.hospital import Table, _regions_of, _weekday_daytime
from medfin.generate.population import Persons, Residence, exposure
from medfin.generate.timeutil import MINUTES_PER_DAY, completed_years
from medfin.generate.world import World

KINDS = np.array(params.PRACTICE_KINDS)
SPECIALTY_NAMES = np.array([s for s, _ in params.SPECIALTIES])
_SPECIALTY_P = np.array([w for _, w in params.SPECIALTIES]) / sum(w for _, w in params.SPECIALTIES)


@dataclass
class Services(Table):
    person: np.ndarray
    municipality: np.ndarray  # residence on the service date
    provider: np.ndarray  # integer provider number, rendered as a pseudonym
    kind: np.ndarray  # index into KINDS
    specialty: np.ndarray  # index into SPECIALTY_NAMES, -1 = none
    day: np.ndarray
    fee_ore: np.ndarray


def simulate_practice(
    world: World, persons: Persons, residence: Residence, year: int, rng: np.random.Generator
) -> Services:
    idx, lo, hi = exposure(persons, year)
    age = completed_years(persons.birth[idx], lo)
    male = persons.male[idx]
    yrs = (hi - lo) / 365.25
    parts: list[Services] = []
    for k, kind in enumerate(params.PRACTICE_KINDS):
        n = rng.poisson(params.practice_rate(kind, age, male) * yrs)
        person = np.repeat(idx, n)
        p_lo, p_hi = np.repeat(lo, n), np.repeat(hi, n)
        day = p_lo + np.floor(rng.random(len(person)) * (p_hi - p_lo)).astype(np.int64)
        day = _weekday_daytime(rng, day, p_lo, p_hi) // MINUTES_PER_DAY
        muni = residence.at(person, day)
        m = len(person)
        median, sigma, minimum = params.PRACTICE_FEE[kind]
        fee = np.maximum(np.exp(np.log(median) + sigma * rng.standard_normal(m)), minimum)
        fee_ore = np.round(fee * 100).astype(np.int64)
        specialty = np.full(m, -1, dtype=np.int64)
        if kind == "almen_praksis":
            # Everybody keeps one GP per municipality of residence.
            n_gp = np.maximum(
                np.array([world.population_approx.get(int(x), 0) for x in range(1000)])
                // params.PERSONS_PER_GP,
                1,
            )
            local = (person * 2654435761 % 2**32) % n_gp[np.clip(muni, 0, 999)]
            provider = (k + 1) * 10**6 + np.clip(muni, 0, 999) * 1000 + local
        elif kind == "speciallaege":
            specialty = rng.choice(len(SPECIALTY_NAMES), size=m, p=_SPECIALTY_P)
            region = _regions_of(world, muni) % 10
            provider = (k + 1) * 10**6 + region * 10**5 + specialty * 1000 + rng.integers(0, 40, m)
        else:
            provider = (k + 1) * 10**6 + np.clip(muni, 0, 999) * 1000 + rng.integers(0, 12, m)
        ok = muni > 0
        parts.append(
            Services(
                person=person[ok],
                municipality=muni[ok],
                provider=provider[ok],
                kind=np.full(int(ok.sum()), k),
                specialty=specialty[ok],
                day=day[ok],
                fee_ore=fee_ore[ok],
            )
        )
    services = Services.concat(parts)
    return services.take(np.lexsort((services.day, services.person)))
