"""`medfin generate`: one synthetic delivery folder in the raw-extract contract's shape.

Residents are simulated in fixed-size chunks, each with its own random stream derived from the seed,
so memory stays bounded at national scale and the output does not depend on the machine. Defects use
streams of their own: the clean data are identical under every defect profile.
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from medfin.contract import load_contract
from medfin.extract import MINOR_VERSION_KEY
from medfin.generate import admin, params
from medfin.generate import writer as w
from medfin.generate.defects import (
    MISSING_CONTACT_SHARE,
    MUNICIPALITY_MISMATCH_SHARE,
    PROFILES,
    DefectLog,
    append_rows,
    dirty_rows,
    planted_count,
    record_key,
)
from medfin.generate.expected import ExpectedTotals, RuleBook
from medfin.generate.expected_indicators import PSYCHIATRIC, SOMATIC, ExpectedIndicators
from medfin.generate.hospital import (
    CONTACT_TYPES,
    DIAG_CODES,
    FF_CATEGORIES,
    PRIORITIES,
    PROCEDURE_CODES,
    REHAB_GROUPS,
    TYPE_PHYSICAL,
    Contacts,
    Courses,
    PsychContacts,
    simulate_diagnoses,
    simulate_full_financing,
    simulate_procedures,
    simulate_psychiatry,
    simulate_somatic,
)
from medfin.generate.population import (
    MoveEvents,
    Persons,
    Residence,
    Scope,
    build_residence,
    exposure,
    simulate_moves,
    simulate_persons,
)
from medfin.generate.practice import KINDS, SPECIALTY_NAMES, Services, simulate_practice
from medfin.generate.projection import horizon_years, project_population
from medfin.generate.timeutil import (
    MINUTES_PER_DAY,
    completed_years,
    from_day_number,
    year_start,
    years_of,
)
from medfin.generate.world import World, load_world

SCALES = ("tiny", "region", "national")
GENERATOR_VERSION = 1
_STREAM_BASE, _STREAM_DEFECTS, _STREAM_ADMIN = 1, 2, 3


def make_scope(
    world: World, scale: str, region: int, municipalities: Sequence[int] | None = None
) -> Scope:
    """Which municipalities the delivery covers. `municipalities` (tiny scale only) spreads the
    tiny population over those municipalities instead of the default three, by their size."""
    if municipalities is not None:
        if scale != "tiny":
            raise ValueError("municipalities can only be chosen with the tiny scale")
        unknown = sorted(set(municipalities) - set(world.municipality_region))
        if unknown or not municipalities:
            raise ValueError(
                f"unknown municipality codes {unknown}; use codes of seeds/municipalities.csv"
                if unknown
                else "give at least one municipality code"
            )
    if scale == "tiny":
        munis = np.array(sorted(set(municipalities or params.TINY_MUNICIPALITIES)))
        weights = np.array([world.population_approx[m] for m in munis], dtype=float)
        n = params.TINY_RESIDENTS
    elif scale == "region":
        if region not in world.all_regions:
            raise ValueError(f"unknown region {region}; expected one of {list(world.all_regions)}")
        munis = np.array(sorted(m for m, r in world.municipality_region.items() if r == region))
        weights = np.array([world.population_approx[m] for m in munis], dtype=float)
        n = int(weights.sum())
    elif scale == "national":
        munis = np.array(sorted(world.municipality_region))
        weights = np.array([world.population_approx[m] for m in munis], dtype=float)
        n = int(weights.sum())
    else:
        raise ValueError(f"unknown scale {scale!r}; expected one of {SCALES}")
    return Scope(
        scale=scale,
        municipalities=munis,
        weights=weights,
        region_of_municipality=world.municipality_region,
        n_start=n,
    )


@dataclass
class Counters:
    course: int = 0
    contact: int = 0
    procedure: int = 0
    psych: int = 0
    service: int = 0
    event: int = 0


@dataclass
class RunState:
    world: World
    scope: Scope
    years: tuple[int, int]
    seed: int
    defects: str
    out: Path
    writer: w.DeliveryWriter
    rules: RuleBook
    expected: ExpectedTotals
    indicators: ExpectedIndicators
    population: admin.PopulationCounter
    # Whether the delivery has the population projection (contract 1.1); without, it is a
    # delivery of contract 1.0.
    projection: bool = True
    reports: admin.ReportCounter = field(default_factory=admin.ReportCounter)
    counters: Counters = field(default_factory=Counters)
    log: DefectLog = field(default_factory=DefectLog)
    samples: dict[str, pa.Table] = field(default_factory=dict)
    moves_during_course: list[dict[str, Any]] = field(default_factory=list)
    lpr_errors: dict[str, list] = field(
        default_factory=lambda: {
            "error_id": [],
            "region_code": [],
            "contact_id": [],
            "error_code": [],
            "listed_on": [],
        }
    )
    region_of: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def stream(self, kind: int, chunk: int) -> np.random.Generator:
        first, last = self.years
        root = [
            self.seed,
            SCALES.index(self.scope.scale),
            first,
            last,
            int(self.scope.municipalities.sum()),
            kind,
            chunk + 1,
        ]
        return np.random.default_rng(np.random.SeedSequence(root))


def generate_delivery(
    scale: str,
    years: tuple[int, int],
    seed: int,
    out: Path,
    region: int = params.DEFAULT_REGION,
    defects: str = "default",
    fmt: str = "parquet",
    progress: bool = True,
    municipalities: Sequence[int] | None = None,
    projection: bool = True,
) -> dict[str, Any]:
    """Write a delivery folder; return the manifest. `municipalities` (tiny scale): the
    municipalities the tiny population lives in (default params.TINY_MUNICIPALITIES).
    `projection=False`: no population_projection table, a delivery of contract 1.0 (the clean
    data are the same either way)."""
    if defects not in PROFILES:
        raise ValueError(f"unknown defect profile {defects!r}; expected one of {PROFILES}")
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"unknown format {fmt!r}; expected parquet or csv")
    first, last = years
    world = load_world()
    if first < world.drg_years[0] or last > world.drg_years[-1] or first > last:
        raise ValueError(f"years must lie within {world.drg_years[0]}-{world.drg_years[-1]}")
    scope = make_scope(world, scale, region, municipalities)
    _prepare_output(out)
    rules = RuleBook()
    state = RunState(
        world=world,
        scope=scope,
        years=years,
        seed=seed,
        defects=defects,
        out=out,
        writer=w.DeliveryWriter(out, fmt),
        rules=rules,
        expected=ExpectedTotals(rules),
        indicators=ExpectedIndicators(years),
        population=admin.PopulationCounter(years),
        projection=projection,
    )
    lut = np.full(1001, -1, dtype=np.int64)
    for m, r in world.municipality_region.items():
        lut[m] = r
    state.region_of = lut

    persons = simulate_persons(scope, years, state.stream(_STREAM_BASE, -1))
    n = len(persons)
    bounds = list(range(0, n, params.PERSONS_PER_CHUNK)) + [n]
    chunks = list(itertools.pairwise(bounds))
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} chunks"),
        TimeElapsedColumn(),
        disable=not progress,
    ) as bar:
        task = bar.add_task(f"generating {scale} {first}-{last}", total=len(chunks) + 1)
        for c, (lo, hi) in enumerate(chunks):
            _chunk(state, persons, c, lo, hi, n)
            bar.advance(task)
        _finish(state, n)
        bar.advance(task)
    return _write_manifest_and_expected(state, fmt)


def _prepare_output(out: Path) -> None:
    """An empty folder, or a previous delivery to replace; never somebody else's files."""
    if out.exists():
        if any(out.iterdir()) and not (out / "manifest.json").is_file():
            raise FileExistsError(
                f"{out} exists and is not a delivery folder (no manifest.json); "
                "refusing to overwrite it"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True)


