"""Reference data the generator needs, read from the project's seeds and shaped for numpy."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from medfin.project import read_seed

GROUP_KINDS = ("MA", "PR", "SP", "TE")  # medical inpatient, surgical, outpatient, virtual
KIND_MA, KIND_PR, KIND_SP, KIND_TE = range(4)

# Specialty of the unit that treats a course, by MDC of its action diagnosis.
MDC_SPECIALTY = {
    1: "neurologi",
    2: "oftalmologi",
    3: "oere_naese_hals",
    4: "lungemedicin",
    5: "kardiologi",
    6: "gastroenterologi",
    7: "kirurgi",
    8: "ortopaedkirurgi",
    9: "intern_medicin",
    10: "endokrinologi",
    11: "intern_medicin",
    12: "urologi",
    13: "gynaekologi_obstetrik",
    14: "gynaekologi_obstetrik",
    15: "paediatri",
    16: "intern_medicin",
    17: "onkologi",
    18: "intern_medicin",
    19: "intern_medicin",
    20: "intern_medicin",
    21: "ortopaedkirurgi",
    22: "kirurgi",
    23: "intern_medicin",
}


def ore(value: str) -> int:
    """Kroner as a decimal string -> integer øre (exact)."""
    return int((Decimal(value) * 100).to_integral_value())


@dataclass
class World:
    municipality_region: dict[int, int]
    population_approx: dict[int, int]
    all_regions: np.ndarray
    # treatment sites
    sor_code: np.ndarray
    site_region: np.ndarray
    site_hospital: np.ndarray  # index into hospitals
    site_sector: np.ndarray
    site_specialty: np.ndarray
    hospitals: np.ndarray  # hospital codes
    hospital_region: np.ndarray
    # lookups built in __post_init__
    unit_of: dict[tuple[int, str], int] = field(default_factory=dict)
    somatic_hospitals: dict[int, np.ndarray] = field(default_factory=dict)  # region -> hospitals
    # DRG catalogue
    drg_codes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))
    drg_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    drg_years: tuple[int, ...] = ()
    drg_tariff_ore: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64))
    drg_day_rate_ore: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64))
    drg_trim: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def unit(
        self, hospital: np.ndarray, specialty: str, fallback: str = "intern_medicin"
    ) -> np.ndarray:
        """Site index of a specialty's unit at each hospital (fallback where it has none)."""
        out = np.empty(len(hospital), dtype=np.int64)
        for h in np.unique(hospital):
            site = self.unit_of.get((int(h), specialty), self.unit_of.get((int(h), fallback)))
            if site is None:
                raise KeyError(f"hospital {self.hospitals[h]} has no {specialty} or {fallback}")
            out[hospital == h] = site
        return out

    def region_unit(self, region: np.ndarray, sector: str, specialty: str) -> np.ndarray:
        """Site index of the first unit with this sector and specialty in each region."""
        out = np.full(len(region), -1, dtype=np.int64)
        for r in np.unique(region):
            sites = np.flatnonzero(
                (self.site_region == r)
                & (self.site_sector == sector)
                & (self.site_specialty == specialty)
            )
            out[region == r] = sites[0]
        return out

    def drg_lookup(self, mdc: np.ndarray, kind: np.ndarray, severity: np.ndarray) -> np.ndarray:
        """Index into drg_codes of (MDC, group kind, severity)."""
        idx = self.drg_index[mdc, kind, severity]
        if (idx < 0).any():
            raise KeyError("DRG catalogue lacks a group the generator needs")
        return idx

    def year_index(self, years: np.ndarray) -> np.ndarray:
        first = self.drg_years[0]
        yi = np.asarray(years) - first
        if (yi < 0).any() or (yi >= len(self.drg_years)).any():
            raise ValueError(f"DRG catalogue covers {self.drg_years[0]}-{self.drg_years[-1]} only")
        return yi


def load_world() -> World:
    munis = read_seed("municipalities")
    pops = read_seed("municipality_population_approx")
    sites = read_seed("treatment_sites")
    hospitals = sorted({s["hospital_code"] for s in sites})
    h_index = {h: i for i, h in enumerate(hospitals)}
    hospital_region = np.zeros(len(hospitals), dtype=np.int64)
    for s in sites:
        hospital_region[h_index[s["hospital_code"]]] = int(s["region_code"])
    world = World(
        municipality_region={int(m["municipality_code"]): int(m["region_code"]) for m in munis},
        population_approx={int(p["municipality_code"]): int(p["population_approx"]) for p in pops},
        all_regions=np.array(sorted({int(m["region_code"]) for m in munis})),
        sor_code=np.array([s["sor_code"] for s in sites]),
        site_region=np.array([int(s["region_code"]) for s in sites]),
        site_hospital=np.array([h_index[s["hospital_code"]] for s in sites]),
        site_sector=np.array([s["sector"] for s in sites]),
        site_specialty=np.array([s["specialty"] for s in sites]),
        hospitals=np.array(hospitals),
        hospital_region=hospital_region,
    )
    for i, s in enumerate(sites):
        world.unit_of.setdefault((h_index[s["hospital_code"]], s["specialty"]), i)
    for region in world.all_regions:
        somatic = sorted(
            {
                int(world.site_hospital[i])
                for i in range(len(sites))
                if world.site_region[i] == region and world.site_sector[i] == "somatic"
            }
        )
        world.somatic_hospitals[int(region)] = np.array(somatic)  # first = university hospital

    catalogue = read_seed("drg_catalogue")
    codes = sorted({r["drg_code"] for r in catalogue})
    years = sorted({int(r["drg_year"]) for r in catalogue})
    c_index = {c: i for i, c in enumerate(codes)}
    tariff = np.zeros((len(years), len(codes)), dtype=np.int64)
    day_rate = np.zeros((len(years), len(codes)), dtype=np.int64)
    trim = np.full(len(codes), -1, dtype=np.int64)
    for r in catalogue:
        yi, ci = int(r["drg_year"]) - years[0], c_index[r["drg_code"]]
        tariff[yi, ci] = ore(r["tariff_dkk"])
        day_rate[yi, ci] = ore(r["long_stay_day_rate_dkk"]) if r["long_stay_day_rate_dkk"] else 0
        trim[ci] = int(r["trim_point_days"]) if r["trim_point_days"] else -1
    index = np.full((100, len(GROUP_KINDS), 100), -1, dtype=np.int64)
    for c in codes:
        kind = GROUP_KINDS.index(c[2:4]) if c[2:4] in GROUP_KINDS else -1
        if kind >= 0:
            index[int(c[:2]), kind, int(c[4:])] = c_index[c]
    world.drg_codes = np.array(codes)
    world.drg_index = index
    world.drg_years = tuple(years)
    world.drg_tariff_ore = tariff
    world.drg_day_rate_ore = day_rate
    world.drg_trim = trim
    return world
