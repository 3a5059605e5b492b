from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from deliveries import (
    refresh_entry,
    sample_rows,
    sha256,
    update_manifest,
    write_csv,
    write_delivery,
)
from medfin.contract import arrow_schema, load_contract
from medfin.extract import (
    AUDIT_NAME,
    MINOR_VERSION_KEY,
    DeliveryError,
    count_csv_rows,
    read_manifest,
    stage_delivery,
    validate_delivery,
)


def _problems(directory: Path, **kwargs: Any) -> str:
    with pytest.raises(DeliveryError) as info:
        validate_delivery(directory, **kwargs)
    return str(info.value)


# -- good deliveries ---------------------------------------------------------------------------


def test_good_delivery_passes(delivery: Path, fmt: str) -> None:
    result = validate_delivery(delivery)
    assert result.format == fmt
    assert set(result.tables) == set(load_contract().tables)
    assert result.absent_optional == ()
    assert result.warnings == []
    assert result.delivery_id == "test-2021"
    assert all(t.rows == 2 for t in result.tables.values())


def test_optional_tables_may_be_absent(tmp_path: Path, fmt: str) -> None:
    write_delivery(tmp_path, fmt, omit=("epj_contacts", "delivery_log"))
    result = validate_delivery(tmp_path)
    assert result.absent_optional == ("epj_contacts", "delivery_log")
    assert "epj_contacts" not in result.tables


def test_read_manifest_checks_version(parquet_delivery: Path) -> None:
    assert read_manifest(parquet_delivery)["contract_version"] == 1
    update_manifest(parquet_delivery, lambda m: m.update(contract_version=2))
    with pytest.raises(DeliveryError, match="contract_version is 2"):
        read_manifest(parquet_delivery)


def test_a_delivery_of_an_older_minor_version_is_read(tmp_path: Path, fmt: str) -> None:
    """Contract 1.1 only added the optional population projection: a 1.0 delivery (no minor
    version in its manifest, no projection) is valid, the projection read as not delivered."""
    write_delivery(tmp_path, fmt, omit=("population_projection",))
    assert MINOR_VERSION_KEY not in read_manifest(tmp_path)
    result = validate_delivery(tmp_path)
    assert result.absent_optional == ("population_projection",)
    assert result.warnings == []


def test_a_newer_minor_version_is_read_with_a_warning(parquet_delivery: Path) -> None:
    contract = load_contract()
    update_manifest(parquet_delivery, lambda m: m.update({MINOR_VERSION_KEY: 1}))
    assert validate_delivery(parquet_delivery).warnings == []
    newer = contract.minor_version + 1
    update_manifest(parquet_delivery, lambda m: m.update({MINOR_VERSION_KEY: newer}))
    assert validate_delivery(parquet_delivery).warnings == [
        f"manifest.json: contract version 1.{newer} is newer than the {contract.release} medfin"
        " reads; tables added since are ignored"
    ]


@pytest.mark.parametrize("minor", [-1, "1", 1.5, True, None])
def test_a_malformed_minor_version_is_refused(parquet_delivery: Path, minor: object) -> None:
    update_manifest(parquet_delivery, lambda m: m.update({MINOR_VERSION_KEY: minor}))
    with pytest.raises(DeliveryError, match=f"{MINOR_VERSION_KEY} must be a whole number"):
        read_manifest(parquet_delivery)


def test_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(DeliveryError, match=r"manifest\.json is missing"):
        read_manifest(tmp_path)


