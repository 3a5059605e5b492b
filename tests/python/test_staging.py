"""Staging: every raw row is staged or quarantined, with the first rule it breaks.

The generated deliveries (profiles `dirty`, `none`, `default`; `dirty` also as CSV) are read in the
session's shared tiny builds (warehouses.built: validation, dbt build with every test). One
hand-planted delivery with one row per contract rule, which the marts would refuse, is built with
only the staging layer (warehouses.staging_built: the staging models, their tests, the macros and
the seeds).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from deliveries import manifest_entry, write_manifest
from medfin.contract import Table, arrow_schema, is_pseudonym_shaped, load_contract
from medfin.contract.staging import REASON_NAMES, STAGING_MACRO_PATH
from warehouses import STAGING_MODELS, Built, built, staging_built

MODELS = STAGING_MODELS
QUARANTINE = "stg_medfin__quarantine"
CONTRACT = load_contract()
REPO = Path(__file__).resolve().parents[2]
REASONS = REASON_NAMES  # the one list (medfin.contract.staging); every reason is planted below


# -- building ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dirty_parquet() -> Built:
    return built("dirty")


@pytest.fixture(scope="module")
def dirty_csv() -> Built:
    return built("dirty", fmt="csv")


@pytest.fixture(scope="module")
def none_parquet() -> Built:
    return built("none")


@pytest.fixture(scope="module")
def default_parquet() -> Built:
    return built("default")


BUILDS = ("dirty_parquet", "dirty_csv", "none_parquet", "default_parquet")


@pytest.fixture(params=BUILDS)
def any_build(request: pytest.FixtureRequest) -> Built:
    return request.getfixturevalue(request.param)


# -- generated deliveries -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dirty_parquet", "dirty_csv"])
def test_dirty_quarantine_holds_exactly_the_planted_rows(
    request: pytest.FixtureRequest, name: str
) -> None:
    built: Built = request.getfixturevalue(name)
    planted = built.expected["defects"]["malformed_rows"]["rows"]
    assert planted, "the dirty profile plants malformed rows"
    want = {(r["table"], r["row_number"], r["reason"], r["column"], r["key"]) for r in planted}
    got = set(
        built.query(
            "select source_table, source_row_number, rejection_reason, rejection_column,"
            f" record_key from staging.{QUARANTINE}"
        )
    )
    assert got == want


@pytest.mark.parametrize("name", ["none_parquet", "default_parquet"])
def test_clean_profiles_quarantine_nothing(request: pytest.FixtureRequest, name: str) -> None:
    built: Built = request.getfixturevalue(name)
    assert built.query(f"select * from staging.{QUARANTINE}") == []


def test_every_delivered_row_is_staged_or_quarantined_once(any_build: Built) -> None:
    """Per raw table: source_row_number over staging + quarantine is exactly 1..manifest rows."""
    for table, model in MODELS.items():
        delivered = any_build.manifest["tables"].get(table, {}).get("rows", 0)
        staged = any_build.query(
            f"select count(*), count(distinct source_row_number), min(source_row_number),"
            f" max(source_row_number) from (select source_row_number from staging.{model}"
            f" union all select source_row_number from staging.{QUARANTINE}"
            f" where source_table = '{table}')"
        )[0]
        if delivered:
            assert staged == (delivered, delivered, 1, delivered), table
        else:
            assert staged[0] == 0, table


def test_quarantined_rows_point_at_the_delivered_row(dirty_parquet: Built) -> None:
    """raw_record is the delivered row that source_row_number names."""
    rows = dirty_parquet.query(
        f"select source_table, source_row_number, raw_record from staging.{QUARANTINE}"
    )
    assert rows
    for table, row_number, raw_record in rows:
        delivered = pq.read_table(dirty_parquet.delivery / f"{table}.parquet")
        row = delivered.slice(row_number - 1, 1).to_pylist()[0]
        record = json.loads(raw_record)
        assert list(record) == list(row), table
        assert {k: _jsonish(v) for k, v in row.items()} == record, (table, row_number)


def _jsonish(value: Any) -> Any:
    if value is None or isinstance(value, str | int):
        return value
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


def _all_rows(built: Built, model: str) -> list[tuple[Any, ...]]:
    return sorted(built.query(f"select * from staging.{model}"), key=repr)


def test_csv_and_parquet_stage_identically(dirty_parquet: Built, dirty_csv: Built) -> None:
    assert dirty_parquet.fmt == "parquet"
    assert dirty_csv.fmt == "csv"
    for model in [*MODELS.values(), QUARANTINE]:
        assert dirty_parquet.columns(model) == dirty_csv.columns(model), model
        assert _all_rows(dirty_parquet, model) == _all_rows(dirty_csv, model), model


# -- the interface and the documentation ------------------------------------------------------


def _interface(repo_root: Path) -> dict[str, list[tuple[str, str | None]]]:
    """docs/staging-interface.md: model -> [(column, type or None)]."""
    text = (repo_root / "docs" / "staging-interface.md").read_text(encoding="utf-8")
    out: dict[str, list[tuple[str, str | None]]] = {}
    for model, spec in re.findall(r"^\| `(stg_medfin__\w+)` \| (.+) \|$", text, re.MULTILINE):
        columns = []
        for part in spec.split(", "):
            words = re.sub(r" \(.*\)$", "", part).split(" ", 1)
            columns.append((words[0], words[1].upper() if len(words) > 1 else None))
        out[model] = columns
    return out


def test_staging_models_expose_the_interface(repo_root: Path, dirty_parquet: Built) -> None:
    interface = _interface(repo_root)
    assert set(interface) == {*MODELS.values(), QUARANTINE}
    for model, columns in interface.items():
        actual = dirty_parquet.columns(model)
        assert [c for c, _ in actual] == [c for c, _ in columns], model
        for (name, want), (_, got) in zip(columns, actual, strict=True):
            if want is not None:
                assert got == want, f"{model}.{name}"


def test_every_staging_model_and_column_is_documented(
    repo_root: Path, dirty_parquet: Built
) -> None:
    documented = {}
    for yml in ("_medfin__models.yml", "base/_base__models.yml"):  # hand-written, generated
        text = (repo_root / "models" / "staging" / yml).read_text(encoding="utf-8")
        documented |= {m["name"]: m for m in yaml.safe_load(text)["models"]}
    built = {
        r[0]
        for r in dirty_parquet.query(
            "select table_name from information_schema.tables where table_schema = 'staging'"
        )
    }
    assert set(documented) == built
    for name, model in documented.items():
        assert model.get("description"), name
        columns = [c["name"] for c in model["columns"]]
        assert columns == [c for c, _ in dirty_parquet.columns(name)], name
        assert all(c.get("description") for c in model["columns"]), name


# -- one planted row per contract rule ----------------------------------------------------------


@dataclass
class Planted:
    values: dict[str, Any]
    reason: str | None  # None: the row must be staged
    column: str | None = None
    staged: dict[str, Any] | None = None  # staged values to check (staging column names)


def _first(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    return next(r for r in rows if all(r[k] == v for k, v in match.items()))


def _base_rows(delivery: Path) -> dict[str, list[dict[str, Any]]]:
    """Valid rows of a clean delivery that refer to each other (so relationship tests pass)."""
    raw = {t.name: pq.read_table(delivery / f"{t.name}.parquet").to_pylist() for t in CONTRACT}
    # The `none` profile lists no LPR errors.
    raw["lpr_error_list"] = raw["lpr_error_list"] or [
        {
            "error_id": "E1",
            "region_code": 1082,
            "contact_id": None,
            "error_code": "F1",
            "listed_on": date(2022, 1, 31),
        }
    ]
    with_diagnosis = {r["contact_id"] for r in raw["drg_diagnoses"]}
    with_procedure = {r["contact_id"] for r in raw["drg_procedures"]}
    contact = next(
        r
        for r in raw["drg_contacts"]
        if r["contact_id"] in with_diagnosis and r["contact_id"] in with_procedure
    )
    base = {
        "drg_contacts": [contact],
        "drg_courses": [_first(raw["drg_courses"], course_id=contact["course_id"])],
        "drg_diagnoses": [_first(raw["drg_diagnoses"], contact_id=contact["contact_id"])],
        "drg_procedures": [_first(raw["drg_procedures"], contact_id=contact["contact_id"])],
    }
    for table in CONTRACT:
        base.setdefault(table.name, raw[table.name][:1])
    people = {rows[0]["person_id"] for rows in base.values() if rows and "person_id" in rows[0]}
    base["persons"] = [r for r in raw["persons"] if r["person_id"] in people]
    return base


# A CPR number as it may arrive: plain, with a dash, and each disguise that once passed the rule.
CPR_DISGUISES = (
    "0101901234",
    "010190-1234",
    "0101901234\t",
    "\u00a00101901234",
    "010190\n1234",
    "0101\u200b901234",
    "０１０１９０１２３４",
    "010190 1234",
    "010190\u20131234",
    "CPR 010190-1234",
    "CPR0101901234",
)


# The key column that makes a planted row's key unique, for tables with a composite key.
FRESH_KEY_COLUMN = {
    "population": "reference_date",
    "lpr_report_counts": "activity_year",
    "delivery_log": "system",
    "population_projection": "year",
}


def _with_fresh_key(table: Table, row: dict[str, Any], i: int) -> dict[str, Any]:
    """The row with a key no other planted row of the table has."""
    row = dict(row)
    if table.name == "population":
        row["reference_date"] += timedelta(days=i)
    elif table.name in ("lpr_report_counts", "population_projection"):
        row[FRESH_KEY_COLUMN[table.name]] = 1950 + i
    elif table.name == "delivery_log":
        row["system"] = f"{row['system']} {i}"
    elif table.key:
        (key,) = table.key
        row[key] = f"{row[key]}X{i}"
    return row


def _plants(table: Table, base: dict[str, Any]) -> Iterator[Planted]:
    """The contract's rules for one table, restated independently of the dbt macros."""
    key = table.key or ()
    names = table.column_names

    def bad(column: str, value: Any, reason: str, **more: Any) -> Planted:
        return Planted({**base, column: value, **more}, reason, column)

    for col in table.columns:
        if not col.nullable:
            is_key = col.name in key or col.name.endswith("_id")
            yield bad(col.name, None, "null_key" if is_key else "missing_value")
        if col.allowed and col.name != "rehab_group":
            yield bad(col.name, "ZZ", "invalid_code")
        if col.pattern:
            yield bad(col.name, "#1", "invalid_code")
        if col.name in ("sor_code", "producing_sor_code"):
            yield bad(col.name, "000000000000000", "invalid_code")
        if col.name == "region_code":
            yield bad(col.name, 1090, "invalid_code")
        if col.name == "municipality_code":
            yield bad(col.name, 999, "unknown_municipality")
        if col.type == "money":
            # The planted delivery writes money as float64, which the contract allows: a third
            # decimal and a value beyond DECIMAL(14,2) reach staging as delivered.
            if col.name == "amount_dkk":  # corrections may be negative
                yield Planted({**base, col.name: -1.0}, None)
                yield bad(col.name, -1e12, "out_of_range")
            else:
                yield bad(col.name, -0.01, "negative_value")
                yield bad(col.name, 1e12, "out_of_range")
            yield bad(col.name, 12.345, "excess_precision")
            yield bad(col.name, 0.001, "excess_precision")
            yield Planted(
                {**base, col.name: 1234567.89}, None, staged={col.name: Decimal("1234567.89")}
            )
    if "person_id" in names:
        # CPR numbers, plain and disguised as they were found to slip through (issue 10)
        for disguised in CPR_DISGUISES:
            yield bad("person_id", disguised, "cpr_like_person_id")
    if key:
        for _ in range(2):
            yield Planted(dict(base), "duplicate_key", ", ".join(key))  # same fresh key, see below
    ranges = {
        "long_stay_days": [-1],
        "quantity": [0, -2],
        "reports": [-1],
        "persons": [-1],
        "age": [-1],
    }
    for column, values in ranges.items():
        if column in names:
            for value in values:
                yield bad(column, value, "negative_value")
    # The contract's other bounds: years in 1900-2100, days and quantities fit 32 bits.
    for col in table.columns:
        if col.minimum is not None and col.minimum > 1:
            yield bad(col.name, col.minimum - 1, "out_of_range")
            yield Planted({**base, col.name: col.minimum}, None)
        if col.maximum is not None and col.name != "age":
            yield bad(col.name, col.maximum + 1, "out_of_range")
    # The contract's maximum age (125): older residents and birth dates are out of range; the
    # manifest's extracted_at (2022-03-10) is the reference.
    oldest = CONTRACT.maximum_age
    if table.name in ("population", "population_projection"):
        yield bad("age", oldest + 1, "out_of_range")
        yield bad("age", 150, "out_of_range")
        yield Planted({**base, "age": oldest}, None)
    if table.name == "persons":
        for born in (date(1, 1, 1), date(1800, 1, 1), date(9999, 12, 31), date(2022, 3, 11)):
            yield bad("birth_date", born, "out_of_range", death_date=None)
        yield Planted({**base, "birth_date": date(2022 - oldest, 3, 10), "death_date": None}, None)
    before = {
        "persons": ("birth_date", "death_date", timedelta(days=1)),
        "residence": ("valid_from", "valid_to", timedelta(days=1)),
        "drg_courses": ("course_start", "course_end", timedelta(minutes=1)),
        "drg_contacts": ("start_ts", "end_ts", timedelta(minutes=1)),
        "psychiatric_contacts": ("start_ts", "end_ts", timedelta(minutes=1)),
    }
    if table.name in before:
        start, end, step = before[table.name]
        yield bad(end, base[start] - step, "end_before_start")
    if table.name == "full_financing_events":
        rehab = "genoptraening_specialiseret"
        yield bad("rehab_group", None, "invalid_code", category=rehab)
        yield bad("rehab_group", "GEN9A", "invalid_code", category=rehab)
        yield bad("rehab_group", "GEN1A", "invalid_code", category="hospice")
        yield Planted(
            {**base, "category": f" {rehab.upper()}", "rehab_group": "gen2a "},
            None,
            staged={"category": rehab, "rehab_group": "GEN2A"},
        )
    # Normalisation: surrounding spaces go, codes take the contract's case.
    lowered = {
        "sex": ("k ", "K"),
        "contact_type": (" alca03", "ALCA03"),
        "priority": ("ata1", "ATA1"),
        "drg_code": (" 04ma14 ", "04MA14"),
        "diagnosis_code": ("dj441", "DJ441"),
        "provider_kind": ("Speciallaege", "speciallaege"),
    }
    for column, (raw, staged) in lowered.items():
        if column in names:
            yield Planted({**base, column: raw}, None, staged={column: staged})


