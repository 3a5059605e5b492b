"""Hospital activity of one chunk of residents: somatic DRG courses and contacts with diagnoses and
procedures, psychiatric contacts, and the full-financing events that follow from them.

Everything is vectorised over all persons of a chunk and a year; arrays hold integer codes (indexes
into the world's catalogues and local person indexes) and are turned into contract tables later.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from medfin.generate import params
from medfin.generate.codes import (
    COMORBIDITY_CODES,
    COPD_CODE,
    DIABETES_CODES,
    diagnosis_arrays,
    procedure_pools,
)
from medfin.generate.population import Persons, Residence, exposure
from medfin.generate.timeutil import MINUTES_PER_DAY, completed_years, weekday, year_start
from medfin.generate.world import KIND_MA, KIND_PR, KIND_SP, KIND_TE, MDC_SPECIALTY, World

TYPE_PHYSICAL, TYPE_VIRTUAL, TYPE_OUT_VISIT = 0, 1, 2
CONTACT_TYPES = np.array(["ALCA00", "ALCA03", "ALCA10"])
PRIORITIES = np.array(["ATA3", "ATA1"])  # index = acute flag

DIAG = diagnosis_arrays()
DIAG_CODES = np.concatenate([DIAG["code"], np.array(COMORBIDITY_CODES)])
DIAG_INDEX = {c: i for i, c in enumerate(DIAG_CODES)}
SURGICAL_POOLS, GENERAL_POOL = procedure_pools()
SURGICAL_MDCS = np.array(sorted(SURGICAL_POOLS))
PROCEDURE_CODES = np.concatenate([GENERAL_POOL, *[SURGICAL_POOLS[m] for m in SURGICAL_MDCS]])
_SURGICAL_OFFSET = {m: len(GENERAL_POOL) + 20 * i for i, m in enumerate(SURGICAL_MDCS)}


class Table:
    """A bundle of equally long numpy columns."""

    def take(self, idx: np.ndarray):  # noqa: ANN201 - returns the same subclass
        return type(self)(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    @classmethod
    def concat(cls, parts: list):  # noqa: ANN206
        return cls(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)}
        )

    def __len__(self) -> int:
        return len(getattr(self, fields(self)[0].name))


@dataclass
class Courses(Table):
    person: np.ndarray
    region: np.ndarray
    hospital: np.ndarray
    start: np.ndarray  # minutes
    end: np.ndarray
    drg: np.ndarray  # index into world.drg_codes
    drg_year: np.ndarray
    tariff_ore: np.ndarray
    long_stay_days: np.ndarray
    acute: np.ndarray
    surgical: np.ndarray
    inpatient: np.ndarray  # any contact of the course lasted >= 12 hours


@dataclass
class Contacts(Table):
    course: np.ndarray  # index into the chunk's courses
    person: np.ndarray
    site: np.ndarray
    ctype: np.ndarray
    acute: np.ndarray
    start: np.ndarray
    end: np.ndarray
    drg: np.ndarray
    diagnosis: np.ndarray  # index into DIAG_CODES
    inpatient: np.ndarray
    n_proc: np.ndarray  # procedures to generate for the contact
    surgical_first: np.ndarray  # first contact of a surgical course: carries the operation


@dataclass
class Diagnoses(Table):
    contact: np.ndarray
    code: np.ndarray  # index into DIAG_CODES


@dataclass
class Procedures(Table):
    contact: np.ndarray
    code: np.ndarray  # index into PROCEDURE_CODES
    performed: np.ndarray
    site: np.ndarray


@dataclass
class PsychContacts(Table):
    person: np.ndarray
    site: np.ndarray
    ctype: np.ndarray
    start: np.ndarray
    end: np.ndarray


@dataclass
class FullFinancing(Table):
    person: np.ndarray
    region: np.ndarray
    category: np.ndarray  # index into FF_CATEGORIES
    rehab_group: np.ndarray  # index into REHAB_GROUPS, -1 = none
    day: np.ndarray
    quantity: np.ndarray
    site: np.ndarray


FF_CATEGORIES = np.array(
    [
        "faerdigbehandlet_somatik",
        "faerdigbehandlet_psykiatri",
        "hospice",
        "genoptraening_specialiseret",
    ]
)
REHAB_GROUPS = np.array([g for g, _ in params.REHAB_GROUP_SHARES])


def _segment_starts(counts: np.ndarray) -> np.ndarray:
    # [: len(counts)]: no segments, no starts (a year in which a chunk has no courses)
    return np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)[: len(counts)]


def _within_index(counts: np.ndarray) -> np.ndarray:
    """0, 1, ... within each segment of a repeat(…, counts) expansion."""
    total = int(counts.sum())
    return np.arange(total) - np.repeat(_segment_starts(counts), counts)


def _weekday_daytime(
    rng: np.random.Generator, day: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """Move planned activity off weekends where the exposure window allows; 08:00-15:00."""
    wd = weekday(day)
    back = np.where(wd == 5, 1, np.where(wd == 6, 2, 0))
    fwd = np.where(wd == 5, 2, np.where(wd == 6, 1, 0))
    day = np.where(day - back >= lo, day - back, np.where(day + fwd < hi, day + fwd, day))
    return day * MINUTES_PER_DAY + 480 + rng.integers(0, 420, size=len(day))


def _sample_action_diagnoses(
    rng: np.random.Generator, age: np.ndarray, male: np.ndarray
) -> np.ndarray:
    """Action diagnosis per course, by age band and sex (index into DIAG_CODES)."""
    out = np.empty(len(age), dtype=np.int64)
    bands = np.select([age < 18, age < 65], [0, 1], 2)
    for band, wname in enumerate(("w_child", "w_adult", "w_elderly")):
        for is_male in (False, True):
            sel = np.flatnonzero((bands == band) & (male == is_male))
            if len(sel) == 0:
                continue
            w = DIAG[wname] * (DIAG["male_ok"] if is_male else DIAG["female_ok"])
            out[sel] = rng.choice(len(w), size=len(sel), p=w / w.sum())
    return out


def simulate_somatic(
    world: World,
    persons: Persons,
    residence: Residence,
    year: int,
    period_end_minute: int,
    rng: np.random.Generator,
) -> tuple[Courses, Contacts]:
    """DRG courses and their contacts starting in one year (readmissions included)."""
    idx, lo, hi = exposure(persons, year)
    age = completed_years(persons.birth[idx], lo)
    male = persons.male[idx]
    years_exposed = (hi - lo) / 365.25
    lam = params.somatic_course_rate(age, male) * years_exposed * persons.frailty[idx]
    n = rng.poisson(lam)
    # Every child born in the year gets its birth course.
    born = persons.birth[idx] == lo
    n = n + born
    c_person = np.repeat(idx, n)
    c_lo, c_hi, c_age = np.repeat(lo, n), np.repeat(hi, n), np.repeat(age, n)
    first_of_person = _within_index(n) == 0
    is_birth = np.repeat(born, n) & first_of_person
    day = np.where(
        is_birth, c_lo, c_lo + np.floor(rng.random(len(c_lo)) * (c_hi - c_lo)).astype(np.int64)
    )
    acute = (rng.random(len(day)) < params.acute_probability(c_age)) | is_birth
    start = np.where(
        acute,
        day * MINUTES_PER_DAY + rng.integers(0, MINUTES_PER_DAY, len(day)),
        _weekday_daytime(rng, day, c_lo, c_hi),
    )
    courses, contacts = _expand_courses(
        world, persons, residence, rng, c_person, c_age, start, acute, is_birth, year
    )
    # Acute readmissions within 30 days after an admission.
    ages = completed_years(persons.birth[courses.person], courses.start // MINUTES_PER_DAY)
    readmit = courses.inpatient & (rng.random(len(courses)) < params.readmission_probability(ages))
    r_idx = np.flatnonzero(readmit)
    r_start = (
        courses.end[r_idx] // MINUTES_PER_DAY + rng.integers(1, 30, len(r_idx))
    ) * MINUTES_PER_DAY + rng.integers(0, MINUTES_PER_DAY, len(r_idx))
    keep = (r_start < period_end_minute) & (
        r_start < persons.death[courses.person[r_idx]] * MINUTES_PER_DAY
    )
    r_idx, r_start = r_idx[keep], r_start[keep]
    r_courses, r_contacts = _expand_courses(
        world,
        persons,
        residence,
        rng,
        courses.person[r_idx],
        ages[r_idx],
        r_start,
        np.ones(len(r_idx), bool),
        np.zeros(len(r_idx), bool),
        year,
        readmission=True,
    )
    r_contacts.course += len(courses)
    courses = Courses.concat([courses, r_courses])
    contacts = Contacts.concat([contacts, r_contacts])
    return courses, contacts


def _expand_courses(
    world: World,
    persons: Persons,
    residence: Residence,
    rng: np.random.Generator,
    c_person: np.ndarray,
    c_age: np.ndarray,
    start: np.ndarray,
    acute: np.ndarray,
    is_birth: np.ndarray,
    year: int,
    readmission: bool = False,
) -> tuple[Courses, Contacts]:
    n_courses = len(c_person)
    male = persons.male[c_person]
    # Diagnosis and MDC of the course.
    diag = _sample_action_diagnoses(rng, c_age, male)
    chronic_u = rng.random(n_courses)
    copd = persons.u_copd[c_person] < params.copd_prevalence(c_age)
    diabetes = persons.u_diabetes[c_person] < params.diabetes_prevalence(c_age)
    diag = np.where(copd & (chronic_u < 0.25), DIAG_INDEX["DJ441"], diag)
    diab_code = np.where(c_age < 30, DIAG_INDEX["DE109"], DIAG_INDEX["DE119"])
    diag = np.where(diabetes & (chronic_u >= 0.25) & (chronic_u < 0.40), diab_code, diag)
    diag = np.where(is_birth, DIAG_INDEX["DZ380"], diag)
    mdc = DIAG["mdc"][diag].astype(np.int64)
    # Contacts per course: about 80 % single-contact courses.
    k = np.where(
        rng.random(n_courses) < params.SINGLE_CONTACT_COURSE_SHARE,
        1,
        1 + rng.geometric(params.EXTRA_CONTACT_P, n_courses),
    )
    if readmission:
        k = np.ones(n_courses, dtype=np.int64)
    k = k.astype(np.int64)
    course_of = np.repeat(np.arange(n_courses), k)
    j = _within_index(k)
    n_ct = len(course_of)
    ct_age, ct_acute = c_age[course_of], acute[course_of] & (j == 0)
    # Contact type: the first contact of an acute course is physical.
    u = rng.random(n_ct)
    vshare = params.virtual_share(np.full(n_ct, year))
    ctype = np.where(
        u < vshare,
        TYPE_VIRTUAL,
        np.where(u < vshare + params.OUT_VISIT_SHARE, TYPE_OUT_VISIT, TYPE_PHYSICAL),
    )
    ctype = np.where(ct_acute | is_birth[course_of], TYPE_PHYSICAL, ctype)
    p_inp = params.inpatient_probability(ct_age, ct_acute)
    inpatient = (ctype == TYPE_PHYSICAL) & (
        (rng.random(n_ct) < p_inp) | (is_birth[course_of] & (j == 0))
    )
    if readmission:
        inpatient[:] = True
        ctype[:] = TYPE_PHYSICAL
    los_days = np.minimum(np.exp(np.log(2.2) + 0.9 * rng.standard_normal(n_ct)), 60.0)
    dur = np.select(
        [inpatient, ctype == TYPE_VIRTUAL, ctype == TYPE_OUT_VISIT],
        [
            720 + np.floor(los_days * MINUTES_PER_DAY * 0.9),
            rng.integers(10, 40, n_ct),
            rng.integers(30, 150, n_ct),
        ],
        np.minimum(np.floor(np.exp(np.log(50) + 0.7 * rng.standard_normal(n_ct))) + 5, 600),
    ).astype(np.int64)
    gap = rng.integers(0, 240, n_ct)
    step = dur + gap
    excl = np.cumsum(step) - step
    first = _segment_starts(k)
    ct_start = start[course_of] + excl - excl[first][course_of]
    ct_end = ct_start + dur
    # Nobody is treated after death: drop contacts ending after the day of death.
    alive_limit = (persons.death[c_person[course_of]] + 1) * MINUTES_PER_DAY
    keep_ct = ct_end <= alive_limit
    # Surgical courses (inpatient first contact), then DRG group per contact.
    surgical_p = np.where(acute, params.SURGICAL_SHARE_ACUTE, params.SURGICAL_SHARE_PLANNED)
    surgical = (rng.random(n_courses) < surgical_p) & ~np.isin(mdc, (15, 19, 20, 23))
    surgical &= inpatient[first]
    # Follow-up contacts get their own action diagnosis 30 % of the time.
    ct_diag = np.where((j > 0) & (rng.random(n_ct) < 0.3), DIAG_INDEX["DZ098"], diag[course_of])
    ct_mdc = DIAG["mdc"][ct_diag].astype(np.int64)
    los_d = ct_end // MINUTES_PER_DAY - ct_start // MINUTES_PER_DAY
    ct_surg = surgical[course_of] & (j == 0)
    sev_ma = np.minimum(1 + (los_d > 2) + (los_d > 5) + (los_d > 10) + (ct_age >= 80), 4)
    sev_pr = np.minimum(1 + (los_d > 3) + (los_d > 8), 3)
    kind = np.select(
        [ctype == TYPE_VIRTUAL, ~inpatient, ct_surg], [KIND_TE, KIND_SP, KIND_PR], KIND_MA
    )
    n_proc_mean = np.select(
        [inpatient, ctype == TYPE_VIRTUAL, ctype == TYPE_OUT_VISIT],
        [
            params.MEAN_PROCEDURES["inpatient"],
            params.MEAN_PROCEDURES["virtual"],
            params.MEAN_PROCEDURES["out_visit"],
        ],
        params.MEAN_PROCEDURES["outpatient"],
    )
    n_proc = rng.poisson(n_proc_mean) + ct_surg  # surgery adds its operation code
    sev = np.select(
        [kind == KIND_MA, kind == KIND_PR, kind == KIND_SP], [sev_ma, sev_pr, 1 + (n_proc >= 4)], 1
    )
    ct_drg = world.drg_lookup(ct_mdc, kind, sev)

    # Apply the death truncation; courses that lost their first contact disappear.
    keep_course = keep_ct[first]
    keep_ct &= keep_course[course_of]
    new_course_index = np.cumsum(keep_course) - 1
    ct_idx = np.flatnonzero(keep_ct)
    contacts = Contacts(
        course=new_course_index[course_of[ct_idx]],
        person=c_person[course_of[ct_idx]],
        site=np.zeros(len(ct_idx), np.int64),
        ctype=ctype[ct_idx],
        acute=ct_acute[ct_idx],
        start=ct_start[ct_idx],
        end=ct_end[ct_idx],
        drg=ct_drg[ct_idx],
        diagnosis=ct_diag[ct_idx],
        inpatient=inpatient[ct_idx],
        n_proc=n_proc[ct_idx],
        surgical_first=ct_surg[ct_idx],
    )
    kc = np.flatnonzero(keep_course)
    n_kept = len(kc)
    # Course span, hospital, DRG of the most expensive contact.
    c_start = np.full(n_kept, np.iinfo(np.int64).max)
    c_end = np.zeros(n_kept, np.int64)
    np.minimum.at(c_start, contacts.course, contacts.start)
    np.maximum.at(c_end, contacts.course, contacts.end)
    c_inp = np.zeros(n_kept, bool)
    np.logical_or.at(c_inp, contacts.course, contacts.inpatient)
    drg_year = np.full(n_kept, year)
    yi = world.year_index(drg_year)
    ct_tariff = world.drg_tariff_ore[yi[contacts.course], contacts.drg]
    order = np.lexsort((ct_tariff, contacts.course))
    # the last contact of each course ([: len(order)]: none when there are no contacts)
    last = order[
        np.append(contacts.course[order][1:] != contacts.course[order][:-1], True)[: len(order)]
    ]
    c_drg = contacts.drg[last]
    c_los = c_end // MINUTES_PER_DAY - c_start // MINUTES_PER_DAY
    trim = world.drg_trim[c_drg]
    long_stay = np.where(trim >= 0, np.maximum(c_los - trim, 0), 0)
    c_tariff = world.drg_tariff_ore[yi, c_drg] + long_stay * world.drg_day_rate_ore[yi, c_drg]

    home = residence.at(c_person[kc], c_start // MINUTES_PER_DAY)
    home_region = _regions_of(world, home)
    other = world.all_regions[rng.integers(0, len(world.all_regions), n_kept)]
    away = (rng.random(n_kept) > params.HOME_REGION_SHARE) & (other != home_region)
    region = np.where(away | (home_region < 0), other, home_region)
    hospital = _choose_hospital(world, region, home, rng)
    courses = Courses(
        person=c_person[kc],
        region=region,
        hospital=hospital,
        start=c_start,
        end=c_end,
        drg=c_drg,
        drg_year=drg_year,
        tariff_ore=c_tariff,
        long_stay_days=long_stay,
        acute=acute[kc],
        surgical=surgical[kc],
        inpatient=c_inp,
    )
    # Unit per contact: emergency department first for acute courses, else by specialty.
    c_child = completed_years(persons.birth[courses.person], c_start // MINUTES_PER_DAY) < 16
    contacts.site = _choose_units(world, courses, contacts, c_child)
    return courses, contacts


def _regions_of(world: World, municipality: np.ndarray) -> np.ndarray:
    lut = np.full(1000, -1, dtype=np.int64)
    for m, r in world.municipality_region.items():
        lut[m] = r
    return np.where(municipality >= 0, lut[np.clip(municipality, 0, 999)], -1)


def _choose_hospital(
    world: World, region: np.ndarray, municipality: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """The university hospital of the region or the municipality's local hospital."""
    out = np.empty(len(region), dtype=np.int64)
    uni = rng.random(len(region)) < params.UNIVERSITY_HOSPITAL_SHARE
    for r in np.unique(region):
        sel = region == r
        hs = world.somatic_hospitals[int(r)]
        local = hs[np.clip(municipality[sel], 0, None) % len(hs)]
        out[sel] = np.where(uni[sel], hs[0], local)
    return out


