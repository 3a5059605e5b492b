"""The dbt sources file: generated from the contract, and readable by dbt in both formats."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from deliveries import Row, write_delivery
from medfin.build import WAREHOUSE_ENV, Dbt, dbt_env, environ
from medfin.contract import (
    AUDIT_COLUMNS,
    AUDIT_ENV,
    AUDIT_TABLE,
    BUILD_SOURCE_NAME,
    DELIVERY_ENV,
    DELIVERY_FORMAT_ENV,
    DELIVERY_SCHEMA,
    READER_PATH,
    SOURCE_NAME,
    SOURCES_YAML_PATH,
    Table,
    csv_read_type,
    duckdb_type,
    load_contract,
    reader,
    render_build_sources_yaml,
    render_sources_files,
    render_sources_yaml,
)
from medfin.contract import main as contract_main
from medfin.extract import stage_delivery, validate_delivery

OMITTED = ("lpr_error_list", "delivery_log")


def test_committed_sources_files_are_in_sync(repo_root: Path) -> None:
    for path, text in render_sources_files(repo_root / SOURCES_YAML_PATH).items():
        committed = path.read_text(encoding="utf-8")
        assert committed == text, f"run `python -m medfin.contract` to regenerate {path.name}"


def test_sources_cover_the_contract() -> None:
    doc = yaml.safe_load(render_sources_yaml())
    (source,) = doc["sources"]
    assert source["name"] == SOURCE_NAME
    tables = {t["name"]: t for t in source["tables"]}
    contract = load_contract()
    assert list(tables) == list(contract.tables)
    for table in contract:
        spec = tables[table.name]
        assert spec["description"]
        assert spec["config"]["meta"]["formatter"] == "template"
        location = spec["config"]["meta"]["external_location"]
        assert f"/{table.name}.parquet', file_row_number=true)" in location
        assert f"/{table.name}.csv" in location
        # A plain `dbt build` reads the on-run-start hook's view, made with these readers
        relation = spec["config"]["meta"]["plain_relation"]
        assert relation == f"{DELIVERY_SCHEMA}.{table.name}"
        assert f"(select * from {relation})" in location
        readers = spec["config"]["meta"]["readers"]
        for fmt in ("parquet", "csv"):
            assert readers[fmt] == "\n".join(reader(table, fmt, READER_PATH))
            assert "\n".join(reader(table, fmt, "{{ delivery }}/" + table.name + "." + fmt)) in (
                location
            )
        assert [c["name"] for c in spec["columns"]] == list(table.column_names)
        for column, col_spec in zip(table.columns, spec["columns"], strict=True):
            assert col_spec["data_type"] == duckdb_type(column)
            assert col_spec["description"]


def test_build_sources_cover_the_audit() -> None:
    """The delivery audit's source: medfin build's CSV when MEDFIN_DELIVERY_AUDIT is set, else
    the hook's table; its columns are extract.py's (AUDIT_COLUMNS, one list)."""
    (source,) = yaml.safe_load(render_build_sources_yaml())["sources"]
    assert source["name"] == BUILD_SOURCE_NAME
    (table,) = source["tables"]
    assert table["name"] == AUDIT_TABLE
    location = table["config"]["meta"]["external_location"]
    assert f"env_var('{AUDIT_ENV}', '')" in location
    assert table["config"]["meta"]["plain_relation"] == f"{DELIVERY_SCHEMA}.{AUDIT_TABLE}"
    assert f"(select * from {DELIVERY_SCHEMA}.{AUDIT_TABLE})" in location
    assert [(c["name"], c["data_type"]) for c in table["columns"]] == [
        (c.name, c.type) for c in AUDIT_COLUMNS
    ]
    from medfin.extract import AUDIT_COLUMNS as written

    assert written == tuple(c["name"] for c in table["columns"])


def test_contract_cli_check(tmp_path: Path) -> None:
    target = tmp_path / "sources.yml"
    assert contract_main(["--check", str(target)]) == 1
    assert contract_main([str(target)]) == 0
    assert contract_main(["--check", str(target)]) == 0
    (tmp_path / "_medfin_build__sources.yml").write_text("stale", encoding="utf-8")
    assert contract_main(["--check", str(target)]) == 1


# -- reading a real delivery through dbt ---------------------------------------------------------


def _probe_project(repo_root: Path, where: Path) -> Path:
    """A throwaway dbt project: the repo's dbt_project.yml, profiles.yml, macros and sources files,
    plus one table model per raw source (no other models, so colleagues' work cannot interfere)."""
    project = where / "project"
    (project / "models" / "probe").mkdir(parents=True)
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(repo_root / name, project / name)
    shutil.copytree(repo_root / "macros", project / "macros")
    for path in render_sources_files(repo_root / SOURCES_YAML_PATH):
        shutil.copy(path, project / "models" / path.name)
    for table in load_contract():
        (project / "models" / "probe" / f"raw_{table.name}.sql").write_text(
            "{{ config(materialized='table', schema='probe') }}\n"
            f"select * from {{{{ source('{SOURCE_NAME}', '{table.name}') }}}}\n",
            encoding="utf-8",
        )
    return project


def _read_through_dbt(
    repo_root: Path, tmp_path: Path, fmt: str, *, plain: bool = False
) -> tuple[dict[str, Any], Path]:
    """dbt reads a delivery: staged by medfin (what `medfin build` passes), or, `plain`, as
    delivered with only MEDFIN_DELIVERY set (the on-run-start hook's views)."""
    delivery = tmp_path / f"delivery-{fmt}"
    written = write_delivery(delivery, fmt, omit=OMITTED)
    project = _probe_project(repo_root, tmp_path / fmt)
    warehouse = tmp_path / fmt / "warehouse" / "read_probe.duckdb"
    if plain:
        with pytest.MonkeyPatch.context() as env:
            for name in (DELIVERY_FORMAT_ENV, AUDIT_ENV):
                env.delenv(name, raising=False)
            env.setenv(DELIVERY_ENV, str(delivery))
            env.setenv(WAREHOUSE_ENV, str(warehouse))  # its folder is made by the profile
            Dbt(project).invoke(["run", "--threads", "2"])
        return written, warehouse
    warehouse.parent.mkdir(parents=True)
    staged = stage_delivery(validate_delivery(delivery), tmp_path / fmt / "staged")
    with environ(dbt_env(staged, fmt, warehouse)):
        Dbt(project).invoke(["run", "--threads", "2"])
    return written, warehouse


# Parquet sources carry DuckDB's 0-based file row number (staging's source_row_number); the CSV
# reader has no such column.
FILE_ROW_NUMBER = ("file_row_number", "BIGINT")


def _select_contract_columns(table: Table) -> str:
    return f"select {', '.join(table.column_names)} from probe.raw_{table.name}"


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()


@pytest.fixture(scope="module")
def dbt_reads(
    tmp_path_factory: pytest.TempPathFactory, repo_root: Path
) -> dict[str, tuple[dict[str, list[Row]], Path]]:
    out = {}
    for fmt in ("parquet", "csv"):
        out[fmt] = _read_through_dbt(repo_root, tmp_path_factory.mktemp(f"dbt-{fmt}"), fmt)
        out[f"{fmt}-plain"] = _read_through_dbt(
            repo_root, tmp_path_factory.mktemp(f"dbt-{fmt}-plain"), fmt, plain=True
        )
    return out


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_dbt_reads_every_source_with_contract_types(
    dbt_reads: dict[str, tuple[dict[str, list[Row]], Path]], fmt: str
) -> None:
    written, warehouse = dbt_reads[fmt]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # generate_schema_name: the custom schema is used as is, not main_probe
        schemas = {
            r[0]
            for r in con.execute("select schema_name from information_schema.schemata").fetchall()
        }
        assert "probe" in schemas
        assert "main_probe" not in schemas
        for table in load_contract():
            # CSV money is read wider (contract csv.money_read_type) so a third decimal survives
            read_type = duckdb_type if fmt == "parquet" else csv_read_type
            expected = [(c.name, read_type(c)) for c in table.columns]
            if fmt == "parquet":
                expected.append(FILE_ROW_NUMBER)
            assert _columns(con, "probe", f"raw_{table.name}") == expected, table.name
            rows = con.execute(_select_contract_columns(table)).fetchall()
            if table.name in OMITTED:
                assert rows == [], table.name  # empty placeholder for an absent optional table
            else:
                want = [tuple(r[c] for c in table.column_names) for r in written[table.name]]
                assert sorted(rows, key=repr) == sorted(want, key=repr), table.name
            if fmt == "parquet":
                numbers = con.execute(
                    f"select file_row_number from probe.raw_{table.name} order by 1"
                ).fetchall()
                assert numbers == [(i,) for i in range(len(rows))], table.name


def _comparable_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """Columns and types, money as DECIMAL: CSV money is read wider (contract
    csv.money_read_type); the values must still be equal."""
    return [
        (name, "DECIMAL" if kind.startswith("DECIMAL") else kind)
        for name, kind in _columns(con, "probe", f"raw_{table}")
        if (name, kind) != FILE_ROW_NUMBER
    ]


def test_parquet_and_csv_read_identically(
    dbt_reads: dict[str, tuple[dict[str, list[Row]], Path]],
) -> None:
    results = {}
    for fmt in ("parquet", "csv"):
        _, warehouse = dbt_reads[fmt]
        with duckdb.connect(str(warehouse), read_only=True) as con:
            results[fmt] = {
                t.name: (
                    _comparable_columns(con, t.name),
                    sorted(con.execute(_select_contract_columns(t)).fetchall(), key=repr),
                )
                for t in load_contract()
            }
    assert results["parquet"] == results["csv"]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_plain_dbt_run_reads_the_delivery_as_delivered(
    dbt_reads: dict[str, tuple[dict[str, list[Row]], Path]], fmt: str
) -> None:
    """Only MEDFIN_DELIVERY set: the on-run-start hook's views give the rows of the staged read,
    in file order with a 0-based file_row_number in both formats; an absent optional table is
    empty with the types of the format's reader; the audit is made from manifest.json."""
    written, warehouse = dbt_reads[f"{fmt}-plain"]
    _, staged_warehouse = dbt_reads[fmt]
    with (
        duckdb.connect(str(warehouse), read_only=True) as con,
        duckdb.connect(str(staged_warehouse), read_only=True) as staged,
    ):
        for table in load_contract():
            read_type = csv_read_type if fmt == "csv" else duckdb_type
            expected = [(c.name, read_type(c)) for c in table.columns] + [FILE_ROW_NUMBER]
            assert _columns(con, "probe", f"raw_{table.name}") == expected, table.name
            rows = con.execute(
                _select_contract_columns(table) + " order by file_row_number"
            ).fetchall()
            want = [tuple(r[c] for c in table.column_names) for r in written.get(table.name, [])]
            assert rows == want, table.name
            assert sorted(rows, key=repr) == sorted(
                staged.execute(_select_contract_columns(table)).fetchall(), key=repr
            )
            numbers = con.execute(f"select file_row_number from probe.raw_{table.name}").fetchall()
            assert sorted(numbers) == [(i,) for i in range(len(rows))], table.name
        audit = con.execute(
            f"select source_table, delivered, file_format, sha256_status"
            f" from {DELIVERY_SCHEMA}.{AUDIT_TABLE}"
        ).fetchall()
    assert sorted(audit) == sorted(
        (
            t.name,
            t.name not in OMITTED,
            fmt,
            "not_delivered" if t.name in OMITTED else "not_checked",
        )
        for t in load_contract()
    )


def test_project_parses_from_repo_root(repo_root: Path, tmp_path: Path) -> None:
    """The real project parses with ./profiles.yml (no ~/.dbt); seeds land in schema `seeds`."""
    manifest = Dbt(repo_root).invoke(["parse", "--target-path", str(tmp_path / "target")]).result
    sources = [s for s in manifest.sources.values() if s.source_name == SOURCE_NAME]
    assert len(sources) == len(load_contract().tables)
    for node in manifest.nodes.values():
        if node.resource_type == "seed":
            assert node.schema == "seeds", node.unique_id