@pytest.fixture(scope="module")
def planted(
    none_parquet: Built, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Built, dict[str, list[Planted]]]:
    delivery = tmp_path_factory.mktemp("delivery-planted") / "delivery"
    delivery.mkdir()
    base = _base_rows(none_parquet.delivery)
    plants: dict[str, list[Planted]] = {}
    entries = {}
    for table in load_contract():
        rows = [Planted(dict(r), None) for r in base[table.name]]
        extra = list(_plants(table, rows[0].values))
        # Each planted row gets a key of its own (the two duplicate_key rows share one), unless
        # the column it breaks is the one that makes keys fresh.
        fresh = FRESH_KEY_COLUMN.get(table.name) or (table.key[0] if table.key else None)
        for i, plant in enumerate(extra, start=1):
            if plant.reason == "duplicate_key":
                plant.values = _with_fresh_key(table, plant.values, len(extra) + 1)
            elif fresh is not None and plant.column != fresh:
                plant.values = _with_fresh_key(table, plant.values, i)
        rows += extra
        path = delivery / f"{table.name}.parquet"
        schema = pa.schema(
            [pa.field(f.name, pa.float64()) if pa.types.is_decimal(f.type) else f
             for f in arrow_schema(table)]
        )  # fmt: skip
        values = [
            {k: float(v) if isinstance(v, Decimal) else v for k, v in p.values.items()}
            for p in rows
        ]
        pq.write_table(pa.Table.from_pylist(values, schema=schema), path)
        entries[table.name] = manifest_entry(path, len(rows))
        plants[table.name] = rows
    write_manifest(delivery, entries)
    warehouse = tmp_path_factory.mktemp("wh-planted") / "medfin.duckdb"
    return staging_built(delivery, warehouse), plants


