"""`medfin cohort` (docs/cohort.md) on the session's shared tiny build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from medfin.cohort import CohortRefused, Profile, profile, rows
from warehouses import Built, built

YEAR = 2021


@pytest.fixture(scope="module")
def base() -> Built:
    return built("default")


def _ids(path: Path, ids: list[str], header: bool = True) -> Path:
    path.write_text(("person_id\n" if header else "") + "\n".join(ids) + "\n", encoding="utf-8")
    return path


def _line(result: Profile, name: str) -> tuple[float | None, float | None, float | None]:
    line = next(line for line in result.lines if line.measure.name == name)
    return line.total, line.per_citizen, line.reference_per_citizen


def _residents_on_1_january(base: Built, municipality: int | None = None) -> list[str]:
    where = "" if municipality is None else f" and municipality_code = {municipality}"
    return [
        row[0]
        for row in base.query(
            "select distinct person_id from staging.stg_medfin__residence_periods"
            f" where valid_from <= date '{YEAR}-01-01'"
            f" and (valid_to is null or valid_to > date '{YEAR}-01-01'){where} order by 1"
        )
    ]


def test_two_halves_of_everyone_add_up_to_the_marts(base: Built, tmp_path: Path) -> None:
    """Every person of the warehouse, in two cohorts: the totals add up to the published marts'
    (nothing counted twice through several residence periods, nothing of another year)."""
    everyone = [row[0] for row in base.query("select person_id from staging.stg_medfin__persons")]
    halves = [everyone[::2], everyone[1::2]]
    profiles = [
        profile(base.warehouse, _ids(tmp_path / f"half{i}.txt", half), YEAR)
        for i, half in enumerate(halves)
    ]
    assert sum(p.found for p in profiles) == len(everyone)
    totals = {
        name: sum(_line(p, name)[0] or 0 for p in profiles)
        for name in (
            "contacts",
            "admissions",
            "readmissions",
            "co_financing_dkk",
            "full_financing_dkk",
        )
    }
    [(co_financing,)] = base.query(
        f"select sum(total_dkk) from finance.co_financing_per_citizen where activity_year = {YEAR}"
    )
    [(full_financing,)] = base.query(
        "select sum(amount_dkk) from finance.full_financing_by_municipality_month"
        f" where extract(year from activity_month) = {YEAR}"
    )
    [(readmissions,)] = base.query(
        "select sum(readmissions) from core.fct_admission_stays"
        f" where is_index_admission and extract(year from discharge_date) = {YEAR}"
    )
    assert totals["readmissions"] == readmissions
    [(contacts,)] = base.query(
        f"select sum(events) from intermediate.int_data_package_activity where period = {YEAR}"
    )
    assert totals["co_financing_dkk"] == pytest.approx(float(co_financing), abs=0.005)
    assert totals["full_financing_dkk"] == pytest.approx(float(full_financing), abs=0.005)
    assert totals["contacts"] == contacts
    assert 0 < totals["admissions"] < totals["contacts"]


def test_a_cohort_of_one_municipality_is_compared_with_its_published_average(
    base: Built, tmp_path: Path
) -> None:
    [(municipality,)] = base.query(
        "select municipality_code from finance.co_financing_per_citizen"
        f" where activity_year = {YEAR} order by population desc limit 1"
    )
    residents = _residents_on_1_january(base, municipality)
    result = profile(base.warehouse, _ids(tmp_path / "ids.txt", residents[:60]), YEAR)
    [(published,)] = base.query(
        "select total_dkk / population from finance.co_financing_per_citizen"
        f" where activity_year = {YEAR} and municipality_code = {municipality}"
    )
    assert _line(result, "co_financing_dkk")[2] == pytest.approx(float(published), rel=1e-9)
    assert result.without_residence == 0


def test_fewer_than_ten_found_is_refused_and_unknown_ids_are_not_listed(
    base: Built, tmp_path: Path
) -> None:
    residents = _residents_on_1_january(base)
    unknown = [f"Pzzzzzzzzzzzzzzzzzzz{i}" for i in range(5)]
    with pytest.raises(CohortRefused, match=r"9 of the 14 ids were found") as refused:
        profile(base.warehouse, _ids(tmp_path / "ids.txt", residents[:9] + unknown), YEAR)
    assert not any(i in str(refused.value) for i in residents[:9] + unknown)
    result = profile(
        base.warehouse, _ids(tmp_path / "ids.txt", residents[:10] + unknown + residents[:2]), YEAR
    )
    assert (result.found, result.not_found, result.duplicates) == (10, 5, 2)


def test_a_figure_of_one_to_four_citizens_is_shown_as_minus_one(
    base: Built, tmp_path: Path
) -> None:
    """Ten citizens without full financing and two with: full financing is hidden, in the
    profile and in the CSV the command writes; the other lines are shown."""
    with_full = [
        row[0]
        for row in base.query(
            "select distinct person_id from core.fct_full_financing"
            f" where extract(year from activity_month) = {YEAR} order by 1 limit 2"
        )
    ]
    without = [
        row[0]
        for row in base.query(
            "select person_id from staging.stg_medfin__persons where person_id not in"
            " (select person_id from core.fct_full_financing) order by 1 limit 10"
        )
    ]
    ids = _ids(tmp_path / "ids.txt", without + with_full)
    result = profile(base.warehouse, ids, YEAR)
    assert _line(result, "full_financing_dkk")[:2] == (None, None)
    shown = {row[0]: row for row in rows(result)}
    assert shown["full_financing_dkk"][2:4] == ["-1", "-1"]
    out = tmp_path / "profile.csv"
    cli = subprocess.run(
        [sys.executable, "-m", "medfin.cli", "cohort", "--ids", str(ids)]
        + ["--warehouse", str(base.warehouse), "--year", str(YEAR), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert cli.returncode == 0, cli.stderr
    assert "12 found" in cli.stdout
    text = out.read_text(encoding="utf-8")
    assert "full_financing_dkk;Municipal full financing (DKK);-1;-1;" in text
    assert not any(person in text or person in cli.stdout for person in without + with_full)


def test_a_cpr_shaped_line_refuses_the_file(base: Built, tmp_path: Path) -> None:
    ids = _ids(tmp_path / "ids.txt", [*_residents_on_1_january(base)[:12], "010190-1234"])
    cli = subprocess.run(
        [sys.executable, "-m", "medfin.cli", "cohort", "--ids", str(ids)]
        + ["--warehouse", str(base.warehouse)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert cli.returncode == 1
    assert "line 14 looks like a CPR number" in cli.stderr
    assert "010190" not in cli.stderr + cli.stdout