def _person_ids(global_index: np.ndarray) -> pa.Array:
    return w.ids("P", global_index + 1, 9)


def _chunk(state: RunState, all_persons: Persons, c: int, lo: int, hi: int, n_total: int) -> None:
    world, years = state.world, state.years
    rng = state.stream(_STREAM_BASE, c)
    persons = all_persons.slice(lo, hi)
    moves = simulate_moves(state.scope, persons, years, rng)
    residence = build_residence(persons, moves)
    period_end = year_start(years[1] + 1) * MINUTES_PER_DAY
    course_parts, contact_parts, psych_parts = [], [], []
    n_courses = 0
    # A chunk may have nobody alive in a year (over several national years, a chunk of people
    # born later): nothing to simulate then, and the simulations expect at least one person.
    lived = [y for y in range(years[0], years[1] + 1) if len(exposure(persons, y)[0])]
    for year in lived:
        courses, contacts = simulate_somatic(world, persons, residence, year, period_end, rng)
        contacts.course += n_courses
        n_courses += len(courses)
        course_parts.append(courses)
        contact_parts.append(contacts)
        psych_parts.append(simulate_psychiatry(world, persons, residence, year, rng))
    courses = Courses.concat(course_parts)
    contacts = Contacts.concat(contact_parts)
    psych = PsychContacts.concat(psych_parts)
    # Order courses by (person, start); contacts follow their course.
    order = np.lexsort((courses.start, courses.person))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    courses = courses.take(order)
    contacts.course = rank[contacts.course]
    contacts = contacts.take(np.lexsort((contacts.start, contacts.course)))
    psych = psych.take(np.lexsort((psych.start, psych.person)))
    # Residence moves in the middle of some multi-contact courses (a known case for the tests).
    planted = _plant_moves_during_courses(
        state, persons, moves, residence, courses, contacts, lo, rng
    )
    residence = build_residence(persons, planted)
    c_age = completed_years(persons.birth[contacts.person], contacts.start // MINUTES_PER_DAY)
    diagnoses = simulate_diagnoses(persons, contacts, c_age, rng)
    procedures = simulate_procedures(world, contacts, rng)
    services = Services.concat(
        [simulate_practice(world, persons, residence, y, rng) for y in lived]
    )
    full = simulate_full_financing(
        world,
        persons,
        residence,
        courses,
        contacts,
        psych,
        years,
        state.rules.admission_minutes,
        rng,
    )
    full = full.take(np.lexsort((full.day, full.person)))

    # Identifiers (global counters keep them unique across chunks).
    cnt = state.counters
    course_ids = w.ids("DF", cnt.course + np.arange(len(courses)) + 1, 10)
    contact_no = cnt.contact + np.arange(len(contacts)) + 1
    contact_ids = w.ids("DK", contact_no, 10)
    cnt.course += len(courses)
    cnt.contact += len(contacts)

    reported = residence.at(contacts.person, contacts.start // MINUTES_PER_DAY)
    psych_reported = residence.at(psych.person, psych.start // MINUTES_PER_DAY)
    drng = state.stream(_STREAM_DEFECTS, c)
    if state.defects != "none":
        reported = _plant_municipality_mismatch(
            state, contacts, reported, contact_ids, lo, hi, n_total, drng
        )

    _write_persons_and_residence(state, persons, residence, lo)
    _write_somatic(
        state,
        persons,
        lo,
        courses,
        contacts,
        diagnoses,
        procedures,
        course_ids,
        contact_ids,
        reported,
    )
    _write_epj(state, courses, contacts, contact_ids, lo, hi, n_total, drng)
    _write_lpr_errors(state, courses, contacts, diagnoses, procedures, contact_ids, drng)
    _write_psychiatry(state, lo, psych, psych_reported)
    _write_practice(state, lo, services)
    _write_full_financing(state, lo, full)

    # Ground truth with the independent rule implementation.
    course_day = courses.start // MINUTES_PER_DAY
    pay = residence.at(courses.person, course_day)
    ok = pay > 0
    state.expected.add_somatic(
        pay[ok],
        course_day[ok],
        completed_years(persons.birth[courses.person[ok]], course_day[ok]),
        courses.tariff_ore[ok],
        courses.inpatient[ok],
    )
    p_day = psych.start // MINUTES_PER_DAY
    pay = residence.at(psych.person, p_day)
    ok = pay > 0
    state.expected.add_psychiatry(
        pay[ok],
        psych.start[ok],
        psych.end[ok],
        psych.ctype[ok] == TYPE_PHYSICAL,
        completed_years(persons.birth[psych.person[ok]], p_day[ok]),
    )
    state.expected.add_practice(
        services.municipality,
        services.day,
        completed_years(persons.birth[services.person], services.day),
        services.fee_ore,
        services.kind,
        tuple(KINDS),
    )
    pay = residence.at(full.person, full.day)
    state.expected.add_full_financing(
        pay,
        full.day,
        FF_CATEGORIES[full.category],
        np.where(full.rehab_group >= 0, REHAB_GROUPS[np.maximum(full.rehab_group, 0)], ""),
        full.quantity,
    )
    _add_indicators(state, residence, courses, contacts, diagnoses, psych)
    state.population.add(persons, residence)


def _add_indicators(
    state: RunState,
    residence: Residence,
    courses: Courses,
    contacts: Contacts,
    diagnoses: Any,
    psych: PsychContacts,
) -> None:
    """Readmissions and proximity criteria of one chunk, with the independent implementation
    (medfin.generate.expected_indicators), from the rows as written."""

    def region_at(person: np.ndarray, day: np.ndarray) -> np.ndarray:
        municipality = residence.at(person, day)
        return np.where(municipality > 0, state.region_of[np.maximum(municipality, 0)], -1)

    indicators = state.indicators
    contact_type = CONTACT_TYPES[contacts.ctype]
    indicators.add_stays(
        SOMATIC,
        region_at,
        contacts.person,
        contact_type,
        PRIORITIES[contacts.acute.astype(np.int64)],
        contacts.start,
        contacts.end,
    )
    indicators.add_stays(
        PSYCHIATRIC,
        region_at,
        psych.person,
        CONTACT_TYPES[psych.ctype],
        None,
        psych.start,
        psych.end,
    )
    day = contacts.start // MINUTES_PER_DAY
    chronic = indicators.rules.chronic
    secondary = chronic(DIAG_CODES[diagnoses.code], day[diagnoses.contact])
    diagnosed = chronic(DIAG_CODES[contacts.diagnosis], day) | (
        np.bincount(diagnoses.contact, weights=secondary, minlength=len(contacts)) > 0
    )
    indicators.add_courses(
        region_at,
        courses.person,
        courses.start,
        courses.tariff_ore,
        contacts.course,
        contact_type,
        contacts.start,
        diagnosed,
    )


def _plant_moves_during_courses(
    state: RunState,
    persons: Persons,
    moves: MoveEvents,
    residence: Residence,
    courses: Courses,
    contacts: Contacts,
    lo: int,
    rng: np.random.Generator,
) -> MoveEvents:
    """Move a few patients to another municipality between two contacts of one course."""
    if len(state.scope.municipalities) < 2:
        return moves
    first_day = courses.start // MINUTES_PER_DAY
    # Start day of each course's last contact.
    last_start = np.zeros(len(courses), dtype=np.int64)
    np.maximum.at(last_start, contacts.course, contacts.start // MINUTES_PER_DAY)
    moved = np.zeros(len(persons), bool)
    moved[moves.person] = True
    candidates = np.flatnonzero((last_start > first_day) & ~moved[courses.person])
    want = planted_count(2e-5, len(persons), 2)
    if len(candidates) == 0:
        return moves
    pick = rng.choice(candidates, size=min(want, len(candidates)), replace=False)
    pick = pick[np.unique(courses.person[pick], return_index=True)[1]]  # one per person
    day = (
        first_day[pick]
        + 1
        + np.floor(rng.random(len(pick)) * (last_start[pick] - first_day[pick])).astype(int)
    )
    old = residence.at(courses.person[pick], first_day[pick])
    new = state.scope.sample_municipalities(rng, len(pick))
    same = new == old
    pos = np.searchsorted(state.scope.municipalities, new[same])
    new[same] = state.scope.municipalities[(pos + 1) % len(state.scope.municipalities)]
    state.moves_during_course.extend(
        {
            "person_index": int(lo + p),
            "course_index": int(state.counters.course + i),
            "move_date": str(from_day_number(d)),
            "from_municipality": int(a),
            "to_municipality": int(b),
        }
        for p, i, d, a, b in zip(courses.person[pick], pick, day, old, new, strict=True)
    )
    return MoveEvents(
        np.concatenate([moves.person, courses.person[pick]]),
        np.concatenate([moves.day, day]),
        np.concatenate([moves.municipality, new]),
    )


def _plant_municipality_mismatch(
    state: RunState,
    contacts: Contacts,
    reported: np.ndarray,
    contact_ids: pa.Array,
    lo: int,
    hi: int,
    n_total: int,
    rng: np.random.Generator,
) -> np.ndarray:
    total = planted_count(MUNICIPALITY_MISMATCH_SHARE, n_total * 2, 3)
    k = _share_of(total, lo, hi, n_total)
    if k == 0 or len(contacts) == 0:
        return reported
    pick = np.sort(rng.choice(len(contacts), size=min(k, len(contacts)), replace=False))
    all_munis = np.array(sorted(state.world.municipality_region))
    wrong = all_munis[rng.integers(0, len(all_munis), len(pick))]
    wrong = np.where(
        wrong == reported[pick],
        all_munis[(np.searchsorted(all_munis, wrong) + 1) % len(all_munis)],
        wrong,
    )
    reported = reported.copy()
    state.log.municipality_mismatch.extend(
        {"contact_id": contact_ids[int(i)].as_py(), "reported": int(b), "residence": int(a)}
        for i, a, b in zip(pick, reported[pick], wrong, strict=True)
    )
    reported[pick] = wrong
    return reported


def _share_of(total: int, lo: int, hi: int, n: int) -> int:
    """This chunk's part of a total spread over chunks in proportion to their persons."""
    return round(total * hi / n) - round(total * lo / n)


def _write_persons_and_residence(
    state: RunState, persons: Persons, residence: Any, lo: int
) -> None:
    no_death = persons.death >= 10**6
    table = w.make_table(
        "persons",
        {
            "person_id": _person_ids(lo + np.arange(len(persons))),
            "sex": np.where(persons.male, "M", "K"),
            "birth_date": w.dates(persons.birth),
            "death_date": w.dates(np.where(no_death, 0, persons.death), null_mask=no_death),
        },
    )
    _emit(state, "persons", table)
    open_end = residence.valid_to >= 10**6
    table = w.make_table(
        "residence",
        {
            "person_id": _person_ids(lo + residence.person),
            "municipality_code": w.integers(residence.municipality),
            "valid_from": w.dates(residence.valid_from),
            "valid_to": w.dates(np.where(open_end, 0, residence.valid_to), null_mask=open_end),
        },
    )
    _emit(state, "residence", table)


def _emit(state: RunState, name: str, table: pa.Table) -> None:
    state.writer.write(name, table)
    if name not in state.samples and table.num_rows >= 2:
        state.samples[name] = table.slice(0, 2)


def _write_somatic(
    state: RunState,
    persons: Persons,
    lo: int,
    courses: Courses,
    contacts: Contacts,
    diagnoses: Any,
    procedures: Any,
    course_ids: pa.Array,
    contact_ids: pa.Array,
    reported: np.ndarray,
) -> None:
    world = state.world
    _emit(
        state,
        "drg_courses",
        w.make_table(
            "drg_courses",
            {
                "course_id": course_ids,
                "person_id": _person_ids(lo + courses.person),
                "region_code": w.integers(courses.region),
                "drg_code": w.codes(world.drg_codes, courses.drg),
                "drg_year": w.integers(courses.drg_year),
                "course_start": w.timestamps(courses.start),
                "course_end": w.timestamps(courses.end),
                "tariff_dkk": w.money(courses.tariff_ore),
                "long_stay_days": w.integers(courses.long_stay_days),
            },
        ),
    )
    _emit(
        state,
        "drg_contacts",
        w.make_table(
            "drg_contacts",
            {
                "contact_id": contact_ids,
                "course_id": course_ids.take(pa.array(contacts.course)),
                "person_id": _person_ids(lo + contacts.person),
                "municipality_code": w.integers(reported),
                "sor_code": w.codes(world.sor_code, contacts.site),
                "contact_type": w.codes(CONTACT_TYPES, contacts.ctype),
                "priority": w.codes(PRIORITIES, contacts.acute.astype(np.int64)),
                "start_ts": w.timestamps(contacts.start),
                "end_ts": w.timestamps(contacts.end),
                "contact_drg_code": w.codes(world.drg_codes, contacts.drg),
                "action_diagnosis": w.codes(DIAG_CODES, contacts.diagnosis),
            },
        ),
    )
    _emit(
        state,
        "drg_diagnoses",
        w.make_table(
            "drg_diagnoses",
            {
                "contact_id": contact_ids.take(pa.array(diagnoses.contact)),
                "diagnosis_code": w.codes(DIAG_CODES, diagnoses.code),
                "diagnosis_kind": pa.array(np.full(len(diagnoses), "B")),
            },
        ),
    )
    cnt = state.counters
    _emit(
        state,
        "drg_procedures",
        w.make_table(
            "drg_procedures",
            {
                "procedure_id": w.ids("DP", cnt.procedure + np.arange(len(procedures)) + 1, 11),
                "contact_id": contact_ids.take(pa.array(procedures.contact)),
                "procedure_code": w.codes(PROCEDURE_CODES, procedures.code),
                "performed_ts": w.timestamps(procedures.performed),
                "producing_sor_code": w.codes(world.sor_code, procedures.site),
            },
        ),
    )
    cnt.procedure += len(procedures)
    # LPR reports: contact + action diagnosis + secondary diagnoses + procedures; + course element.
    per_contact = (
        2
        + np.bincount(diagnoses.contact, minlength=len(contacts))
        + np.bincount(procedures.contact, minlength=len(contacts))
    )
    # Counted in the year the course starts, so a course spanning New Year reports in one year.
    region = courses.region[contacts.course]
    state.reports.add(
        region, years_of(courses.start[contacts.course] // MINUTES_PER_DAY), per_contact
    )
    state.reports.add(
        courses.region, years_of(courses.start // MINUTES_PER_DAY), np.ones(len(courses), np.int64)
    )


def _write_epj(
    state: RunState,
    courses: Courses,
    contacts: Contacts,
    contact_ids: pa.Array,
    lo: int,
    hi: int,
    n_total: int,
    rng: np.random.Generator,
) -> None:
    """The region's own contact list: every DRG contact at the scope's hospitals (+ planted)."""
    region = courses.region[contacts.course]
    own = np.flatnonzero(np.isin(region, state.scope.regions))
    table = w.make_table(
        "epj_contacts",
        {
            "contact_id": contact_ids.take(pa.array(own)),
            "region_code": w.integers(region[own]),
            "sor_code": w.codes(state.world.sor_code, contacts.site[own]),
            "start_ts": w.timestamps(contacts.start[own]),
        },
    )
    if state.defects != "none" and len(own):
        total = planted_count(MISSING_CONTACT_SHARE, int(n_total * 2.4), 2)
        k = _share_of(total, lo, hi, n_total)
        if k:
            src = np.sort(rng.choice(own, size=min(k, len(own)), replace=False))
            ids = w.ids("DK", state.counters.contact + np.arange(len(src)) + 1, 10)
            state.counters.contact += len(src)
            shift = rng.integers(1, 6, len(src)) * MINUTES_PER_DAY
            missing = w.make_table(
                "epj_contacts",
                {
                    "contact_id": ids,
                    "region_code": w.integers(region[src]),
                    "sor_code": w.codes(state.world.sor_code, contacts.site[src]),
                    "start_ts": w.timestamps(contacts.start[src] + shift),
                },
            )
            state.log.missing_contacts.extend(ids.to_pylist())
            table = pa.concat_tables([table, missing])
    _emit(state, "epj_contacts", table)


def _write_lpr_errors(
    state: RunState,
    courses: Courses,
    contacts: Contacts,
    diagnoses: Any,
    procedures: Any,
    contact_ids: pa.Array,
    rng: np.random.Generator,
) -> None:
    if state.defects == "none" or len(contacts) == 0:
        return
    reports = 2 * len(contacts) + len(diagnoses) + len(procedures) + len(courses)
    k = int(rng.binomial(reports, params.LPR_ERROR_SHARE))
    pick = np.sort(rng.choice(len(contacts), size=min(k, len(contacts)), replace=False))
    day = contacts.start[pick] // MINUTES_PER_DAY + rng.integers(7, 45, len(pick))
    _add_lpr_errors(
        state,
        courses.region[contacts.course[pick]],
        [contact_ids[int(i)].as_py() for i in pick],
        day,
        rng,
    )


def _add_lpr_errors(
    state: RunState, region: np.ndarray, contact: list, day: np.ndarray, rng: np.random.Generator
) -> None:
    e = state.lpr_errors
    start = len(e["error_id"])
    e["error_id"].extend(f"LE{start + i + 1:08d}" for i in range(len(contact)))
    e["region_code"].extend(int(r) for r in region)
    e["contact_id"].extend(contact)
    e["error_code"].extend(str(x) for x in rng.choice(params.LPR_ERROR_CODES, len(contact)))
    e["listed_on"].extend(int(d) for d in day)


def _write_psychiatry(state: RunState, lo: int, psych: PsychContacts, reported: np.ndarray) -> None:
    cnt = state.counters
    _emit(
        state,
        "psychiatric_contacts",
        w.make_table(
            "psychiatric_contacts",
            {
                "contact_id": w.ids("PK", cnt.psych + np.arange(len(psych)) + 1, 10),
                "person_id": _person_ids(lo + psych.person),
                "municipality_code": w.integers(reported),
                "sor_code": w.codes(state.world.sor_code, psych.site),
                "start_ts": w.timestamps(psych.start),
                "end_ts": w.timestamps(psych.end),
                "contact_type": w.codes(CONTACT_TYPES, psych.ctype),
            },
        ),
    )
    cnt.psych += len(psych)
    state.reports.add(
        state.world.site_region[psych.site],
        years_of(psych.start // MINUTES_PER_DAY),
        np.full(len(psych), 2),
    )


def _write_practice(state: RunState, lo: int, services: Services) -> None:
    cnt = state.counters
    _emit(
        state,
        "practice_services",
        w.make_table(
            "practice_services",
            {
                "service_id": w.ids("YS", cnt.service + np.arange(len(services)) + 1, 11),
                "person_id": _person_ids(lo + services.person),
                "municipality_code": w.integers(services.municipality),
                "provider_id": w.ids("Y", services.provider, 7),
                "provider_kind": w.codes(KINDS, services.kind),
                "specialty": w.codes(SPECIALTY_NAMES, services.specialty, null_below_zero=True),
                "service_date": w.dates(services.day),
                "fee_dkk": w.money(services.fee_ore),
            },
        ),
    )
    cnt.service += len(services)


def _write_full_financing(state: RunState, lo: int, full: Any) -> None:
    cnt = state.counters
    _emit(
        state,
        "full_financing_events",
        w.make_table(
            "full_financing_events",
            {
                "event_id": w.ids("FF", cnt.event + np.arange(len(full)) + 1, 10),
                "person_id": _person_ids(lo + full.person),
                "region_code": w.integers(full.region),
                "category": w.codes(FF_CATEGORIES, full.category),
                "rehab_group": w.codes(REHAB_GROUPS, full.rehab_group, null_below_zero=True),
                "activity_date": w.dates(full.day),
                "quantity": w.integers(full.quantity),
                "sor_code": w.codes(state.world.sor_code, full.site),
            },
        ),
    )
    cnt.event += len(full)


def _finish(state: RunState, n_persons: int) -> None:
    """Tables that need the whole population: population, LPR, bookings, log; dirty rows."""
    rng = state.stream(_STREAM_ADMIN, 0)
    pop = state.population.rows()
    for municipality, day, persons in zip(
        pop["municipality_code"], years_of(pop["reference_date"]), pop["persons"], strict=True
    ):
        state.indicators.add_population(int(state.region_of[municipality]), int(day), int(persons))
    _emit(
        state,
        "population",
        w.make_table(
            "population",
            {
                "municipality_code": w.integers(pop["municipality_code"]),
                "reference_date": w.dates(pop["reference_date"]),
                "sex": pa.array(pop["sex"]),
                "age": w.integers(pop["age"]),
                "persons": w.integers(pop["persons"]),
            },
        ),
    )
    if state.projection:
        _write_projection(state)
    rep = sorted(state.reports.reports.items())
    _emit(
        state,
        "lpr_report_counts",
        w.make_table(
            "lpr_report_counts",
            {
                "region_code": w.integers(np.array([r for (r, _), _ in rep])),
                "activity_year": w.integers(np.array([y for (_, y), _ in rep])),
                "reports": w.integers(np.array([v for _, v in rep])),
            },
        ),
    )
    drng = state.stream(_STREAM_DEFECTS, -1)
    if state.defects != "none":
        # At least three errors, some not tied to a contact (as on the real error list).
        extra = max(3 - len(state.lpr_errors["error_id"]), 0) + 1
        regions = state.scope.regions[drng.integers(0, len(state.scope.regions), extra)]
        days = year_start(state.years[0]) + drng.integers(
            0, year_start(state.years[1] + 1) - year_start(state.years[0]), extra
        )
        _add_lpr_errors(state, regions, [None] * extra, days, drng)
    e = state.lpr_errors
    _emit(
        state,
        "lpr_error_list",
        w.make_table(
            "lpr_error_list",
            {
                "error_id": pa.array(e["error_id"], type=pa.string()),
                "region_code": w.integers(np.array(e["region_code"], dtype=np.int64)),
                "contact_id": pa.array(e["contact_id"], type=pa.string()),
                "error_code": pa.array(e["error_code"], type=pa.string()),
                "listed_on": w.dates(np.array(e["listed_on"], dtype=np.int64)),
            },
        ),
    )
    state.log.lpr_errors = list(e["error_id"])
    state.log.lpr_errors_with_contact = sum(c is not None for c in e["contact_id"])
    # Bookings equal the statements exactly: full financing and co-financing per region.
    totals: dict[tuple[int, int, str], int] = {}
    for row in state.expected.full_financing_rows():
        key = (int(state.region_of[row["municipality_code"]]), row["year"], row["category"])
        totals[key] = totals.get(key, 0) + int(row["amount_ore"])
    for row in state.expected.co_financing_rows():
        key = (int(state.region_of[row["municipality_code"]]), row["year"], "medfinansiering")
        totals[key] = totals.get(key, 0) + int(row["co_financing_ore"])
    b = admin.split_bookings(totals, rng)
    _emit(
        state,
        "accounting_bookings",
        w.make_table(
            "accounting_bookings",
            {
                "region_code": w.integers(np.array(b["region_code"], dtype=np.int64)),
                "fiscal_year": w.integers(np.array(b["fiscal_year"], dtype=np.int64)),
                "activity_year": w.integers(np.array(b["activity_year"], dtype=np.int64)),
                "category": pa.array(b["category"], type=pa.string()),
                "amount_dkk": w.money(np.array(b["amount_ore"], dtype=np.int64)),
            },
        ),
    )
    log = admin.delivery_log(state.years, rng)
    pub = np.array(log["published_on"])
    asof = np.array(log["data_as_of"])
    _emit(
        state,
        "delivery_log",
        w.make_table(
            "delivery_log",
            {
                "system": pa.array(log["system"], type=pa.string()),
                "period_month": w.dates(np.array(log["period_month"])),
                "published_on": w.dates(np.maximum(pub, 0), null_mask=pub < 0),
                "data_as_of": w.dates(np.maximum(asof, 0), null_mask=asof < 0),
            },
        ),
    )
    if state.defects == "dirty":
        _write_dirty(state, n_persons)


def _write_projection(state: RunState) -> None:
    """The population projection (medfin.generate.projection) of every municipality with
    residents on 1 January of the last year, from that day on."""
    jump_off_year = state.years[1]
    counts = state.population.counts[-1]  # (municipality code, sex, age) on 1 January
    munis = np.array([m for m in state.scope.municipalities if counts[m].sum() > 0])
    projected = project_population(
        counts[munis], munis, jump_off_year, horizon_years(jump_off_year)
    ).rows()
    _emit(
        state,
        "population_projection",
        w.make_table(
            "population_projection",
            {
                name: w.integers(values) if name != "sex" else pa.array(values)
                for name, values in projected.items()
            },
        ),
    )


def _write_dirty(state: RunState, n_persons: int) -> None:
    cnt = state.counters
    # Dirty keys are the next unused number plus one more digit: longer than every clean id of the
    # table (fixed width), so they can never collide with one.
    fresh = {
        "persons": f"P{n_persons + 1:09d}",
        "drg_courses": f"DF{cnt.course + 1:010d}",
        "drg_contacts": f"DK{cnt.contact + 1:010d}",
        "drg_procedures": f"DP{cnt.procedure + 1:011d}",
        "psychiatric_contacts": f"PK{cnt.psych + 1:010d}",
        "practice_services": f"YS{cnt.service + 1:011d}",
        "full_financing_events": f"FF{cnt.event + 1:010d}",
    }
    rows = dirty_rows(state.samples, fresh)
    by_table: dict[str, list] = {}
    for r in rows:
        by_table.setdefault(r.table, []).append(r)
    # A patient with no residence at all: one course and contact, valid rows, no CPR address.
    ghost = f"{fresh['persons']}9"
    course = dict(
        state.samples["drg_courses"].slice(0, 1).to_pylist()[0],
        course_id=f"{fresh['drg_courses']}9",
        person_id=ghost,
    )
    contact = dict(
        state.samples["drg_contacts"].slice(0, 1).to_pylist()[0],
        contact_id=f"{fresh['drg_contacts']}9",
        course_id=course["course_id"],
        person_id=ghost,
    )
    person = dict(
        state.samples["persons"].slice(0, 1).to_pylist()[0], person_id=ghost, death_date=None
    )
    state.log.no_residence = {
        "person_ids": [ghost],
        "course_ids": [course["course_id"]],
        "contact_ids": [contact["contact_id"]],
    }
    extra_clean = {"persons": [person], "drg_courses": [course], "drg_contacts": [contact]}
    for table in sorted(set(by_table) | set(extra_clean)):
        first_row = state.writer.rows.get(table, 0) + 1
        values = [r.values for r in by_table.get(table, [])] + extra_clean.get(table, [])
        for i, r in enumerate(by_table.get(table, [])):
            state.log.malformed_rows.append(
                {
                    "table": table,
                    "row_number": first_row + i,
                    "reason": r.reason,
                    "column": r.column,
                    "key": record_key(table, r.values),
                }
            )
        state.writer.write(table, append_rows(state.samples[table], values))


def _write_manifest_and_expected(state: RunState, fmt: str) -> dict[str, Any]:
    first, last = state.years
    tables = state.writer.close()
    contract = load_contract()
    manifest: dict[str, Any] = {
        "contract_version": contract.version,
        # The newest contract version whose tables the delivery holds (1.0 without projection).
        MINOR_VERSION_KEY: max(int(contract.table(t).added_in.split(".")[1]) for t in tables),
        "delivery_id": f"synthetic-{state.scope.scale}-{first}-{last}-seed{state.seed}",
        "extracted_at": f"{last + 1}-03-10T06:00:00",
        "period": {"from": str(date(first, 1, 1)), "to": str(date(last, 12, 31))},
        "tables": tables,
        "generator": {
            "name": "medfin generate",
            "version": GENERATOR_VERSION,
            "scale": state.scope.scale,
            "seed": state.seed,
            "defects": state.defects,
            "municipalities": [int(m) for m in state.scope.municipalities],
            "regions": [int(r) for r in state.scope.regions],
        },
    }
    if fmt == "csv":
        manifest["csv"] = {"delimiter": w.CSV_DELIMITER, "decimal": ","}
    (state.out / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    expected = _expected_document(state)
    (state.out / "expected.json").write_text(
        json.dumps(expected, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return manifest


def _expected_document(state: RunState) -> dict[str, Any]:
    log = state.log
    moves = [
        dict(
            m,
            person_id=f"P{m['person_index'] + 1:09d}",
            course_id=f"DF{m['course_index'] + 1:010d}",
        )
        for m in state.moves_during_course
    ]
    for m in moves:
        del m["person_index"], m["course_index"]
    criteria, kept = state.indicators.proximity_rows()
    return {
        "about": "Ground truth for this delivery: planted defects with their ids, and financing "
        "totals computed by medfin.generate.expected (an independent implementation of "
        "docs/financing-rules.md reading the same seeds), readmissions and proximity-financing "
        "criteria per region and year computed by medfin.generate.expected_indicators (an "
        "independent implementation of docs/indicators.md). Money is in øre (integers).",
        "defect_profile": state.defects,
        "defects": {
            "contacts_missing_from_drg": {
                "count": len(log.missing_contacts),
                "contact_ids": log.missing_contacts,
            },
            "lpr_errors": {
                "count": len(log.lpr_errors),
                "with_contact": log.lpr_errors_with_contact,
                "error_ids": log.lpr_errors,
            },
            "municipality_mismatch": {
                "count": len(log.municipality_mismatch),
                "contacts": log.municipality_mismatch,
            },
            "malformed_rows": {"count": len(log.malformed_rows), "rows": log.malformed_rows},
            "no_residence": log.no_residence,
        },
        "cases": {"moves_during_course": moves},
        "totals": {
            "co_financing": state.expected.co_financing_rows(),
            "full_financing": state.expected.full_financing_rows(),
            "lpr_reports": [
                {"region_code": r, "year": y, "reports": v}
                for (r, y), v in sorted(state.reports.reports.items())
            ],
            "rows": dict(state.writer.rows),
            "readmissions": state.indicators.readmission_rows(),
            "proximity_financing": {"criteria": criteria, "regions": kept},
        },
    }