def _choose_units(
    world: World, courses: Courses, contacts: Contacts, child: np.ndarray
) -> np.ndarray:
    hospital = courses.hospital[contacts.course]
    mdc = DIAG["mdc"][np.minimum(contacts.diagnosis, len(DIAG["mdc"]) - 1)].astype(np.int64)
    site = np.empty(len(contacts), dtype=np.int64)
    spec = np.array([MDC_SPECIALTY[int(m)] for m in range(1, 24)])[mdc - 1]
    spec = np.where(child[contacts.course] & ~np.isin(mdc, (2, 3, 8, 21)), "paediatri", spec)
    first_of_course = np.append(True, contacts.course[1:] != contacts.course[:-1])
    spec = np.where(first_of_course & contacts.acute & (mdc != 15), "akutmodtagelse", spec)
    for s in np.unique(spec):
        sel = spec == s
        site[sel] = world.unit(hospital[sel], str(s))
    return site


def simulate_diagnoses(
    persons: Persons, contacts: Contacts, ages: np.ndarray, rng: np.random.Generator
) -> Diagnoses:
    """Secondary (B) diagnoses: chronic conditions of the patient plus common comorbidity."""
    n = len(contacts)
    copd = persons.u_copd[contacts.person] < params.copd_prevalence(ages)
    diabetes = persons.u_diabetes[contacts.person] < params.diabetes_prevalence(ages)
    parts_c, parts_d = [], []
    for flag, code in (
        (copd, DIAG_INDEX[COPD_CODE]),
        (
            diabetes,
            np.where(ages < 30, DIAG_INDEX[DIABETES_CODES[0]], DIAG_INDEX[DIABETES_CODES[1]]),
        ),
    ):
        sel = np.flatnonzero(flag & (rng.random(n) < 0.7))
        parts_c.append(sel)
        parts_d.append(np.broadcast_to(code, n)[sel])
    m = rng.poisson(params.MEAN_SECONDARY_DIAGNOSES, n)
    parts_c.append(np.repeat(np.arange(n), m))
    comorb = np.array([DIAG_INDEX[c] for c in COMORBIDITY_CODES])
    parts_d.append(comorb[rng.integers(0, len(comorb), int(m.sum()))])
    contact = np.concatenate(parts_c)
    code = np.concatenate(parts_d)
    # One row per (contact, code); the action diagnosis is not repeated as a secondary one.
    keep = code != contacts.diagnosis[contact]
    key = np.unique(contact[keep].astype(np.int64) * 1000 + code[keep])
    return Diagnoses(contact=key // 1000, code=key % 1000)


def simulate_procedures(world: World, contacts: Contacts, rng: np.random.Generator) -> Procedures:
    n_proc = contacts.n_proc
    contact = np.repeat(np.arange(len(contacts)), n_proc)
    j = _within_index(n_proc)
    code = rng.integers(0, len(GENERAL_POOL), len(contact))
    surgical_first = contacts.surgical_first[contact] & (j == 0)
    mdc = DIAG["mdc"][np.minimum(contacts.diagnosis[contact], len(DIAG["mdc"]) - 1)]
    offset = np.array([_SURGICAL_OFFSET.get(m, _SURGICAL_OFFSET[23]) for m in range(24)])
    code = np.where(surgical_first, offset[mdc] + rng.integers(0, 20, len(contact)), code)
    dur = contacts.end[contact] - contacts.start[contact]
    performed = contacts.start[contact] + np.floor(rng.random(len(contact)) * dur).astype(np.int64)
    site = contacts.site[contact]
    elsewhere = rng.random(len(contact)) < 0.15
    hospital = world.site_hospital[site]
    other_spec = np.where(rng.random(len(contact)) < 0.6, "radiologi", "klinisk_biokemi")
    for s in ("radiologi", "klinisk_biokemi"):
        sel = elsewhere & (other_spec == s)
        site[sel] = world.unit(hospital[sel], s)
    return Procedures(contact=contact, code=code, performed=performed, site=site)


def simulate_psychiatry(
    world: World, persons: Persons, residence: Residence, year: int, rng: np.random.Generator
) -> PsychContacts:
    idx, lo, hi = exposure(persons, year)
    age = completed_years(persons.birth[idx], lo)
    patient = persons.u_psych[idx] < params.psychiatric_prevalence(age)
    idx, lo, hi, age = idx[patient], lo[patient], hi[patient], age[patient]
    yrs = (hi - lo) / 365.25
    n_vis = rng.poisson(params.PSYCH_VISITS_PER_PATIENT_YEAR * yrs)
    n_adm = rng.poisson(params.PSYCH_ADMISSIONS_PER_PATIENT_YEAR * yrs)
    parts = []
    for count, admission in ((n_vis, False), (n_adm, True)):
        person = np.repeat(idx, count)
        p_lo, p_hi, p_age = np.repeat(lo, count), np.repeat(hi, count), np.repeat(age, count)
        day = p_lo + np.floor(rng.random(len(person)) * (p_hi - p_lo)).astype(np.int64)
        m = len(person)
        if admission:
            start = day * MINUTES_PER_DAY + rng.integers(0, MINUTES_PER_DAY, m)
            los = np.exp(np.log(9.0) + 0.9 * rng.standard_normal(m))
            dur = np.floor(np.clip(los, 0.6, 120) * MINUTES_PER_DAY).astype(np.int64)
            ctype = np.full(m, TYPE_PHYSICAL)
        else:
            start = _weekday_daytime(rng, day, p_lo, p_hi)
            virtual = rng.random(m) < params.PSYCH_VIRTUAL_SHARE
            long_visit = ~virtual & (rng.random(m) < params.PSYCH_LONG_VISIT_SHARE)
            dur = np.where(long_visit, rng.integers(240, 660, m), rng.integers(30, 90, m))
            ctype = np.where(virtual, TYPE_VIRTUAL, TYPE_PHYSICAL)
        end = np.minimum(start + dur, (persons.death[person] + 1) * MINUTES_PER_DAY)
        ok = end > start
        home = residence.at(person, day)
        region = _regions_of(world, home)
        ok &= region > 0
        unit = np.where(
            p_age < 18,
            "boerne_ungdomspsykiatri",
            "voksenpsykiatri_sengeafsnit" if admission else "voksenpsykiatri_ambulatorium",
        )
        site = np.empty(m, dtype=np.int64)
        for u in np.unique(unit):
            sel = (unit == u) & ok
            site[sel] = world.region_unit(region[sel], "psychiatric", str(u))
        parts.append(
            PsychContacts(
                person=person[ok], site=site[ok], ctype=ctype[ok], start=start[ok], end=end[ok]
            )
        )
    return PsychContacts.concat(parts)


def simulate_full_financing(
    world: World,
    persons: Persons,
    residence: Residence,
    courses: Courses,
    contacts: Contacts,
    psych: PsychContacts,
    years: tuple[int, int],
    admission_minutes: int,
    rng: np.random.Generator,
) -> FullFinancing:
    """Finished-treatment bed-days, hospice days and specialised rehabilitation visits."""
    period_lo, period_hi = year_start(years[0]), year_start(years[1] + 1)
    parts: list[FullFinancing] = []

    def add(
        person: np.ndarray,
        category: int,
        day: np.ndarray,
        quantity: np.ndarray,
        site_of_region: np.ndarray | None,
        unit: tuple[str, str] | None,
        rehab: np.ndarray | None = None,
    ) -> None:
        home = residence.at(person, day)
        region = _regions_of(world, home)
        ok = (day >= period_lo) & (day < period_hi) & (region > 0) & (quantity > 0)
        if site_of_region is not None:  # the unit must belong to the region that charges
            ok &= world.site_region[site_of_region] == region
            site = site_of_region
        else:
            assert unit is not None
            site = np.full(len(person), -1)
            site[ok] = world.region_unit(region[ok], unit[0], unit[1])
        parts.append(
            FullFinancing(
                person=person[ok],
                region=region[ok],
                category=np.full(int(ok.sum()), category),
                rehab_group=(rehab[ok] if rehab is not None else np.full(int(ok.sum()), -1)),
                day=day[ok],
                quantity=quantity[ok],
                site=site[ok],
            )
        )

    # Finished-treatment somatic bed-days at the end of long admissions of people 65+.
    dur_days = (contacts.end - contacts.start) // MINUTES_PER_DAY
    ages = completed_years(persons.birth[contacts.person], contacts.start // MINUTES_PER_DAY)
    sel = np.flatnonzero(
        contacts.inpatient
        & (dur_days >= 3)
        & (ages >= 65)
        & (rng.random(len(contacts)) < params.FINISHED_TREATMENT_SOMATIC_P)
    )
    q = np.minimum(rng.geometric(0.3, len(sel)), dur_days[sel] - 1)
    add(
        contacts.person[sel],
        0,
        contacts.end[sel] // MINUTES_PER_DAY - q,
        q,
        contacts.site[sel],
        None,
    )
    # Finished-treatment psychiatric bed-days at the end of long psychiatric admissions.
    p_days = (psych.end - psych.start) // MINUTES_PER_DAY
    is_adm = (psych.ctype == TYPE_PHYSICAL) & (psych.end - psych.start >= admission_minutes)
    sel = np.flatnonzero(
        is_adm & (p_days >= 5) & (rng.random(len(psych)) < params.FINISHED_TREATMENT_PSYCH_P)
    )
    q = np.minimum(rng.geometric(0.15, len(sel)), p_days[sel] - 1)
    add(psych.person[sel], 1, psych.end[sel] // MINUTES_PER_DAY - q, q, psych.site[sel], None)
    # Hospice days before death.
    died = np.flatnonzero((persons.death >= period_lo) & (persons.death < period_hi))
    age_at_death = completed_years(persons.birth[died], persons.death[died])
    sel = died[(age_at_death >= 40) & (rng.random(len(died)) < params.HOSPICE_P)]
    q = np.minimum(rng.geometric(1 / 14, len(sel)), 60)
    first_day = np.maximum(persons.death[sel] - q + 1, np.maximum(period_lo, persons.birth[sel]))
    add(sel, 2, first_day, persons.death[sel] - first_day + 1, None, ("hospice", "hospice"))
    # Specialised rehabilitation after surgery: weekly visits starting 1-3 weeks after discharge.
    sel = np.flatnonzero(
        courses.surgical & (rng.random(len(courses)) < params.REHAB_AFTER_SURGERY_P)
    )
    visits = np.minimum(rng.geometric(0.3, len(sel)), 10)
    person = np.repeat(courses.person[sel], visits)
    first_visit = np.repeat(
        courses.end[sel] // MINUTES_PER_DAY + rng.integers(7, 21, len(sel)), visits
    )
    day = first_visit + 7 * _within_index(visits)
    group = np.repeat(
        rng.choice(len(REHAB_GROUPS), size=len(sel), p=[s for _, s in params.REHAB_GROUP_SHARES]),
        visits,
    )
    alive = day <= persons.death[person]
    add(
        person[alive],
        3,
        day[alive],
        np.ones(int(alive.sum()), np.int64),
        None,
        ("somatic", "genoptraening"),
        rehab=group[alive],
    )
    return FullFinancing.concat(parts)
