from __future__ import annotations

import json
import re
from collections.abc import Callable
from importlib import resources
from typing import Any

import pyarrow as pa
import pytest

from medfin.contract import (
    CONTRACT_RESOURCE,
    ContractError,
    _bounded_age,
    _parse,
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
    "population_projection",
}
OPTIONAL = {
    "epj_contacts",
    "lpr_report_counts",
    "lpr_error_list",
    "accounting_bookings",
    "delivery_log",
    "population_projection",
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


def _raw() -> dict[str, Any]:
    text = resources.files("medfin.contract").joinpath(CONTRACT_RESOURCE).read_text("utf-8")
    return json.loads(text)


def test_the_contract_is_version_1_1_and_only_added_an_optional_table() -> None:
    """A minor version adds optional tables and nothing else: every table of 1.0 is as it was,
    and what 1.1 added (the population projection) is optional, so 1.0 deliveries still read."""
    contract = load_contract()
    assert (contract.version, contract.minor_version, contract.release) == (1, 1, "1.1")
    assert set(contract.versions) == {"1.0", "1.1"}
    added = {t.name: t.added_in for t in contract if t.added_in != "1.0"}
    assert added == {"population_projection": "1.1"}
    projection = contract.table("population_projection")
    assert not projection.required
    assert projection.key == ("municipality_code", "year", "sex", "age")
    assert projection.column("age").maximum == contract.maximum_age
    assert projection.column("sex").allowed == contract.table("population").column("sex").allowed


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw["tables"]["population_projection"].update(required=True), "optional"),
        (lambda raw: raw["tables"]["population_projection"].update(added_in="1.2"), "1.2"),
        (lambda raw: raw["versions"].pop("1.1"), "versions"),
        (lambda raw: raw.update(contract_minor_version=2), "version 1.2"),
    ],
)
def test_a_malformed_version_is_refused(
    change: Callable[[dict[str, Any]], object], message: str
) -> None:
    raw = _raw()
    change(raw)
    with pytest.raises(ContractError, match=re.escape(message)):
        _parse(raw)


def test_every_age_column_is_bounded_by_the_maximum_age() -> None:
    raw = _raw()
    age = next(c for c in raw["tables"]["population_projection"]["columns"] if c["name"] == "age")
    age["maximum"] = 130
    with pytest.raises(ContractError, match=r"population_projection\.age maximum 130"):
        _bounded_age(_parse(raw))