def test_manifest_not_json(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{nope", encoding="utf-8")
    with pytest.raises(DeliveryError, match="not valid JSON"):
        validate_delivery(tmp_path)


# -- broken deliveries -------------------------------------------------------------------------


def test_missing_required_table(delivery: Path) -> None:
    update_manifest(delivery, lambda m: m["tables"].pop("drg_procedures"))
    message = _problems(delivery)
    assert "table drg_procedures: required, but missing from manifest.json" in message


def test_listed_file_does_not_exist(delivery: Path) -> None:
    next(delivery.glob("persons.*")).unlink()
    assert "table persons: file persons." in _problems(delivery)


def test_wrong_row_count(delivery: Path) -> None:
    update_manifest(delivery, lambda m: m["tables"]["residence"].update(rows=3))
    message = _problems(delivery)
    assert "table residence:" in message
    assert "has 2 rows, manifest.json says 3" in message


def test_wrong_sha256(delivery: Path) -> None:
    update_manifest(delivery, lambda m: m["tables"]["population"].update(sha256="0" * 64))
    message = _problems(delivery)
    assert "table population: sha256 of population." in message
    assert "says " + "0" * 64 in message
    validate_delivery(delivery, verify_sha256=False)  # the check can be skipped


def test_empty_required_table_is_refused(tmp_path: Path, fmt: str) -> None:
    """An empty delivery with a consistent manifest was published over the figures (issue 10)."""
    contract = load_contract()
    empty = {t.name for t in contract if t.required and t.name in {"drg_contacts", "population"}}
    write_delivery(tmp_path, fmt, rows=lambda t: [] if t.name in empty else sample_rows(t))
    message = _problems(tmp_path)
    for table in sorted(empty):
        assert f"table {table}: required, but {table}.{fmt} has no rows" in message
    # an empty optional table is a delivery of nothing, and allowed
    optional = next(t for t in contract if not t.required)
    out = tmp_path / "optional"
    write_delivery(out, fmt, rows=lambda t: [] if t.name == optional.name else sample_rows(t))
    validate_delivery(out)


def test_all_problems_are_reported_together(delivery: Path) -> None:
    def change(m: dict[str, Any]) -> None:
        m["tables"].pop("persons")
        m["tables"]["residence"]["rows"] = 9

    update_manifest(delivery, change)
    message = _problems(delivery)
    assert "refused: table " in message.splitlines()[0]
    assert "and 1 more problem:" in message
    assert "table persons" in message
    assert "table residence" in message


def test_mistyped_parquet_column(parquet_delivery: Path) -> None:
    table = load_contract().table("drg_contacts")
    rows = sample_rows(table)
    schema = arrow_schema(table)
    idx = schema.get_field_index("start_ts")
    schema = schema.set(idx, pa.field("start_ts", pa.string()))
    for row in rows:
        row["start_ts"] = row["start_ts"].isoformat()
    pq.write_table(
        pa.Table.from_pylist(rows, schema=schema), parquet_delivery / "drg_contacts.parquet"
    )
    refresh_entry(parquet_delivery, "drg_contacts")
    message = _problems(parquet_delivery)
    assert (
        "table drg_contacts, column start_ts: expected timestamp (TIMESTAMP), found string"
        in message
    )


def test_missing_parquet_column(parquet_delivery: Path) -> None:
    data = pq.read_table(parquet_delivery / "persons.parquet").drop_columns(["birth_date"])
    pq.write_table(data, parquet_delivery / "persons.parquet")
    refresh_entry(parquet_delivery, "persons")
    assert "table persons, column birth_date: missing (expected date (DATE))" in _problems(
        parquet_delivery
    )


def test_acceptable_parquet_variants(parquet_delivery: Path) -> None:
    # narrower ints, ns timestamps, float money and dictionary strings read losslessly in DuckDB
    data = pq.read_table(parquet_delivery / "drg_courses.parquet")
    data = data.cast(
        pa.schema(
            [
                pa.field("course_id", pa.dictionary(pa.int32(), pa.string())),
                *[
                    pa.field(
                        f.name,
                        {
                            "region_code": pa.int16(),
                            "course_start": pa.timestamp("ns"),
                            "tariff_dkk": pa.float64(),
                        }.get(f.name, f.type),
                    )
                    for f in data.schema
                    if f.name != "course_id"
                ],
            ]
        )
    )
    pq.write_table(data, parquet_delivery / "drg_courses.parquet")
    refresh_entry(parquet_delivery, "drg_courses")
    validate_delivery(parquet_delivery)


def test_timezone_timestamp_is_rejected(parquet_delivery: Path) -> None:
    data = pq.read_table(parquet_delivery / "epj_contacts.parquet")
    idx = data.schema.get_field_index("start_ts")
    data = data.set_column(idx, "start_ts", data["start_ts"].cast(pa.timestamp("us", tz="UTC")))
    pq.write_table(data, parquet_delivery / "epj_contacts.parquet")
    refresh_entry(parquet_delivery, "epj_contacts")
    assert "column start_ts: expected timestamp (TIMESTAMP), found timestamp[us, tz=UTC]" in (
        _problems(parquet_delivery)
    )


def test_extra_column_is_a_warning(delivery: Path, fmt: str) -> None:
    table = load_contract().table("persons")
    rows = sample_rows(table)
    for row in rows:
        row["shoe_size"] = 42
    path = delivery / f"persons.{fmt}"
    if fmt == "parquet":
        schema = arrow_schema(table).append(pa.field("shoe_size", pa.int64()))
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    else:
        write_csv(path, [*table.column_names, "shoe_size"], rows)
    refresh_entry(delivery, "persons")
    result = validate_delivery(delivery)
    assert any("persons: extra columns shoe_size" in w for w in result.warnings)


def _rewrite_csv(delivery: Path, table: str, columns: Any, rows: list[dict[str, Any]]) -> None:
    """Replace one CSV table of a delivery and make its manifest entry agree with the file."""
    write_csv(delivery / f"{table}.csv", columns, rows)
    refresh_entry(delivery, table)


def test_csv_missing_column(csv_delivery: Path) -> None:
    table = load_contract().table("drg_courses")
    names = [n for n in table.column_names if n != "tariff_dkk"]
    _rewrite_csv(csv_delivery, "drg_courses", names, sample_rows(table))
    message = _problems(csv_delivery)
    assert "table drg_courses, column tariff_dkk: missing from the CSV header" in message
    assert "expected money (DECIMAL(14,2))" in message


def test_csv_bad_value(csv_delivery: Path) -> None:
    table = load_contract().table("persons")
    rows = sample_rows(table)
    rows[0]["birth_date"] = "2021-13-45"
    _rewrite_csv(csv_delivery, "persons", table.column_names, rows)
    message = _problems(csv_delivery)
    assert "table persons: CSV values do not parse as the contract types" in message
    assert "birth_date" in message


def test_csv_columns_in_another_order_pass(csv_delivery: Path) -> None:
    table = load_contract().table("persons")
    _rewrite_csv(csv_delivery, "persons", reversed(table.column_names), sample_rows(table))
    validate_delivery(csv_delivery)


def test_mixed_formats_fail(parquet_delivery: Path) -> None:
    table = load_contract().table("persons")
    write_csv(parquet_delivery / "persons.csv", table.column_names, sample_rows(table))
    (parquet_delivery / "persons.parquet").unlink()
    update_manifest(parquet_delivery, lambda m: m["tables"]["persons"].update(file="persons.csv"))
    refresh_entry(parquet_delivery, "persons")
    assert "mixed file formats" in _problems(parquet_delivery)


def test_unsupported_csv_dialect(csv_delivery: Path) -> None:
    update_manifest(csv_delivery, lambda m: m.update(csv={"delimiter": ",", "decimal": "."}))
    assert "csv delimiter ',' and decimal '.' are not supported" in _problems(csv_delivery)


def test_file_outside_delivery_is_rejected(parquet_delivery: Path) -> None:
    update_manifest(
        parquet_delivery, lambda m: m["tables"]["persons"].update(file="../persons.parquet")
    )
    assert "lies outside the delivery folder" in _problems(parquet_delivery)


def test_unknown_table_is_a_warning(parquet_delivery: Path) -> None:
    update_manifest(
        parquet_delivery,
        lambda m: m["tables"].update(extra={"file": "x.parquet", "rows": 0, "sha256": "0" * 64}),
    )
    result = validate_delivery(parquet_delivery)
    assert result.warnings == ["table extra: not in the contract; ignored"]


def test_count_csv_rows(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"a;b\n1;2\n3;4\n")
    assert count_csv_rows(path) == 2
    path.write_bytes(b"a;b\r\n1;2\r\n3;4")  # CRLF, no final newline
    assert count_csv_rows(path) == 2
    path.write_bytes(b"a;b\n")
    assert count_csv_rows(path) == 0
    # a quoted value with a line break is one record, not two (it was refused as N+1 rows)
    path.write_bytes(b'a;b\n1;"two\nlines"\n3;4\n')
    assert count_csv_rows(path) == 2


# -- the folder dbt reads ----------------------------------------------------------------------


def test_stage_delivery_fills_in_absent_optional_tables(tmp_path: Path, fmt: str) -> None:
    source = tmp_path / "delivery"
    write_delivery(source, fmt, omit=("epj_contacts", "accounting_bookings"))
    staged = stage_delivery(validate_delivery(source), tmp_path / "work" / "delivery")
    names = sorted(p.name for p in staged.iterdir())
    expected = ["manifest.json", AUDIT_NAME, *(f"{t.name}.{fmt}" for t in load_contract())]
    assert names == sorted(expected)
    assert (staged / f"persons.{fmt}").is_symlink()
    # the delivery audit: one row per contract table, absent optional tables marked as such
    with (staged / AUDIT_NAME).open(encoding="utf-8") as fh:
        audit = {row["source_table"]: row for row in csv.DictReader(fh)}
    assert set(audit) == {t.name for t in load_contract()}
    assert audit["epj_contacts"]["delivered"] == "false"
    assert audit["epj_contacts"]["sha256_status"] == "not_delivered"
    assert audit["persons"]["delivered"] == "true"
    assert audit["persons"]["sha256_status"] == "verified"
    assert audit["persons"]["manifest_rows"] == "2"
    placeholder = staged / f"epj_contacts.{fmt}"
    assert not placeholder.is_symlink()
    if fmt == "parquet":
        assert pq.read_schema(placeholder).equals(arrow_schema("epj_contacts"))
        assert pq.ParquetFile(placeholder).metadata.num_rows == 0
    else:
        assert placeholder.read_text("utf-8") == "contact_id;region_code;sor_code;start_ts\n"
    # staging again replaces the folder
    stage_delivery(validate_delivery(source), staged)
    assert json.loads((staged / "manifest.json").read_text("utf-8"))["contract_version"] == 1


def test_csv_not_utf8(csv_delivery: Path) -> None:
    path = csv_delivery / "practice_services.csv"
    path.write_bytes(path.read_text("utf-8").encode("cp1252"))
    update_manifest(
        csv_delivery,
        lambda m: m["tables"]["practice_services"].update(sha256=sha256(path)),
    )
    assert "table practice_services: practice_services.csv is not UTF-8 text" in _problems(
        csv_delivery
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"period": "2021"}, "'period' must be an object"),
        ({"period": {"from": "2021-01-01", "to": "31-12-2021"}}, "period.to must be a date"),
        ({"period": {"from": "2022-01-01", "to": "2021-12-31"}}, "lies after period.to"),
        ({"extracted_at": "yesterday"}, "extracted_at must be a timestamp"),
    ],
)
def test_a_malformed_period_is_one_line_not_a_traceback(
    parquet_delivery: Path, change: dict[str, Any], expected: str
) -> None:
    """A manifest period that was not a period gave AttributeError after the work folder was
    emptied (issue 10)."""
    update_manifest(parquet_delivery, lambda m: m.update(change))
    with pytest.raises(DeliveryError) as refused:
        read_manifest(parquet_delivery)
    assert expected in str(refused.value)
    assert len(refused.value.problems) == 1


