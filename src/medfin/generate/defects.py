"""Defect profiles: what the quality checks must find.

`none`:    plants nothing.
`default`: plants what a real delivery tends to contain: contacts in the region's own records
           that are missing from the DRG data, an LPR error list near 0.001 % of reports, and
           contacts whose reported municipality disagrees with CPR residence.
`dirty`:   adds to `default` one malformed row for every rule the contract lets staging reject
           (null and duplicate keys, unknown municipality codes, end before start, CPR-like person
           ids, negative money, invalid codes) and a patient with no residence at all. Each
           malformed row breaks exactly one rule, is an extra row (clean rows stay as they are, so
           the financing totals do not change), and is listed in expected.json with its file row
           number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pyarrow as pa

from medfin.contract import load_contract

PROFILES = ("none", "default", "dirty")

# Contacts missing from the DRG data per contact (the audited 25 of 3,305,295 in 2021).
MISSING_CONTACT_SHARE = 25 / 3_305_295
MUNICIPALITY_MISMATCH_SHARE = 0.000005


def planted_count(share: float, n: int, minimum: int) -> int:
    return max(minimum, round(share * n))


@dataclass
class DirtyRow:
    table: str
    reason: str
    column: str
    values: dict[str, Any]


@dataclass
class DefectLog:
    """What was planted, for expected.json."""

    missing_contacts: list[str] = field(default_factory=list)
    municipality_mismatch: list[dict[str, Any]] = field(default_factory=list)
    lpr_errors: list[str] = field(default_factory=list)
    lpr_errors_with_contact: int = 0
    malformed_rows: list[dict[str, Any]] = field(default_factory=list)
    no_residence: dict[str, list[str]] = field(default_factory=dict)


def _row(table: pa.Table, i: int) -> dict[str, Any]:
    return {name: table.column(name)[i].as_py() for name in table.column_names}


def dirty_rows(samples: dict[str, pa.Table], fresh_id: dict[str, str]) -> list[DirtyRow]:
    """Malformed copies of clean sample rows; each breaks exactly one rule.

    fresh_id gives, per table, an unused key value prefix so that copies never collide with clean
    rows (a duplicated key is planted as two new rows sharing one new key).
    """
    rows: list[DirtyRow] = []

    def copy(table: str, i: int = 0, **changes: Any) -> dict[str, Any]:
        values = _row(samples[table], i)
        values.update(changes)
        return values

    def add(table: str, reason: str, column: str, **changes: Any) -> None:
        rows.append(DirtyRow(table, reason, column, copy(table, **changes)))

    def dup(table: str, key: str, new: str) -> None:
        for i in (0, 1):
            rows.append(DirtyRow(table, "duplicate_key", key, copy(table, i, **{key: new})))

    f = fresh_id
    # persons
    add("persons", "null_key", "person_id", person_id=None)
    add("persons", "cpr_like_person_id", "person_id", person_id="0101901234")
    add("persons", "cpr_like_person_id", "person_id", person_id="150372-1234")
    dup("persons", "person_id", f["persons"] + "1")
    add("persons", "invalid_code", "sex", person_id=f["persons"] + "2", sex="X")
    # residence
    add("residence", "unknown_municipality", "municipality_code", municipality_code=999)
    r = _row(samples["residence"], 0)
    add("residence", "end_before_start", "valid_to", valid_to=r["valid_from"] - _days(3))
    add("residence", "null_key", "person_id", person_id=None)
    # DRG courses
    add("drg_courses", "null_key", "course_id", course_id=None)
    dup("drg_courses", "course_id", f["drg_courses"] + "1")
    c = _row(samples["drg_courses"], 0)
    add(
        "drg_courses",
        "end_before_start",
        "course_end",
        course_id=f["drg_courses"] + "2",
        course_end=c["course_start"] - _minutes(90),
    )
    add(
        "drg_courses",
        "negative_value",
        "tariff_dkk",
        course_id=f["drg_courses"] + "3",
        tariff_dkk=-abs(c["tariff_dkk"]) - Decimal("1.00"),
    )
    add(
        "drg_courses",
        "invalid_code",
        "drg_code",
        course_id=f["drg_courses"] + "4",
        drg_code="4MA14X",
    )
    # DRG contacts
    add("drg_contacts", "null_key", "contact_id", contact_id=None)
    dup("drg_contacts", "contact_id", f["drg_contacts"] + "1")
    k = _row(samples["drg_contacts"], 0)
    add(
        "drg_contacts",
        "end_before_start",
        "end_ts",
        contact_id=f["drg_contacts"] + "2",
        end_ts=k["start_ts"] - _minutes(30),
    )
    add(
        "drg_contacts",
        "unknown_municipality",
        "municipality_code",
        contact_id=f["drg_contacts"] + "3",
        municipality_code=999,
    )
    add(
        "drg_contacts",
        "cpr_like_person_id",
        "person_id",
        contact_id=f["drg_contacts"] + "4",
        person_id="2412851234",
    )
    add(
        "drg_contacts",
        "invalid_code",
        "action_diagnosis",
        contact_id=f["drg_contacts"] + "5",
        action_diagnosis=str(k["action_diagnosis"])[1:],
    )
    # secondary diagnoses and procedures
    d = _row(samples["drg_diagnoses"], 0)
    add(
        "drg_diagnoses",
        "invalid_code",
        "diagnosis_code",
        diagnosis_code=str(d["diagnosis_code"])[1:],
    )
    add("drg_diagnoses", "null_key", "contact_id", contact_id=None)
    add("drg_procedures", "null_key", "procedure_id", procedure_id=None)
    dup("drg_procedures", "procedure_id", f["drg_procedures"] + "1")
    # psychiatry
    p = _row(samples["psychiatric_contacts"], 0)
    add(
        "psychiatric_contacts",
        "end_before_start",
        "end_ts",
        contact_id=f["psychiatric_contacts"] + "1",
        end_ts=p["start_ts"] - _minutes(15),
    )
    add(
        "psychiatric_contacts",
        "unknown_municipality",
        "municipality_code",
        contact_id=f["psychiatric_contacts"] + "2",
        municipality_code=0,
    )
    # practice
    s = _row(samples["practice_services"], 0)
    add(
        "practice_services",
        "negative_value",
        "fee_dkk",
        service_id=f["practice_services"] + "1",
        fee_dkk=-abs(s["fee_dkk"]),
    )
    add(
        "practice_services",
        "null_key",
        "person_id",
        service_id=f["practice_services"] + "2",
        person_id=None,
    )
    dup("practice_services", "service_id", f["practice_services"] + "3")
    add(
        "practice_services",
        "unknown_municipality",
        "municipality_code",
        service_id=f["practice_services"] + "4",
        municipality_code=1000,
    )
    # full financing
    add("full_financing_events", "null_key", "event_id", event_id=None)
    add(
        "full_financing_events",
        "negative_value",
        "quantity",
        event_id=f["full_financing_events"] + "1",
        quantity=-2,
    )
    # population projection (contract 1.1; a delivery without one plants none): each row gets a
    # key of its own, a year before the projection's first
    if "population_projection" in samples:
        table = "population_projection"
        first = _row(samples[table], 0)["year"]
        add(table, "null_key", "year", year=None)
        add(table, "invalid_code", "sex", year=first - 1, sex="X")
        add(table, "negative_value", "persons", year=first - 2, persons=-3)
        add(table, "unknown_municipality", "municipality_code", year=first - 3,
            municipality_code=999)  # fmt: skip
        key = ", ".join(load_contract().table(table).key or ())
        for _ in range(2):  # two copies of one row under a new key
            rows.append(DirtyRow(table, "duplicate_key", key, copy(table, year=first - 4)))
    return rows


def _days(n: int):  # noqa: ANN202 - a timedelta
    from datetime import timedelta

    return timedelta(days=n)


def _minutes(n: int):  # noqa: ANN202
    from datetime import timedelta

    return timedelta(minutes=n)


def record_key(table: str, values: dict[str, Any]) -> str | None:
    """A row's key as staging records it (stg_medfin__quarantine.record_key): the contract key as
    text, '|' between the parts of a composite key (a null part empty); None for a table without
    a key and for a null single key."""
    key = load_contract().table(table).key
    if not key:
        return None
    parts = ["" if values.get(column) is None else str(values[column]) for column in key]
    if len(key) == 1:
        return parts[0] or None
    return "|".join(parts)


def append_rows(table: pa.Table, rows: list[dict[str, Any]]) -> pa.Table:
    """The rows as a table with the clean table's schema (types enforced)."""
    return pa.Table.from_pylist(rows, schema=table.schema)
