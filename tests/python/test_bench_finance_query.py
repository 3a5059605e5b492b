"""The hand-written finance query of `medfin bench` (src/medfin/bench/finance_query.sql) gives the
finance marts' figures to the øre, and its comparison with the marts fails when they differ.

The query is the benchmark's lower bound for the dbt finance path, and a second implementation of
the financing and staging rules: the shared tiny builds of every defect profile (and the dirty one
in CSV) must agree with it per municipality x month x area (co-financing) and x category (full
financing). A tampered delivery plants two staging cases the generated profiles keep out of the
totals (their malformed rows belong to nobody with activity); changed seeds and a tampered result
show that the check can fail.
"""

from __future__ import annotations

import csv
import dataclasses
import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from deliveries import rewrite_table
from medfin.bench.finance_query import (
    SHOWN_DIFFERENCES,
    FinanceQueryResult,
    compare_with_marts,
    run_finance_query,
)
from medfin.build import BuildError
from medfin.contract import is_pseudonym_shaped
from warehouses import REPO, Built, built, rebuild, tampered_copy


@pytest.mark.parametrize(
    ("defects", "fmt"),
    [("none", "parquet"), ("default", "parquet"), ("dirty", "parquet"), ("dirty", "csv")],
)
def test_the_query_gives_the_marts_figures_to_the_ore(defects: str, fmt: str) -> None:
    base = built(defects, fmt)
    result = run_finance_query(base.delivery, REPO)
    assert result.co_financing, "the query found no co-financing"
    assert result.full_financing, "the query found no full financing"
    assert {row.area for row in result.co_financing} == {
        area for (area,) in base.query("select distinct area from core.fct_co_financing")
    }
    assert compare_with_marts(result, base.warehouse) == []
    assert result.seconds > 0


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _project_with_seeds(tmp_path: Path) -> Path:
    """A copy of the project's seeds (all the query reads of a project)."""
    project = tmp_path / "project"
    shutil.copytree(REPO / "seeds", project / "seeds")
    return project


def test_the_rules_come_from_the_seeds_and_a_changed_share_is_reported(tmp_path: Path) -> None:
    """Every co-financing share halved in a copy of the seeds: the query's co-financing no longer
    equals the marts (billing units and basis still do), and the comparison says so."""
    base = built("default")
    project = _project_with_seeds(tmp_path)
    rules = project / "seeds" / "co_financing_rules.csv"
    changed = _rows(rules)
    for row in changed:
        row["share"] = str(Decimal(row["share"]) / 2)
    _write_rows(rules, changed)

    result = run_finance_query(base.delivery, project)
    differences = compare_with_marts(result, base.warehouse)
    assert differences
    listed = [line for line in differences if not line.startswith("and ")]
    assert all(line.startswith("co-financing ") for line in listed), differences
    assert all("co_financing_dkk" in line for line in listed), differences
    assert not any("billing_units" in line or "basis_dkk" in line for line in listed)
    assert compare_with_marts(result.full_financing, base.warehouse) == []


def test_a_changed_tariff_is_reported_for_full_financing(tmp_path: Path) -> None:
    base = built("default")
    project = _project_with_seeds(tmp_path)
    tariffs = project / "seeds" / "full_financing_tariffs.csv"
    changed = _rows(tariffs)
    for row in changed:
        row["tariff_dkk"] = str(Decimal(row["tariff_dkk"]) + 1)
    _write_rows(tariffs, changed)

    result = run_finance_query(base.delivery, project)
    assert compare_with_marts(result.co_financing, base.warehouse) == []
    differences = compare_with_marts(result.full_financing, base.warehouse)
    assert differences
    listed = [line for line in differences if not line.startswith("and ")]
    assert all(line.startswith("full financing ") and "amount_dkk" in line for line in listed)


def test_a_tampered_result_is_reported_row_by_row() -> None:
    base = built("default")
    result = run_finance_query(base.delivery, REPO)
    rows = list(result.co_financing)
    first, second = rows[0], rows[1]
    one_ore = first._replace(co_financing_dkk=first.co_financing_dkk + Decimal("0.01"))
    moved = second._replace(activity_month=date(second.activity_month.year - 100, 1, 1))

    assert compare_with_marts([one_ore, *rows[1:]], base.warehouse) == [
        f"co-financing {first.municipality_code} {first.activity_month:%Y-%m} {first.area}:"
        f" co_financing_dkk {one_ore.co_financing_dkk} (query)"
        f" vs {first.co_financing_dkk} (marts)"
    ]
    differences = compare_with_marts([first, moved, *rows[2:]], base.warehouse)
    assert sorted(differences) == sorted(
        [
            f"co-financing {moved.municipality_code} {moved.activity_month:%Y-%m} {moved.area}:"
            " only in the query",
            f"co-financing {second.municipality_code} {second.activity_month:%Y-%m}"
            f" {second.area}: only in the marts",
        ]
    )
    # Every row gone: at most SHOWN_DIFFERENCES lines, then how many more.
    nothing = dataclasses.replace(result, co_financing=(), full_financing=())
    differences = compare_with_marts(nothing, base.warehouse)
    missing = len(result.co_financing) + len(result.full_financing)
    assert missing > SHOWN_DIFFERENCES
    assert len(differences) == SHOWN_DIFFERENCES + 1
    assert differences[-1] == f"and {missing - SHOWN_DIFFERENCES} more differences"
    assert all(line.endswith("only in the marts") for line in differences[:-1])


