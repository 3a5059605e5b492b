"""Simulation parameters of the synthetic generator.

These are not financing rules (those are seeds): they shape a plausible synthetic population and its
activity. They were tuned so that `region` scale for Region Midtjylland 2021 lands near the audited
figures in docs/domain.md#calibration-figures (about 3.3 million DRG contacts, 26.6 million LPR
reports, co-financing near the 4,354 million kr ceiling); the README documents the measured
calibration.
"""

from __future__ import annotations

import numpy as np

# Municipalities of the `tiny` scale (Region Midtjylland: Odder, Samsø, Skanderborg) and its size.
TINY_MUNICIPALITIES: tuple[int, ...] = (727, 741, 746)
TINY_RESIDENTS = 4000
DEFAULT_REGION = 1082
PERSONS_PER_CHUNK = 250_000
# Monthly data are published by the 17th with hospital data as of the 10th
# (docs/domain.md#publication-and-deadlines): the delivery log's `data_as_of` day, and the day a
# month delivery cut from a longer one was extracted (medfin.generate.months).
DATA_AS_OF_DAY = 10

# Share of the population per 5-year age band 0-4 ... 100-104 (Denmark around 2021, rounded).
AGE_BAND_SHARES = np.array(
    [
        5.4,
        5.6,
        5.8,
        6.0,
        6.6,
        6.9,
        6.1,
        5.7,
        6.1,
        6.8,
        7.0,
        6.6,
        5.9,
        5.5,
        5.4,
        4.1,
        2.6,
        1.4,
        0.6,
        0.15,
        0.02,
    ]
)
# Probability of being male by 5-year band (women outlive men).
MALE_SHARE_BY_BAND = np.array(
    [
        0.513,
        0.513,
        0.513,
        0.514,
        0.515,
        0.512,
        0.508,
        0.505,
        0.503,
        0.503,
        0.502,
        0.500,
        0.498,
        0.492,
        0.480,
        0.465,
        0.440,
        0.400,
        0.330,
        0.250,
        0.200,
    ]
)

BIRTHS_PER_PERSON_YEAR = 0.0105
INFANT_MORTALITY = 0.003


def mortality(age: np.ndarray) -> np.ndarray:
    """Yearly probability of death (Gompertz above childhood)."""
    p = np.exp(-10.3 + 0.094 * age)
    return np.clip(np.where(age == 0, INFANT_MORTALITY, p), 0.0, 0.6)


def move_probability(age: np.ndarray) -> np.ndarray:
    """Yearly probability of moving to another municipality."""
    return np.select([age < 18, age < 35, age < 65], [0.04, 0.10, 0.03], 0.015)


def _by_age(age: np.ndarray, points: list[tuple[int, float]]) -> np.ndarray:
    """Piecewise-constant lookup: value of the last point whose age is <= age."""
    ages = np.array([a for a, _ in points])
    values = np.array([v for _, v in points])
    return values[np.searchsorted(ages, age, side="right") - 1]


def somatic_course_rate(age: np.ndarray, male: np.ndarray) -> np.ndarray:
    """DRG courses per person-year before readmissions: highest for newborns and the elderly."""
    base = _by_age(
        age,
        [
            (0, 4.4),
            (1, 1.6),
            (3, 0.9),
            (18, 1.3),
            (30, 1.45),
            (45, 1.85),
            (55, 2.2),
            (65, 3.0),
            (75, 3.8),
            (80, 4.1),
            (90, 4.2),
        ],
    )
    childbearing = (~male) & (age >= 20) & (age < 45)
    return base * np.where(childbearing, 1.45, np.where(male & (age >= 18) & (age < 65), 0.8, 1.0))


def acute_probability(age: np.ndarray) -> np.ndarray:
    return _by_age(age, [(0, 0.45), (3, 0.30), (18, 0.25), (65, 0.40), (80, 0.55)])


def inpatient_probability(age: np.ndarray, acute: np.ndarray) -> np.ndarray:
    """Probability that a physical contact lasts at least 12 hours (an admission)."""
    planned = _by_age(age, [(0, 0.04), (3, 0.022), (18, 0.03), (65, 0.05), (80, 0.07)])
    return np.where(acute, planned * 4.0, planned)


