"""Not null in the contracted mart tables is a constraint of the table, not a dbt test.

DuckDB refuses a null in a NOT NULL column as the row is written, so a `not_null` data test on
such a column could never fail: it only cost a node and a scan per column in every build (202
of them). These tests keep it that way and check that the YAML's constraints reach the tables.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from medfin.project import mart_schemas
from warehouses import Built, built

REPO = Path(__file__).resolve().parents[2]
MARTS = REPO / "models" / "marts"
VIEW_CONFIG = re.compile(r"materialized\s*=\s*['\"]view['\"]")


def _models() -> list[tuple[Path, dict[str, Any]]]:
    return [
        (path, model)
        for path in sorted(MARTS.rglob("*.yml"))
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models") or []
    ]


def _enforced_tables() -> list[tuple[Path, dict[str, Any]]]:
    """Contracted models that are tables (marts are tables unless the model's SQL or YAML makes
    it a view; a view cannot hold a constraint, so its not_null tests stay)."""
    tables = []
    for path, model in _models():
        config = model.get("config") or {}
        sql = next(MARTS.rglob(f"{model['name']}.sql")).read_text(encoding="utf-8")
        view = config.get("materialized") == "view" or VIEW_CONFIG.search(sql)
        if (config.get("contract") or {}).get("enforced") and not view:
            tables.append((path, model))
    return tables


def _not_null_columns(model: dict[str, Any]) -> set[str]:
    return {
        column["name"]
        for column in model.get("columns") or []
        if any((c or {}).get("type") == "not_null" for c in column.get("constraints") or [])
    }


def test_no_not_null_test_where_the_table_has_the_constraint() -> None:
    enforced = _enforced_tables()
    assert len(enforced) > 30  # the marts are found at all
    tested = [
        f"{path.relative_to(REPO)}: {model['name']}.{column['name']}"
        for path, model in enforced
        for column in model.get("columns") or []
        if "not_null" in (column.get("data_tests") or [])
    ]
    assert not tested, "make these `constraints: [{type: not_null}]`:\n" + "\n".join(tested)


@pytest.fixture(scope="module")
def build() -> Built:
    return built("default")


def test_the_constraints_reach_the_tables(build: Built) -> None:
    with duckdb.connect(str(build.warehouse), read_only=True) as con:
        rows = con.execute(
            "select schema_name, table_name, unnest(constraint_column_names)"
            " from duckdb_constraints() where constraint_type = 'NOT NULL'"
        ).fetchall()
    in_warehouse: dict[str, set[str]] = {}
    for schema, table, column in rows:
        if schema in mart_schemas():
            in_warehouse.setdefault(table, set()).add(column)
    constrained = 0
    for _, model in _enforced_tables():
        wanted = _not_null_columns(model)
        assert wanted <= in_warehouse.get(model["name"], set()), model["name"]
        constrained += len(wanted)
    assert constrained > 150


def test_a_null_in_a_constrained_column_is_refused(build: Built, tmp_path: Path) -> None:
    """What replaced the data test: the write fails and names the table and the column."""
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(build.warehouse.read_bytes())
    table = "finance.co_financing_by_municipality_month"
    with (
        duckdb.connect(str(copy)) as con,
        pytest.raises(duckdb.ConstraintException, match=r"municipality_month\.municipality_code"),
    ):
        # a row of the table as it is, but for a null paying municipality
        con.execute(
            f"insert into {table} select * replace (null::integer as municipality_code)"
            f" from {table} limit 1"
        )