def test_csv_dates_have_one_format_not_a_guess(csv_delivery: Path) -> None:
    """`03-01-2021` was read as 3 January when every day of a file was 12 or less: the format was
    guessed per file (issue 10). The contract fixes it: YYYY-MM-DD."""
    path = csv_delivery / "persons.csv"
    text = path.read_text(encoding="utf-8")
    swapped = re.sub(r"(\d{4})-(\d{2})-(\d{2})", r"\3-\2-\1", text)
    assert swapped != text
    path.write_text(swapped, encoding="utf-8")
    refresh_entry(csv_delivery, "persons")
    message = _problems(csv_delivery)
    assert "table persons: CSV values do not parse as the contract types" in message


def test_duplicate_parquet_column_names_are_refused(parquet_delivery: Path) -> None:
    """With two `sex` columns a reader took the first; a flipped column was published (issue 10)."""
    path = parquet_delivery / "persons.parquet"
    data = pq.read_table(path)
    flipped = pa.array(["K" if v == "M" else "M" for v in data.column("sex").to_pylist()])
    doubled = pa.Table.from_arrays([*data.columns, flipped], names=[*data.column_names, "sex"])
    pq.write_table(doubled, path)
    refresh_entry(parquet_delivery, "persons")
    assert "table persons: the file has more than one column named sex" in _problems(
        parquet_delivery
    )


def test_a_quoted_line_break_is_one_row(csv_delivery: Path) -> None:
    """A valid CSV with a line break inside a quoted value was refused as "N+1 rows" (issue 10)."""
    path = csv_delivery / "delivery_log.csv"
    header, first, *rest = path.read_text(encoding="utf-8").splitlines()
    system, *others = first.split(";")
    path.write_text(
        "\n".join([header, ";".join([f'"{system}\nnight run"', *others]), *rest]) + "\n",
        encoding="utf-8",
    )
    refresh_entry(csv_delivery, "delivery_log")  # (counts lines: 3 rows for 2 records)
    update_manifest(csv_delivery, lambda m: m["tables"]["delivery_log"].update(rows=2))
    update_manifest(csv_delivery, lambda m: m["tables"]["delivery_log"].update(sha256=sha256(path)))
    validate_delivery(csv_delivery)
