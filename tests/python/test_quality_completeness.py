"""Quality marts 1-5 (completeness, contacts not found, LPR error rate, row conservation, residence
agreement) against the generator's ground truth (expected.json), and each check made to fail on
purpose.

The profile builds are the session's shared tiny builds (warehouses.built). Two more builds prove
the checks react: `tampered`, a copy of the default delivery with one change per check (a DRG
contact deleted, one quarantined, one reported municipality changed, one person's residence
removed, an LPR error added, the optional report counts left out), built by warehouses.rebuild (dbt
rebuilds what the changed tables feed, on a copy of the shared default build), and
`conservation_broken`, which re-runs the row_conservation model and its tests with dbt against a
copy of the dirty warehouse whose quarantine and delivery audit no longer agree with the delivered
files.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from deliveries import rewrite_table, update_manifest
from medfin.build import BuildError, Dbt, dbt_env, environ, work_dir
from medfin.contract import load_contract
from warehouses import Built, built, rebuild, tampered_copy

PROFILES = ["none", "default", "dirty"]


def _column(b: Built, sql: str) -> list[Any]:
    return [row[0] for row in b.query(sql)]


def _planted_missing(b: Built) -> list[str]:
    return sorted(b.expected["defects"]["contacts_missing_from_drg"]["contact_ids"])


def _no_residence_contacts(b: Built) -> list[str]:
    return sorted(b.expected["defects"]["no_residence"].get("contact_ids", []))


# -- contact completeness and contacts not found --------------------------------------------------


@pytest.mark.parametrize("defects", PROFILES)
def test_contacts_not_found_are_exactly_the_planted_ones(defects: str) -> None:
    b = built(defects)
    got = sorted(_column(b, "select contact_id from quality.contacts_not_found"))
    assert got == _planted_missing(b)
    if defects == "none":
        assert got == []
    else:
        assert len(got) == b.expected["defects"]["contacts_missing_from_drg"]["count"] > 0


def test_contacts_not_found_carry_unit_hospital_and_start() -> None:
    b = built("default")
    rows = b.query("""
        select nf.contact_id, nf.region_code, nf.sor_code, nf.unit_name, nf.hospital_code,
               nf.contact_start, nf.activity_year, nf.activity_month,
               epj.region_code, epj.sor_code, epj.contact_start, site.unit_name, site.hospital_code
        from quality.contacts_not_found as nf
        join staging.stg_medfin__epj_contacts as epj using (contact_id)
        join core.dim_treatment_site as site on site.sor_code = epj.sor_code""")
    assert len(rows) == len(_planted_missing(b))
    for _, region, sor, unit, hospital, start, year, month, *truth in rows:
        assert (region, sor, start, unit, hospital) == tuple(truth)
        assert unit and hospital
        assert (year, month) == (start.year, start.month)


@pytest.mark.parametrize("defects", PROFILES)
def test_completeness_counts_add_up(defects: str) -> None:
    b = built(defects)
    assert not [
        r for r in b.expected["defects"]["malformed_rows"]["rows"] if r["table"] == "epj_contacts"
    ], "the sums below assume every delivered EPJ row is staged"
    rows = b.query("""
        select region_code, activity_year, activity_month, contacts_in_region_records,
               found_in_drg, not_found, not_found_share
        from quality.contact_completeness""")
    assert rows
    for *_, total, found, not_found, share in rows:
        assert found + not_found == total
        assert share == pytest.approx(not_found / total)
    delivered = b.expected["totals"]["rows"]["epj_contacts"]
    assert sum(r[3] for r in rows) == delivered
    assert b.query("select count(*) from staging.stg_medfin__epj_contacts") == [(delivered,)]
    missing = _planted_missing(b)
    assert sum(r[5] for r in rows) == len(missing)
    assert sum(r[4] for r in rows) == delivered - len(missing)
    # Per month, not_found counts the listed contacts of that month.
    listed = Counter(
        b.query("""
            select region_code, activity_year, activity_month from quality.contacts_not_found""")
    )
    assert {r[:3]: r[5] for r in rows if r[5]} == dict(listed)


# -- LPR error rate --------------------------------------------------------------------------------


@pytest.mark.parametrize("defects", PROFILES)
def test_lpr_error_rate_counts_the_planted_errors_per_report(defects: str) -> None:
    b = built(defects)
    planted = b.expected["defects"]["lpr_errors"]
    staged = b.query("""
        select error_id, region_code, year(listed_on), contact_id is not null
        from staging.stg_medfin__lpr_errors order by error_id""")
    assert [r[0] for r in staged] == sorted(planted["error_ids"])
    rows = {
        (region, year): (listed, with_contact, reports, share)
        for region, year, listed, with_contact, reports, share in b.query("""
            select region_code, activity_year, listed_errors, errors_with_contact,
                   unique_reports, error_share
            from quality.lpr_error_rate""")
    }
    assert sum(v[0] for v in rows.values()) == planted["count"] == len(staged)
    assert sum(v[1] for v in rows.values()) == planted["with_contact"]
    per_key = Counter((region, year) for _, region, year, _ in staged)
    with_contact = Counter((region, year) for _, region, year, has in staged if has)
    reports = {
        (r["region_code"], r["year"]): r["reports"] for r in b.expected["totals"]["lpr_reports"]
    }
    assert reports, "expected.json lists no LPR report counts"
    # Every region-year with reports or errors has a row; one without errors shows 0, not null.
    assert set(rows) == set(reports) | set(per_key)
    for key, (listed, contact_errors, unique_reports, share) in rows.items():
        assert listed == per_key[key]
        assert contact_errors == with_contact[key]
        assert unique_reports == reports.get(key)
        assert share == pytest.approx(listed / unique_reports)
    if defects == "none":
        assert all(v[0] == 0 and v[3] == 0 for v in rows.values())


# -- residence agreement ---------------------------------------------------------------------------


def _agreement(b: Built, where: str = "true") -> set[tuple[Any, ...]]:
    return set(
        b.query(f"""
            select source_table, contact_id, reported_municipality_code,
                   residence_municipality_code, reason
            from quality.residence_agreement where {where}""")
    )


@pytest.mark.parametrize("defects", PROFILES)
def test_residence_agreement_lists_exactly_the_planted_mismatches(defects: str) -> None:
    b = built(defects)
    planted = b.expected["defects"]["municipality_mismatch"]
    want = {
        ("drg_contacts", c["contact_id"], c["reported"], c["residence"], "different_municipality")
        for c in planted["contacts"]
    }
    assert len(want) == planted["count"]
    assert _agreement(b, "reason = 'different_municipality'") == want
    if defects == "none":
        assert want == set()


@pytest.mark.parametrize("defects", PROFILES)
def test_residence_agreement_lists_exactly_the_planted_contacts_without_residence(
    defects: str,
) -> None:
    b = built(defects)
    got = _agreement(b, "reason = 'no_residence'")
    assert sorted(row[1] for row in got) == _no_residence_contacts(b)
    assert all(row[3] is None for row in got)
    if defects == "dirty":
        assert got, "the dirty profile plants a contact without residence"
        sql = "select person_id from quality.residence_agreement where reason = 'no_residence'"
        persons = set(_column(b, sql))
        assert persons <= set(b.expected["defects"]["no_residence"]["person_ids"])


def test_residence_agreement_rows_carry_person_start_and_region() -> None:
    b = built("default")
    rows = b.query("""
        select ra.person_id, ra.contact_start, ra.region_code, c.person_id, c.contact_start,
               s.region_code
        from quality.residence_agreement as ra
        join core.fct_contacts as c using (contact_id)
        join core.dim_treatment_site as s on s.sor_code = c.sor_code""")
    assert len(rows) == b.expected["defects"]["municipality_mismatch"]["count"]
    for person, start, region, *truth in rows:
        assert (person, start, region) == tuple(truth)
        assert not re.fullmatch(r"[0-9]{6}-?[0-9]{4}", person)


# -- row conservation ------------------------------------------------------------------------------


def _conservation(b: Built) -> dict[str, dict[str, Any]]:
    rows = b.query("""
        select source_table, delivered, file_name, manifest_rows, rows_read, rows_staged,
               rows_quarantined, quarantine_reasons, rows_unaccounted, sha256_status, is_conserved
        from quality.row_conservation""")
    names = [
        "delivered",
        "file_name",
        "manifest_rows",
        "rows_read",
        "rows_staged",
        "rows_quarantined",
        "quarantine_reasons",
        "rows_unaccounted",
        "sha256_status",
        "is_conserved",
    ]
    return {row[0]: dict(zip(names, row[1:], strict=True)) for row in rows}


def _manifest(delivery: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((delivery / "manifest.json").read_text(encoding="utf-8"))
    return manifest


@pytest.mark.parametrize("defects", PROFILES)
def test_row_conservation_holds_against_the_manifest(defects: str) -> None:
    b = built(defects)
    got = _conservation(b)
    tables = _manifest(b.delivery)["tables"]
    assert set(got) == set(tables) and len(got) == len(load_contract().tables)
    for name, row in got.items():
        entry = tables[name]
        assert row["delivered"] is True
        assert row["file_name"] == entry["file"]
        assert row["manifest_rows"] == row["rows_read"] == entry["rows"]
        assert row["rows_read"] == b.expected["totals"]["rows"][name]
        assert row["rows_staged"] + row["rows_quarantined"] == row["rows_read"]
        assert row["rows_unaccounted"] == 0
        assert row["sha256_status"] == "verified"
        assert row["is_conserved"] is True


def _reasons_text(counts: Counter[str]) -> str | None:
    return ", ".join(f"{reason}: {n}" for reason, n in sorted(counts.items())) or None


def test_row_conservation_reports_every_planted_quarantine_with_its_reason() -> None:
    b = built("dirty")
    planted = b.expected["defects"]["malformed_rows"]
    assert planted["count"] == len(planted["rows"]) > 0
    by_table: dict[str, Counter[str]] = {}
    for row in planted["rows"]:
        by_table.setdefault(row["table"], Counter())[row["reason"]] += 1
    got = _conservation(b)
    for name, row in got.items():
        reasons = by_table.get(name, Counter())
        assert row["rows_quarantined"] == sum(reasons.values()), name
        assert row["quarantine_reasons"] == _reasons_text(reasons), name
        assert row["is_conserved"] is True
    assert sum(row["rows_quarantined"] for row in got.values()) == planted["count"]


# -- each check made to fail on purpose: one tampered default delivery -----------------------------


@dataclass(frozen=True)
class Tampered:
    built: Built
    base: Built
    deleted: str  # DRG contact removed from the delivery
    quarantined: str  # DRG contact delivered with an invalid action diagnosis
    relocated: tuple[str, int, int]  # contact id, new reported municipality, its residence
    homeless_person: str  # person whose residence rows were removed
    homeless_contacts: frozenset[tuple[str, str, int]]  # (source table, contact id, reported)
    added_error: tuple[int, int]  # region and year of the LPR error added


def _set_value(table: pa.Table, key: str, key_value: str, column: str, value: Any) -> pa.Table:
    """`table` with `column` set to `value` in the rows whose `key` equals `key_value`."""
    index = table.schema.get_field_index(column)
    field = table.schema.field(index)
    keys = table.column(key).to_pylist()
    values = [
        value if k == key_value else v
        for k, v in zip(keys, table.column(column).to_pylist(), strict=True)
    ]
    return table.set_column(index, field, pa.array(values, field.type))


def _pick_contacts(base: Built) -> list[tuple[str, str, int, int]]:
    """DRG contacts that can vanish without orphaning a row: listed in EPJ, no diagnosis or
    procedure rows, not the first contact of their course, each of another course and person, none
    planted as a defect. Returns (contact_id, person_id, reported, residence)."""
    planted = {
        c["contact_id"] for c in base.expected["defects"]["municipality_mismatch"]["contacts"]
    }
    rows = base.query("""
        with ranked as (
            select contact_id, course_id, person_id, reported_municipality_code,
                   residence_municipality_code,
                   row_number() over (partition by course_id order by contact_start) as position
            from core.fct_contacts
            where municipality_agrees
        )
        select contact_id, course_id, person_id, reported_municipality_code,
               residence_municipality_code
        from ranked
        where position > 1
          and contact_id in (select contact_id from staging.stg_medfin__epj_contacts)
          and contact_id not in (select contact_id from staging.stg_medfin__drg_diagnoses)
          and contact_id not in (select contact_id from staging.stg_medfin__drg_procedures)
        order by contact_id""")
    picked: list[tuple[str, str, int, int]] = []
    seen: set[str] = set()
    for contact_id, course_id, person_id, reported, residence in rows:
        if contact_id in planted or course_id in seen or person_id in seen:
            continue
        seen |= {course_id, person_id}
        picked.append((contact_id, person_id, reported, residence))
    assert len(picked) >= 4, "the tiny default delivery has too few removable contacts"
    return picked[:4]


@pytest.fixture(scope="module")
def tampered(tmp_path_factory: pytest.TempPathFactory) -> Tampered:
    base = built("default")
    (deleted, _, _, _), (quarantined, _, _, _), relocated, homeless = _pick_contacts(base)
    root = tmp_path_factory.mktemp("quality-tampered")
    delivery = tampered_copy(base, root)

    # 1 contact missing from the DRG data, 1 quarantined (still delivered), 1 reported elsewhere.
    contacts = pq.read_table(delivery / "drg_contacts.parquet")
    contacts = contacts.filter(pc.not_equal(contacts["contact_id"], deleted))
    contacts = _set_value(contacts, "contact_id", quarantined, "action_diagnosis", "XX1")
    new_code = 101 if relocated[3] != 101 else 147
    contacts = _set_value(contacts, "contact_id", relocated[0], "municipality_code", new_code)
    rewrite_table(delivery, "drg_contacts", contacts)

    # A person without any residence period.
    residence = pq.read_table(delivery / "residence.parquet")
    homeless_residence = residence.filter(pc.not_equal(residence["person_id"], homeless[1]))
    rewrite_table(delivery, "residence", homeless_residence)

    # One more LPR error, in a region that had none.
    errors = pq.read_table(delivery / "lpr_error_list.parquet")
    added = {
        "error_id": "LE99999999",
        "region_code": 1083,
        "contact_id": None,
        "error_code": "E1002",
        "listed_on": date(2021, 5, 3),
    }
    extra = pa.Table.from_pylist([added], schema=errors.schema)
    rewrite_table(delivery, "lpr_error_list", pa.concat_tables([errors, extra]))

    # The optional report counts are not delivered.
    (delivery / "lpr_report_counts.parquet").unlink()
    update_manifest(delivery, lambda m: m["tables"].pop("lpr_report_counts"))

    warehouse = root / "medfin.duckdb"
    # A removed contact and a person without residence change the co-financing, so the region's
    # bookings no longer match and the gate refuses to publish; the marts are read from the
    # unpublished candidate. Nothing else may stop it.
    with pytest.raises(BuildError) as stopped:
        rebuild(base, delivery, warehouse)
    names = {c.check_name for c in stopped.value.failed_checks}
    assert names == {"co_financing_bookings_reconciled"}
    assert stopped.value.candidate is not None
    warehouse = stopped.value.candidate
    result = Built(delivery, warehouse)

    homeless_contacts = frozenset(
        base.query(f"""
            select 'drg_contacts', contact_id, reported_municipality_code
            from core.fct_contacts where person_id = '{homeless[1]}'
            union all
            select 'psychiatric_contacts', contact_id, reported_municipality_code
            from core.fct_psychiatric_stays where person_id = '{homeless[1]}'""")
    )
    return Tampered(
        built=result,
        base=base,
        deleted=deleted,
        quarantined=quarantined,
        relocated=(relocated[0], new_code, relocated[3]),
        homeless_person=homeless[1],
        homeless_contacts=homeless_contacts,
        added_error=(1083, 2021),
    )


def test_a_deleted_drg_contact_is_not_found(tampered: Tampered) -> None:
    t = tampered.built
    got = set(_column(t, "select contact_id from quality.contacts_not_found"))
    assert got == set(_planted_missing(tampered.base)) | {tampered.deleted}
    # A quarantined DRG row was delivered: not staged, yet found.
    assert tampered.quarantined not in got
    assert t.query(f"""
        select rejection_reason from staging.stg_medfin__quarantine
        where source_table = 'drg_contacts' and record_key = '{tampered.quarantined}'""") == [
        ("invalid_code",)
    ]
    assert t.query(f"""
        select count(*) from staging.stg_medfin__drg_contacts
        where contact_id = '{tampered.quarantined}'""") == [(0,)]


def test_a_deleted_drg_contact_raises_not_found_in_its_month(tampered: Tampered) -> None:
    sql = """
        select region_code, activity_year, activity_month, contacts_in_region_records,
               found_in_drg, not_found
        from quality.contact_completeness"""
    before = {r[:3]: r[3:] for r in tampered.base.query(sql)}
    after = {r[:3]: r[3:] for r in tampered.built.query(sql)}
    ((region, start),) = tampered.base.query(f"""
        select region_code, contact_start from staging.stg_medfin__epj_contacts
        where contact_id = '{tampered.deleted}'""")
    month = (region, start.year, start.month)
    total, found, not_found = before[month]
    assert after[month] == (total, found - 1, not_found + 1)
    assert {k: v for k, v in after.items() if k != month} == {
        k: v for k, v in before.items() if k != month
    }


def test_an_added_lpr_error_and_missing_report_counts_show(tampered: Tampered) -> None:
    rows = {
        (region, year): (listed, reports, share)
        for region, year, listed, reports, share in tampered.built.query("""
            select region_code, activity_year, listed_errors, unique_reports, error_share
            from quality.lpr_error_rate""")
    }
    base = tampered.base.expected["defects"]["lpr_errors"]["count"]
    assert sum(v[0] for v in rows.values()) == base + 1
    assert rows[tampered.added_error][0] == 1
    # Without report counts the denominator is unknown: null, never a share of 0 reports.
    assert rows and all(reports is None and share is None for _, reports, share in rows.values())


def test_a_changed_municipality_and_a_lost_residence_disagree(tampered: Tampered) -> None:
    got = _agreement(tampered.built)
    planted = {
        ("drg_contacts", c["contact_id"], c["reported"], c["residence"], "different_municipality")
        for c in tampered.base.expected["defects"]["municipality_mismatch"]["contacts"]
    }
    contact, reported, residence = tampered.relocated
    relocated = ("drg_contacts", contact, reported, residence, "different_municipality")
    assert tampered.homeless_contacts
    homeless = {
        (source, contact_id, code, None, "no_residence")
        for source, contact_id, code in tampered.homeless_contacts
    }
    assert got == planted | {relocated} | homeless


def test_an_absent_optional_table_is_conserved_as_not_delivered(tampered: Tampered) -> None:
    got = _conservation(tampered.built)
    assert got["lpr_report_counts"] == {
        "delivered": False,
        "file_name": None,
        "manifest_rows": None,
        "rows_read": 0,
        "rows_staged": 0,
        "rows_quarantined": 0,
        "quarantine_reasons": None,
        "rows_unaccounted": 0,
        "sha256_status": "not_delivered",
        "is_conserved": True,
    }
    contacts = got["drg_contacts"]
    assert (
        contacts["rows_read"]
        == contacts["manifest_rows"]
        == (tampered.base.expected["totals"]["rows"]["drg_contacts"] - 1)
    )
    assert (contacts["rows_quarantined"], contacts["quarantine_reasons"]) == (1, "invalid_code: 1")
    assert all(row["is_conserved"] for row in got.values())


# -- row conservation: the dbt test fails the build ------------------------------------------------

CONSERVATION_TEST = "test.medfin.row_conservation_every_table_conserved"


def _failed_nodes(error: BuildError) -> set[str]:
    """unique_ids of the nodes BuildError lists as failed, without the hash dbt appends to tests
    defined with a custom name."""
    nodes = re.findall(r"- (?:fail|error|runtime error): (\S+):", str(error))
    return {re.sub(r"\.[0-9a-f]{10}$", "", node) for node in nodes}


@dataclass(frozen=True)
class Broken:
    built: Built  # the tampered copy: staged delivery folder and warehouse
    failed: set[str]  # dbt nodes that failed after tampering
    persons_manifest_rows: int
    dropped_reason: str  # rejection reason of the quarantine row deleted


@pytest.fixture(scope="module")
def conservation_broken(tmp_path_factory: pytest.TempPathFactory) -> Broken:
    """Copy the dirty warehouse and its staged delivery; rebuild row_conservation (and the audit
    view it reads) with its tests once as it is (must pass), then after tampering: the audit
    claims one persons row more than the file holds, and one quarantined drg_courses row is
    deleted from the quarantine."""
    source = built("dirty")
    root = tmp_path_factory.mktemp("quality-conservation")
    warehouse = root / "medfin.duckdb"
    shutil.copy(source.warehouse, warehouse)
    staged = root / "staged"
    shutil.copytree(work_dir(source.warehouse) / "delivery", staged, symlinks=True)
    dbt = Dbt()
    args = [
        "build",
        "--select",
        # The audit view too: its SQL names the staged folder it was built from.
        "stg_medfin_build__delivery_audit",
        "row_conservation",
        "--target-path",
        str(root / "target"),
        "--log-path",
        str(root / "logs"),
    ]
    with environ(dbt_env(staged, "parquet", warehouse)):
        dbt.invoke(args)  # raises BuildError if the untampered copy fails

        audit = staged / "_delivery_audit.csv"
        with audit.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        fields = list(rows[0])
        (persons,) = [r for r in rows if r["source_table"] == "persons"]
        persons["manifest_rows"] = str(int(persons["manifest_rows"]) + 1)
        with audit.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)

        with duckdb.connect(str(warehouse)) as con:
            (reason,) = con.execute("""
                delete from staging.stg_medfin__quarantine
                where source_table = 'drg_courses'
                  and source_row_number = (
                      select min(source_row_number) from staging.stg_medfin__quarantine
                      where source_table = 'drg_courses')
                returning rejection_reason""").fetchone() or (None,)
        assert reason is not None

        with pytest.raises(BuildError) as failure:
            dbt.invoke(args)
    return Broken(
        built=Built(staged, warehouse),
        failed=_failed_nodes(failure.value),
        persons_manifest_rows=int(persons["manifest_rows"]),
        dropped_reason=str(reason),
    )


def test_row_conservation_test_fails_the_build_when_counts_disagree(
    conservation_broken: Broken,
) -> None:
    # The fixture ran the same command on the untouched copy first, and it passed.
    assert conservation_broken.failed == {CONSERVATION_TEST}


def test_row_conservation_names_the_tables_that_disagree(conservation_broken: Broken) -> None:
    got = _conservation(conservation_broken.built)
    assert {name for name, row in got.items() if not row["is_conserved"]} == {
        "persons",
        "drg_courses",
    }
    persons = got["persons"]
    assert persons["manifest_rows"] == conservation_broken.persons_manifest_rows
    assert persons["manifest_rows"] == persons["rows_read"] + 1
    assert persons["rows_unaccounted"] == 0
    courses = got["drg_courses"]
    assert courses["manifest_rows"] == courses["rows_read"]
    assert courses["rows_unaccounted"] == 1
    assert courses["rows_staged"] + courses["rows_quarantined"] == courses["rows_read"] - 1
    dirty = built("dirty")
    reasons = Counter(
        r["reason"]
        for r in dirty.expected["defects"]["malformed_rows"]["rows"]
        if r["table"] == "drg_courses"
    )
    reasons[conservation_broken.dropped_reason] -= 1
    assert courses["quarantine_reasons"] == _reasons_text(+reasons)
