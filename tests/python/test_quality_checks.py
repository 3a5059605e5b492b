"""Reconciliation, settlement and timeliness marts against independent figures, and every
quality-mart check made to fail on purpose.

Independent figures: expected.json (the generator's own rule implementation), the delivered Parquet
files read with pyarrow, and the generator's deadline function. One tampered copy of the default
delivery makes the checks fail: one krone too many in a full-financing booking and in a
co-financing booking, every update of one publishing system missing, extra LPR errors, and
hospitals reporting the wrong municipality for 40 contacts. The tampered delivery and a lowered
ceiling seed are built by warehouses.rebuild: on a copy of the shared default build, dbt rebuilds
what they change.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from deliveries import rewrite_table
from medfin.build import BuildError
from medfin.generate.admin import publication_deadline
from medfin.project import seeds_dir
from warehouses import Built, built, project_copy, rebuild, tampered_copy

ONE_KRONE = Decimal("1.00")
MISSING_SYSTEM = "Sundhedsdata på tværs"
EXTRA_LPR_ERRORS = 12
MISREPORTED_CONTACTS = 40


def _region_of() -> dict[int, int]:
    with (seeds_dir() / "municipalities.csv").open(encoding="utf-8") as fh:
        return {int(r["municipality_code"]): int(r["region_code"]) for r in csv.DictReader(fh)}


def _checks(b: Built) -> dict[str, tuple[str, str, int, int]]:
    """check_name -> (severity, status, violating, denominator) of the latest run's mart checks."""
    rows = b.query(
        "select check_name, severity, status, violating_rows, denominator_rows"
        " from quality.check_results where checked_by = 'quality_mart' and run_id = ("
        " select run_id from quality.check_results order by run_at desc limit 1)"
    )
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}


# ------------------------------------------------------------------ against independent figures


@pytest.mark.parametrize("defects", ["none", "default"])
def test_full_financing_statement_equals_expected(defects: str) -> None:
    b = built(defects)
    region = _region_of()
    expected: dict[tuple[int, int, str], Decimal] = defaultdict(Decimal)
    for row in b.expected["totals"]["full_financing"]:
        key = (region[row["municipality_code"]], row["year"], row["category"])
        expected[key] += Decimal(row["amount_ore"]) / 100
    rows = b.query(
        "select region_code, activity_year, category, statement_dkk, booked_total_dkk,"
        " difference_dkk, is_reconciled from quality.full_financing_reconciliation"
    )
    assert {(r[0], r[1], r[2]): r[3] for r in rows} == expected
    assert all(r[4] == r[3] and r[5] == 0 and r[6] for r in rows)


@pytest.mark.parametrize("defects", ["none", "default"])
def test_bookings_total_equals_the_delivered_file(defects: str) -> None:
    b = built(defects)
    bookings = pq.read_table(b.delivery / "accounting_bookings.parquet").to_pylist()
    booked: dict[tuple[int, int, str], Decimal] = defaultdict(Decimal)
    following: dict[tuple[int, int, str], Decimal] = defaultdict(Decimal)
    for row in bookings:
        key = (row["region_code"], row["activity_year"], row["category"])
        booked[key] += Decimal(row["amount_dkk"])
        if row["fiscal_year"] == row["activity_year"] + 1:
            following[key] += Decimal(row["amount_dkk"])
    rows = b.query(
        "select region_code, activity_year, category, booked_total_dkk,"
        " booked_following_year_dkk from quality.full_financing_reconciliation"
    )
    for r in rows:
        assert booked[(r[0], r[1], r[2])] == r[3]
        assert following[(r[0], r[1], r[2])] == r[4]
    settlement = b.query(
        "select region_code, activity_year, booked_dkk from quality.co_financing_settlement"
    )
    for r in settlement:
        assert booked[(r[0], r[1], "medfinansiering")] == r[2]


def test_co_financing_settlement_against_expected_and_seeds() -> None:
    b = built("default")
    region = _region_of()
    expected: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for row in b.expected["totals"]["co_financing"]:
        expected[(region[row["municipality_code"]], row["year"])] += (
            Decimal(row["co_financing_ore"]) / 100
        )
    rows = b.query(
        "select region_code, activity_year, activity_based_dkk, ceiling_dkk, excess_to_state_dkk,"
        " region_income_dkk, aconto_paid_dkk, difference_dkk, booked_difference_dkk"
        " from quality.co_financing_settlement"
    )
    assert {(r[0], r[1]): r[2] for r in rows} == expected
    (row,) = [r for r in rows if (r[0], r[1]) == (1082, 2021)]
    _, _, activity, ceiling, excess, income, aconto, difference, booked_difference = row
    # seeds co_financing_ceilings, co_financing_aconto: Region Midtjylland 2021
    # (docs/domain.md#aconto-and-ceiling)
    assert ceiling == Decimal("4354000000.00")
    assert aconto == Decimal("401700000.00") * 12
    assert excess == max(activity - ceiling, Decimal(0))
    assert income == activity - excess
    assert difference == aconto - income
    assert booked_difference == 0


