from __future__ import annotations

import json
from importlib import resources

import pyarrow as pa
import pytest

from medfin.contract import (
    arrow_schema,
    duckdb_type,
    load_contract,
)

ALL_TABLES = {
    "persons",
    "residence",
    "drg_courses",
    "drg_contacts",
    "drg_diagnoses",
    "drg_procedures",
    "psychiatric_contacts",
    "practice_services",
    "full_financing_events",
    "epj_contacts",
    "lpr_report_counts",
    "lpr_error_list",
    "accounting_bookings",
    "population",
    "delivery_log",
}
OPTIONAL = {
    "epj_contacts",
    "lpr_report_counts",
    "lpr_error_list",
    "accounting_bookings",
    "delivery_log",
}


def test_contract_loads_from_package_data() -> None:
    contract = load_contract()
    assert contract.version == 1
    assert set(contract.tables) == ALL_TABLES
    assert {t.name for t in contract.optional_tables} == OPTIONAL
    assert {t.name for t in contract.required_tables} == ALL_TABLES - OPTIONAL
    assert (contract.csv_delimiter, contract.csv_decimal) == (";", ",")
    assert load_contract() is contract  # parsed once


def test_tables_keep_contract_column_order() -> None:
    raw = json.loads(
        resources.files("medfin.contract").joinpath("raw_extract_v1.json").read_text("utf-8")
    )
    for name, spec in raw["tables"].items():
        assert load_contract().table(name).column_names == tuple(c["name"] for c in spec["columns"])


def test_column_lookup_and_metadata() -> None:
    contacts = load_contract().table("drg_contacts")
    assert contacts.key == ("contact_id",)
    assert contacts.column("priority").allowed == ("ATA1", "ATA3")
    assert contacts.column("contact_drg_code").pattern == "^[0-9]{2}[A-Z]{2}[0-9]{2}$"
    assert load_contract().table("residence").key is None
    assert load_contract().table("persons").column("death_date").nullable
    with pytest.raises(KeyError, match="no column"):
        contacts.column("nope")
    with pytest.raises(KeyError, match="no table"):
        load_contract().table("nope")


@pytest.mark.parametrize(
    ("table", "column", "expected"),
    [
        ("persons", "person_id", "VARCHAR"),
        ("residence", "municipality_code", "BIGINT"),
        ("persons", "birth_date", "DATE"),
        ("drg_contacts", "start_ts", "TIMESTAMP"),
        ("drg_courses", "tariff_dkk", "DECIMAL(14,2)"),
    ],
)
def test_duckdb_type(table: str, column: str, expected: str) -> None:
    assert duckdb_type(load_contract().table(table).column(column)) == expected


def test_arrow_schema_types() -> None:
    schema = arrow_schema("drg_courses")
    assert schema.names == list(load_contract().table("drg_courses").column_names)
    assert schema.field("course_id").type == pa.string()
    assert schema.field("region_code").type == pa.int64()
    assert schema.field("course_start").type == pa.timestamp("us")
    assert schema.field("tariff_dkk").type == pa.decimal128(14, 2)
    assert arrow_schema(load_contract().table("persons")).field("birth_date").type == pa.date32()


def test_arrow_schema_nullability() -> None:
    # Files may hold nulls anywhere (staging quarantines them); the strict schema is opt-in.
    assert all(f.nullable for f in arrow_schema("persons"))
    strict = arrow_schema("persons", enforce_nullability=True)
    assert not strict.field("person_id").nullable
    assert strict.field("death_date").nullable


def test_every_contract_type_is_mapped() -> None:
    contract = load_contract()
    for table in contract:
        for column in table.columns:
            assert column.type in contract.types
            assert duckdb_type(column)
        assert len(arrow_schema(table)) == len(table.columns)