def virtual_share(year: np.ndarray) -> np.ndarray:
    """Share of somatic contacts that are virtual (ALCA03): grows every year."""
    return np.clip(0.04 + 0.012 * (np.asarray(year) - 2017), 0.0, 0.5)


OUT_VISIT_SHARE = 0.02  # ALCA10
SINGLE_CONTACT_COURSE_SHARE = 0.80
EXTRA_CONTACT_P = 0.7  # geometric parameter for contacts 2.. of multi-contact courses
SURGICAL_SHARE_PLANNED = 0.35
SURGICAL_SHARE_ACUTE = 0.12


def readmission_probability(age: np.ndarray) -> np.ndarray:
    """Probability that an admission is followed by an acute readmission within 30 days."""
    return _by_age(age, [(0, 0.04), (18, 0.06), (65, 0.10), (80, 0.13)])


MEAN_PROCEDURES = {"inpatient": 8.0, "outpatient": 4.0, "virtual": 1.5, "out_visit": 3.0}
MEAN_SECONDARY_DIAGNOSES = 0.7
COPD_PREVALENCE = [(0, 0.0), (40, 0.02), (65, 0.07), (80, 0.09)]
DIABETES_PREVALENCE = [(0, 0.003), (40, 0.05), (65, 0.11), (80, 0.12)]


def copd_prevalence(age: np.ndarray) -> np.ndarray:
    return _by_age(age, COPD_PREVALENCE)


def diabetes_prevalence(age: np.ndarray) -> np.ndarray:
    return _by_age(age, DIABETES_PREVALENCE)


HOME_REGION_SHARE = 0.97  # courses treated in the region of residence
UNIVERSITY_HOSPITAL_SHARE = 0.35  # within the region: the university hospital, else the local one


# Psychiatry: share of people in psychiatric treatment in a year, contacts per patient-year.
def psychiatric_prevalence(age: np.ndarray) -> np.ndarray:
    return _by_age(age, [(0, 0.004), (10, 0.035), (18, 0.045), (41, 0.03), (65, 0.012)])


PSYCH_VISITS_PER_PATIENT_YEAR = 7.0
PSYCH_ADMISSIONS_PER_PATIENT_YEAR = 0.16
PSYCH_VIRTUAL_SHARE = 0.2
PSYCH_LONG_VISIT_SHARE = 0.04  # emergency visits of 4-11 hours: physical, but not admissions

# Practice sector: services per person-year by kind, by age; fees (median kr, lognormal sigma).
PRACTICE_KINDS = (
    "almen_praksis",
    "speciallaege",
    "fysioterapi",
    "psykolog",
    "kiropraktor",
    "tandlaege",
)


def practice_rate(kind: str, age: np.ndarray, male: np.ndarray) -> np.ndarray:
    if kind == "almen_praksis":
        r = _by_age(age, [(0, 7.0), (1, 4.5), (3, 2.5), (18, 3.8), (45, 4.8), (65, 7.0), (80, 9.5)])
        return r * np.where(male, 0.8, 1.2)
    if kind == "speciallaege":
        return _by_age(age, [(0, 0.3), (3, 0.35), (18, 0.6), (45, 0.85), (65, 1.3), (80, 1.2)])
    if kind == "fysioterapi":
        return _by_age(age, [(0, 0.05), (18, 0.4), (45, 0.6), (65, 0.9), (80, 0.8)])
    if kind == "psykolog":
        return _by_age(age, [(0, 0.0), (12, 0.1), (18, 0.15), (41, 0.08), (65, 0.02)])
    if kind == "kiropraktor":
        return _by_age(age, [(0, 0.0), (18, 0.15), (65, 0.1)])
    if kind == "tandlaege":
        return _by_age(age, [(0, 0.0), (18, 0.6), (65, 0.7)])
    raise ValueError(kind)