def test_publication_timeliness_equals_the_generators_deadlines() -> None:
    b = built("default")
    log = pq.read_table(b.delivery / "delivery_log.parquet").to_pylist()
    rows = {
        (r[0], r[1]): r[2:]
        for r in b.query(
            "select system, period_month, deadline, published_on, days_late, status"
            " from quality.publication_timeliness"
        )
    }
    assert len(rows) == len(log)
    for entry in log:
        deadline = publication_deadline(entry["period_month"])
        published = entry["published_on"]
        if published is None:
            expected = (deadline, None, None, "missed")
        else:
            late = (published - deadline).days
            expected = (deadline, published, late, "late" if late > 0 else "on_time")
        assert rows[(entry["system"], entry["period_month"])] == expected
    # the 17th of April 2021 is a Saturday: the deadline is Monday the 19th
    assert publication_deadline(date(2021, 4, 1)) == date(2021, 4, 19)
    assert rows[("eSundhed KMF", date(2021, 4, 1))][0] == date(2021, 4, 19)


def test_clean_delivery_passes_every_quality_mart_check() -> None:
    checks = _checks(built("none"))
    assert checks["contacts_not_found_share"][1:3] == ("passed", 0)
    assert checks["rows_quarantined"][1:3] == ("passed", 0)
    failing = {name: c for name, c in checks.items() if c[1] == "failed"}
    assert failing == {}
    # no closed period yet on a first build: nothing to compare
    assert checks["golden_figures_unchanged"][1] == "not_applicable"


def test_planted_defects_are_reported() -> None:
    default = _checks(built("default"))
    planted = built("default").expected["defects"]["contacts_missing_from_drg"]["count"]
    assert default["contacts_not_found_share"][:3] == ("warning", "failed", planted)
    dirty = built("dirty")
    malformed = dirty.expected["defects"]["malformed_rows"]["count"]
    assert _checks(dirty)["rows_quarantined"][:3] == ("warning", "failed", malformed)
    assert _checks(dirty)["row_conservation"][1:3] == ("passed", 0)


# ------------------------------------------------------------------ made to fail on purpose


@dataclass(frozen=True)
class Tampered:
    candidate: Built
    error: BuildError
    full_financing_key: tuple[int, int, str]
    co_financing_key: tuple[int, int]
    misreported: frozenset[str]


@pytest.fixture(scope="module")
def tampered(tmp_path_factory: pytest.TempPathFactory) -> Tampered:
    base = built("default")
    root = tmp_path_factory.mktemp("tampered-checks")
    delivery = tampered_copy(base, root)

    # One krone too many in the first full-financing booking and the first co-financing booking.
    path = delivery / "accounting_bookings.parquet"
    bookings = pq.read_table(path)
    rows = bookings.to_pylist()
    first_full = next(i for i, r in enumerate(rows) if r["category"] != "medfinansiering")
    first_co = next(i for i, r in enumerate(rows) if r["category"] == "medfinansiering")
    for i in (first_full, first_co):
        rows[i]["amount_dkk"] += ONE_KRONE
    rewrite_table(
        delivery, "accounting_bookings", pa.Table.from_pylist(rows, schema=bookings.schema)
    )
    full_key = (
        rows[first_full]["region_code"],
        rows[first_full]["activity_year"],
        rows[first_full]["category"],
    )
    co_key = (rows[first_co]["region_code"], rows[first_co]["activity_year"])

    # One publishing system published nothing all year.
    path = delivery / "delivery_log.parquet"
    log = pq.read_table(path)
    missing = pc.equal(log.column("system"), MISSING_SYSTEM)
    nulls = pa.nulls(log.num_rows, log.schema.field("published_on").type)
    log = log.set_column(
        log.schema.get_field_index("published_on"),
        "published_on",
        pc.if_else(missing, nulls, log.column("published_on")),
    )
    rewrite_table(delivery, "delivery_log", log)

    # More LPR errors in region 1082.
    path = delivery / "lpr_error_list.parquet"
    errors = pq.read_table(path)
    extra = [
        {
            "error_id": f"LE9{i:07d}",
            "region_code": 1082,
            "contact_id": None,
            "error_code": "E1002",
            "listed_on": date(2021, 6, 1) + timedelta(days=i),
        }
        for i in range(EXTRA_LPR_ERRORS)
    ]
    extra_errors = pa.Table.from_pylist(extra, schema=errors.schema)
    rewrite_table(delivery, "lpr_error_list", pa.concat_tables([errors, extra_errors]))

    # Hospitals report Aarhus (751) for contacts of people who live elsewhere.
    path = delivery / "drg_contacts.parquet"
    contacts = pq.read_table(path)
    reported = contacts.column("municipality_code").to_pylist()
    ids = contacts.column("contact_id").to_pylist()
    misreported: set[str] = set()
    for i, code in enumerate(reported):
        if len(misreported) < MISREPORTED_CONTACTS and code != 751:
            reported[i] = 751
            misreported.add(ids[i])
    index = contacts.schema.get_field_index("municipality_code")
    contacts = contacts.set_column(
        index,
        contacts.schema.field(index),
        pa.array(reported, type=contacts.schema.field(index).type),
    )
    rewrite_table(delivery, "drg_contacts", contacts)

    with pytest.raises(BuildError) as stopped:
        rebuild(base, delivery, root / "medfin.duckdb")
    assert stopped.value.candidate is not None
    assert not (root / "medfin.duckdb").exists()  # nothing was published
    return Tampered(
        candidate=Built(delivery, stopped.value.candidate),
        error=stopped.value,
        full_financing_key=full_key,
        co_financing_key=co_key,
        misreported=frozenset(misreported),
    )