def test_every_contract_rule_quarantines_its_row(
    planted: tuple[Built, dict[str, list[Planted]]],
) -> None:
    built, plants = planted
    quarantined = {
        (t, n): (reason, column)
        for t, n, reason, column in built.query(
            "select source_table, source_row_number, rejection_reason, rejection_column"
            f" from staging.{QUARANTINE}"
        )
    }
    reasons_seen = set()
    for table, rows in plants.items():
        for number, plant in enumerate(rows, start=1):
            where = f"{table} row {number}: {plant.values}"
            if plant.reason is None:
                assert (table, number) not in quarantined, (where, quarantined.get((table, number)))
            else:
                assert quarantined.get((table, number)) == (plant.reason, plant.column), where
                reasons_seen.add(plant.reason)
    assert reasons_seen == set(REASONS)
    assert len(quarantined) == sum(p.reason is not None for r in plants.values() for p in r)


def test_staged_codes_are_normalised(planted: tuple[Built, dict[str, list[Planted]]]) -> None:
    built, plants = planted
    checked = 0
    for table, rows in plants.items():
        for number, plant in enumerate(rows, start=1):
            if plant.staged:
                columns = ", ".join(plant.staged)
                got = built.query(
                    f"select {columns} from staging.{MODELS[table]}"
                    f" where source_row_number = {number}"
                )
                assert got == [tuple(plant.staged.values())], (table, number)
                checked += 1
    assert checked >= 7


def test_the_person_id_rule_is_the_contracts() -> None:
    """The SQL rule and the Python helper read the contract's patterns; the copies in the macro
    must not drift from raw_extract_v1.json, and both sides judge the disguises alike."""
    macro = (REPO / STAGING_MACRO_PATH).read_text(encoding="utf-8")
    assert f"'person_id_pattern': \"{CONTRACT.person_id_pattern}\"" in macro
    assert f"'cpr_like_pattern': \"{CONTRACT.cpr_like_pattern}\"" in macro
    assert f"return({CONTRACT.maximum_age})" in macro
    assert not any(is_pseudonym_shaped(v) for v in CPR_DISGUISES)
    for pseudonym in ("P000002630", "person_id-000", "a1b2c3d4e5f6", "R1082-000123"):
        assert is_pseudonym_shaped(pseudonym), pseudonym
