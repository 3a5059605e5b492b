"""`medfin pseudonymise`: real CPR numbers in, a valid delivery with keyed pseudonyms out."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from deliveries import sample_rows, write_delivery
from medfin.cli import app
from medfin.contract import Table, is_pseudonym_shaped, load_contract
from medfin.extract import validate_delivery

KEY = "a-key-that-is-long-enough-for-hmac-sha256-0123456789"
# Two persons as the region's extract has them: in persons with the dash, elsewhere without it
# for the first person.
PERSONS = ["010190-1234", "311299-4321"]
ELSEWHERE = ["0101901234", "311299-4321"]
runner = CliRunner()


def _with_cprs(table: Table) -> list[dict]:
    rows = sample_rows(table)
    if "person_id" in table.column_names:
        cprs = PERSONS if table.name == "persons" else ELSEWHERE
        for row, cpr in zip(rows, cprs, strict=True):
            row["person_id"] = cpr
    return rows


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    folder = tmp_path / "extract"
    write_delivery(folder, "parquet", rows=_with_cprs)
    return folder


def _run(extract: Path, out: Path, key: str = KEY) -> object:
    return runner.invoke(
        app, ["pseudonymise", "--extract", str(extract), "--out", str(out)],
        env={"MEDFIN_PSEUDONYM_KEY": key},
    )  # fmt: skip


def _person_ids(folder: Path) -> dict[str, list[str]]:
    return {
        path.stem: pq.read_table(path).column("person_id").to_pylist()
        for path in sorted(folder.glob("*.parquet"))
        if "person_id" in pq.read_table(path).column_names
    }


def test_cpr_numbers_become_keyed_pseudonyms(extract: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _run(extract, out)
    assert result.exit_code == 0, result.output
    delivery = validate_delivery(out)  # a valid delivery: rows and sha256 match the new files
    assert delivery.manifest["pseudonymised_by"].startswith("medfin")
    ids = _person_ids(out)
    assert ids and all(is_pseudonym_shaped(v) for values in ids.values() for v in values if v)
    # the same CPR (with or without the dash) gives the same pseudonym in every table
    assert ids["persons"][0] != ids["persons"][1]
    for table, values in ids.items():
        assert values == ids["persons"], table
    # no CPR number and no key anywhere in the output
    for path in out.iterdir():
        data = path.read_bytes()
        for cpr in {*PERSONS, *ELSEWHERE}:
            assert cpr.encode() not in data, path.name
        assert KEY.encode() not in data, path.name


def test_same_key_same_pseudonyms_other_key_others(extract: Path, tmp_path: Path) -> None:
    assert _run(extract, tmp_path / "a").exit_code == 0
    assert _run(extract, tmp_path / "b").exit_code == 0
    assert _run(extract, tmp_path / "c", key=KEY[::-1]).exit_code == 0
    assert _person_ids(tmp_path / "a") == _person_ids(tmp_path / "b")
    first, other = _person_ids(tmp_path / "a"), _person_ids(tmp_path / "c")
    assert set(first["persons"]).isdisjoint(other["persons"])


def test_refusals_name_the_row_never_the_number(extract: Path, tmp_path: Path) -> None:
    contract = load_contract()
    persons = contract.tables["persons"]
    broken = tmp_path / "broken"
    write_delivery(
        broken,
        "parquet",
        rows=lambda t: (
            [{**r, "person_id": "12345"} for r in sample_rows(t)]
            if t.name == persons.name
            else _with_cprs(t)
        ),
    )
    result = _run(broken, tmp_path / "out")
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "persons.parquet, row 1, column person_id: not a CPR number" in message
    assert "12345" not in message
    assert not (tmp_path / "out").exists()

    short = _run(extract, tmp_path / "x", key="short")
    assert short.exit_code == 1
    assert "at least 32 bytes" in short.output
    missing = runner.invoke(
        app, ["pseudonymise", "--extract", str(extract), "--out", str(tmp_path / "y")],
        env={"MEDFIN_PSEUDONYM_KEY": ""},
    )  # fmt: skip
    assert missing.exit_code == 1
    assert "no key" in missing.output
    inside = _run(extract, extract / "out")
    assert inside.exit_code == 1
    assert "outside the extract" in inside.output


def test_a_key_file_outside_the_project_only(
    extract: Path, tmp_path: Path, repo_root: Path
) -> None:
    outside = tmp_path / "medfin.key"
    outside.write_text(KEY, encoding="utf-8")
    args = ["pseudonymise", "--extract", str(extract), "--key-file"]
    result = runner.invoke(app, [*args, str(outside), "--out", str(tmp_path / "k")])
    assert result.exit_code == 0, result.output
    # the key file and the environment give the same pseudonyms for the same key
    assert _run(extract, tmp_path / "e").exit_code == 0
    assert _person_ids(tmp_path / "k") == _person_ids(tmp_path / "e")
    inside = repo_root / "medfin.key"
    refused = runner.invoke(app, [*args, str(inside), "--out", str(tmp_path / "i")])
    assert refused.exit_code == 1
    assert "lies inside the project" in " ".join(refused.output.split())
    assert not inside.exists()