def test_one_krone_too_many_fails_the_full_financing_reconciliation(tampered: Tampered) -> None:
    region, year, category = tampered.full_financing_key
    rows = tampered.candidate.query(
        "select region_code, activity_year, category, difference_dkk, is_reconciled"
        " from quality.full_financing_reconciliation where not is_reconciled"
    )
    assert rows == [(region, year, category, ONE_KRONE, False)]
    assert _checks(tampered.candidate)["full_financing_reconciled"][:3] == ("error", "failed", 1)


def test_one_krone_too_many_fails_the_co_financing_bookings(tampered: Tampered) -> None:
    rows = tampered.candidate.query(
        "select region_code, activity_year, booked_difference_dkk"
        " from quality.co_financing_settlement where not is_reconciled"
    )
    assert rows == [(*tampered.co_financing_key, ONE_KRONE)]
    checks = _checks(tampered.candidate)
    assert checks["co_financing_bookings_reconciled"][:3] == ("error", "failed", 1)


def test_the_gate_names_the_failed_checks_and_where_to_look(tampered: Tampered) -> None:
    stopped = {c.check_name for c in tampered.error.failed_checks}
    assert {"full_financing_reconciled", "co_financing_bookings_reconciled"} <= stopped
    # warnings never stop publication
    assert not {"publications_on_time", "lpr_error_share", "residence_disagreement_share"} & stopped
    message = str(tampered.error)
    assert "quality.full_financing_reconciliation" in message
    assert "quality.co_financing_settlement" in message


def test_missing_publications_fail_timeliness(tampered: Tampered) -> None:
    statuses = dict(
        tampered.candidate.query(
            "select status, count(*) from quality.publication_timeliness"
            f" where system = '{MISSING_SYSTEM}' group by status"
        )
    )
    assert statuses == {"missed": 12}
    assert _checks(tampered.candidate)["publications_on_time"][:2] == ("warning", "failed")


def test_extra_lpr_errors_fail_the_error_share(tampered: Tampered) -> None:
    base = dict(
        built("default").query(
            "select activity_year, listed_errors from quality.lpr_error_rate"
            " where region_code = 1082"
        )
    )
    now = dict(
        tampered.candidate.query(
            "select activity_year, listed_errors from quality.lpr_error_rate"
            " where region_code = 1082"
        )
    )
    assert now[2021] == base.get(2021, 0) + EXTRA_LPR_ERRORS
    assert _checks(tampered.candidate)["lpr_error_share"][:2] == ("warning", "failed")


def test_misreported_municipalities_fail_residence_agreement(tampered: Tampered) -> None:
    # CPR residence at contact start, from the untampered build
    residence = dict(
        built("default").query(
            "select contact_id, residence_municipality_code from core.fct_contacts"
        )
    )
    disagreeing = {c for c in tampered.misreported if residence.get(c) != 751}
    assert len(disagreeing) > MISREPORTED_CONTACTS // 2
    found = {
        r[0]
        for r in tampered.candidate.query(
            "select contact_id from quality.residence_agreement"
            " where reported_municipality_code = 751 and source_table = 'drg_contacts'"
        )
    }
    assert found == disagreeing
    checks = _checks(tampered.candidate)
    assert checks["residence_disagreement_share"][:2] == ("warning", "failed")


def test_activity_above_the_ceiling_sends_the_excess_to_the_state(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A ceiling below the region's activity: the excess goes to the state and the warning check
    fails, but the warehouse is still published (a warning never stops publication)."""
    root = tmp_path_factory.mktemp("ceiling")
    project = project_copy(root)
    ceiling = Decimal("1000000.00")
    (project / "seeds" / "co_financing_ceilings.csv").write_text(
        "region_code,year,ceiling_dkk,status,source\n"
        f"1082,2021,{ceiling},illustrative,test: a ceiling below the tiny region's activity\n",
        encoding="utf-8",
    )
    base = built("default")
    # dbt rebuilds the changed seed and what reads it, on a copy of the shared build
    result = rebuild(
        base,
        base.delivery,
        root / "medfin.duckdb",
        select=["co_financing_ceilings+"],
        project=project,
    )
    assert result.published
    b = Built(built("default").delivery, result.warehouse)
    ((activity, excess, income),) = b.query(
        "select activity_based_dkk, excess_to_state_dkk, region_income_dkk"
        " from quality.co_financing_settlement where region_code = 1082 and activity_year = 2021"
    )
    assert activity > ceiling
    assert excess == activity - ceiling
    assert income == ceiling
    assert _checks(b)["co_financing_within_ceiling"][:3] == ("warning", "failed", 1)
    assert any(w.check_name == "co_financing_within_ceiling" for w in result.warnings)