def _a_cpr_number(taken: set[str]) -> str:
    """A CPR-shaped id (day, month, two-digit year, four digits) no person has."""
    day = date(1990, 1, 1)
    while True:
        candidate = f"{day:%d%m%y}1234"
        if candidate not in taken and not is_pseudonym_shaped(candidate):
            return candidate
        day += timedelta(days=1)


def _replace_ids(table: pa.Table, column: str, old: str, new: str) -> pa.Table:
    index = table.schema.get_field_index(column)
    values = [new if v == old else v for v in table.column(column).to_pylist()]
    return table.set_column(index, column, pa.array(values, table.schema.field(column).type))


# Activity tables with a person id besides practice services (their rows must point at a staged
# person, or the build is refused: a relationships test of severity error).
_OTHER_ACTIVITY = ("drg_courses", "drg_contacts", "psychiatric_contacts", "full_financing_events")


def test_staging_rules_the_profiles_leave_out_of_the_totals(tmp_path: Path) -> None:
    """Two persons with practice services and no other activity: one whose residence periods end
    before they start (rejected: the person has no residence and is not financed), one whose id
    is a CPR number in every table (the person is rejected, and so are the services; the query
    never tests the services' ids, since they can only point at a rejected person). The
    warehouse rebuilt from that delivery and the query agree, and both lost those services."""
    base = built("default")
    delivery = tampered_copy(base, tmp_path)
    tables = {
        name: pq.read_table(delivery / f"{name}.parquet")
        for name in ("persons", "residence", "practice_services", *_OTHER_ACTIVITY)
    }
    elsewhere = {
        person
        for name in _OTHER_ACTIVITY
        for person in tables[name].column("person_id").to_pylist()
    }
    services_only = [
        person
        for person in dict.fromkeys(tables["practice_services"].column("person_id").to_pylist())
        if person not in elsewhere
    ]
    unhoused, cpr_person = services_only[:2]

    residence = tables["residence"]
    valid_to = [
        start - timedelta(days=1) if person == unhoused else end
        for person, start, end in zip(
            residence.column("person_id").to_pylist(),
            residence.column("valid_from").to_pylist(),
            residence.column("valid_to").to_pylist(),
            strict=True,
        )
    ]
    tables["residence"] = residence.set_column(
        residence.schema.get_field_index("valid_to"),
        "valid_to",
        pa.array(valid_to, residence.schema.field("valid_to").type),
    )
    cpr = _a_cpr_number(set(tables["persons"].column("person_id").to_pylist()))
    for name in ("persons", "residence", "practice_services"):
        rewrite_table(delivery, name, _replace_ids(tables[name], "person_id", cpr_person, cpr))

    warehouse = _marts_built_from(base, delivery, tmp_path / "wh" / "medfin.duckdb")
    tampered = run_finance_query(delivery, REPO)
    assert compare_with_marts(tampered, warehouse) == []
    untampered = run_finance_query(base.delivery, REPO)
    ((lost,),) = base.query(
        "select count(*) from core.fct_co_financing"
        f" where person_id in ('{unhoused}', '{cpr_person}')"
    )
    assert lost > 0
    assert _units(untampered) - _units(tampered) == lost


def _marts_built_from(base: Built, delivery: Path, warehouse: Path) -> Path:
    """The warehouse dbt builds from `delivery`: published, or the candidate when only a
    reconciliation stopped it (the region's accounting bookings no longer match activity that
    was taken away, which is what the tampering does)."""
    try:
        return rebuild(base, delivery, warehouse, verbose=False, expectations=False).warehouse
    except BuildError as error:
        refused = error
    assert refused.failed_checks, refused
    assert {c.check_level for c in refused.failed_checks} == {"reconciliation"}, refused
    assert refused.candidate is not None
    return refused.candidate


def _units(result: FinanceQueryResult) -> int:
    return sum(row.billing_units for row in result.co_financing)
