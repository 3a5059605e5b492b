"""The dbt sources file: generated from the contract, and readable by dbt in both formats."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from deliveries import Row, write_delivery
from medfin.build import Dbt, dbt_env, environ
from medfin.contract import (
    SOURCE_NAME,
    SOURCES_YAML_PATH,
    Table,
    csv_read_type,
    duckdb_type,
    load_contract,
    render_sources_yaml,
)
from medfin.contract import main as contract_main
from medfin.extract import stage_delivery, validate_delivery

OMITTED = ("lpr_error_list", "delivery_log")


def test_committed_sources_file_is_in_sync(repo_root: Path) -> None:
    committed = (repo_root / SOURCES_YAML_PATH).read_text(encoding="utf-8")
    assert committed == render_sources_yaml(), "run `python -m medfin.contract` to regenerate"


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
        assert [c["name"] for c in spec["columns"]] == list(table.column_names)
        for column, col_spec in zip(table.columns, spec["columns"], strict=True):
            assert col_spec["data_type"] == duckdb_type(column)
            assert col_spec["description"]


def test_contract_cli_check(tmp_path: Path) -> None:
    target = tmp_path / "sources.yml"
    assert contract_main(["--check", str(target)]) == 1
    assert contract_main([str(target)]) == 0
    assert contract_main(["--check", str(target)]) == 0


# -- reading a real delivery through dbt ---------------------------------------------------------


def _probe_project(repo_root: Path, where: Path) -> Path:
    """A throwaway dbt project: the repo's dbt_project.yml, profiles.yml, macros and sources file,
    plus one table model per source (and no other models, so colleagues' work cannot interfere)."""
    project = where / "project"
    (project / "models" / "probe").mkdir(parents=True)
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(repo_root / name, project / name)
    shutil.copytree(repo_root / "macros", project / "macros")
    shutil.copy(repo_root / SOURCES_YAML_PATH, project / "models" / "sources.yml")
    for table in load_contract():
        (project / "models" / "probe" / f"raw_{table.name}.sql").write_text(
            "{{ config(materialized='table', schema='probe') }}\n"
            f"select * from {{{{ source('{SOURCE_NAME}', '{table.name}') }}}}\n",
            encoding="utf-8",
        )
    return project


def _read_through_dbt(repo_root: Path, tmp_path: Path, fmt: str) -> tuple[dict[str, Any], Path]:
    delivery = tmp_path / f"delivery-{fmt}"
    written = write_delivery(delivery, fmt, omit=OMITTED)
    project = _probe_project(repo_root, tmp_path / fmt)
    warehouse = tmp_path / fmt / "warehouse" / "read_probe.duckdb"
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
    for fmt, (_, warehouse) in dbt_reads.items():
        with duckdb.connect(str(warehouse), read_only=True) as con:
            results[fmt] = {
                t.name: (
                    _comparable_columns(con, t.name),
                    sorted(con.execute(_select_contract_columns(t)).fetchall(), key=repr),
                )
                for t in load_contract()
            }
    assert results["parquet"] == results["csv"]


def test_project_parses_from_repo_root(repo_root: Path, tmp_path: Path) -> None:
    """The real project parses with ./profiles.yml (no ~/.dbt); seeds land in schema `seeds`."""
    manifest = Dbt(repo_root).invoke(["parse", "--target-path", str(tmp_path / "target")]).result
    sources = [s for s in manifest.sources.values() if s.source_name == SOURCE_NAME]
    assert len(sources) == len(load_contract().tables)
    for node in manifest.nodes.values():
        if node.resource_type == "seed":
            assert node.schema == "seeds", node.unique_id