PRACTICE_FEE = {  # median fee (kr), lognormal sigma, minimum fee
    "almen_praksis": (140.0, 0.6, 25.0),
    "speciallaege": (620.0, 0.6, 120.0),
    "fysioterapi": (230.0, 0.4, 60.0),
    "psykolog": (690.0, 0.15, 400.0),
    "kiropraktor": (95.0, 0.3, 40.0),
    "tandlaege": (160.0, 0.7, 30.0),
}
SPECIALTIES = (
    ("Øjenlægehjælp", 0.28),
    ("Øre-, næse- og halslægehjælp", 0.18),
    ("Hudlægehjælp", 0.14),
    ("Gynækologi", 0.10),
    ("Psykiatri", 0.08),
    ("Intern medicin", 0.07),
    ("Reumatologi", 0.05),
    ("Børnelæge", 0.04),
    ("Ortopædkirurgi", 0.03),
    ("Neurologi", 0.03),
)
PERSONS_PER_GP = 1600

# Full financing (fuldfinansiering).
# Share of admissions of people 65+ lasting >= 3 days that end with finished-treatment days.
FINISHED_TREATMENT_SOMATIC_P = 0.07
FINISHED_TREATMENT_PSYCH_P = 0.10
HOSPICE_P = 0.04  # deaths (age >= 40) preceded by a hospice stay
REHAB_AFTER_SURGERY_P = 0.15
REHAB_GROUP_SHARES = (("GEN1A", 0.6), ("GEN2A", 0.3), ("GEN3A", 0.1))

# LPR reporting: the error list holds about 0.001 % of reports under the default defect profile.
LPR_ERROR_SHARE = 0.00001
LPR_ERROR_CODES = ("E1001", "E1002", "E2010", "E2044", "E3105", "E4001", "E5120")


# Demographic projection (medfin.generate.projection): the cohort-component rates of the synthetic
# population_projection table. Rounded and shaped after Statistics Denmark's published figures
# around 2021, not fitted to them; the synthetic projection is not Statistics Denmark's.
# Deaths: the yearly probabilities of `mortality` above (the simulation's own), times a factor per
# sex, which gives a life expectancy at birth of about 79.4 years for men and 83.4 for women
# (Statistics Denmark's life tables for 2020-2021: about 79-80 and 83).
PROJECTION_MORTALITY_FACTOR = {"M": 0.90, "K": 0.62}
# Births: children per woman and year by her age on 1 January, 5-year bands from 15 to 49
# (Statistics Denmark's age-specific fertility; the total fertility of about 1.7 children per
# woman in 2021 is five times their sum), a share PROJECTION_MALE_BIRTH_SHARE of them boys.
PROJECTION_FERTILITY = [
    (0, 0.0),
    (15, 0.002),
    (20, 0.027),
    (25, 0.098),
    (30, 0.128),
    (35, 0.067),
    (40, 0.015),
    (45, 0.001),
    (50, 0.0),
]
PROJECTION_MALE_BIRTH_SHARE = 0.513
# Net migration (immigration minus emigration) per resident and year by age: Denmark's net
# immigration was a few tenths of a percent of the population a year in the years before 2021,
# most of it young adults (Statistics Denmark's migration statistics). Municipalities get the same
# rates: no moves between municipalities in the projection.
PROJECTION_NET_MIGRATION = [
    (0, 0.002),
    (18, 0.006),
    (25, 0.005),
    (35, 0.002),
    (45, 0.0005),
    (65, 0.0),
]


def projection_mortality(age: np.ndarray, sex: str) -> np.ndarray:
    """Yearly probability of death in the projection, by age on 1 January and sex (M, K)."""
    return np.clip(mortality(age) * PROJECTION_MORTALITY_FACTOR[sex], 0.0, 1.0)


def projection_fertility(age: np.ndarray) -> np.ndarray:
    """Children per woman and year, by her age on 1 January."""
    return _by_age(age, PROJECTION_FERTILITY)


def projection_net_migration(age: np.ndarray) -> np.ndarray:
    """Net migration per resident and year, by age on 1 January."""
    return _by_age(age, PROJECTION_NET_MIGRATION)
