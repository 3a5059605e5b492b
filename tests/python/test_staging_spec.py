"""The contract is the one source of staging: the generated files, the reasons and their copies.

The rules themselves are tested row by row in test_staging.py (every rule quarantines a planted
row); this module checks that nothing written by hand can drift from the contract.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from medfin.contract import Column, load_contract
from medfin.contract.staging import (
    BASE_YAML_PATH,
    GENERATED_FILES,
    REASON_NAMES,
    STAGING_MODELS,
    base_model,
    contract_rules,
    main,
    normaliser,
)

REPO = Path(__file__).resolve().parents[2]
CONTRACT = load_contract()


def test_generated_staging_files_are_in_sync() -> None:
    for relative, render in GENERATED_FILES.items():
        committed = (REPO / relative).read_text(encoding="utf-8")
        assert committed == render(), f"{relative}: run `python -m medfin.contract.staging`"
    assert main(["--check"]) == 0


def test_every_contract_property_becomes_a_rule() -> None:
    for table in CONTRACT:
        rules = contract_rules(CONTRACT, table)
        tests = {(r["column"], r["test"]) for r in rules}
        for col in table.columns:
            assert ((col.name, "not_null") in tests) == (not col.nullable), (table.name, col.name)
            assert ((col.name, "allowed") in tests) == (col.allowed is not None)
            assert ((col.name, "pattern") in tests) == (col.pattern is not None)
            assert ((col.name, "minimum") in tests) == (col.minimum is not None)
            assert ((col.name, "maximum") in tests) == (col.maximum is not None)
            assert ((col.name, "money_precision") in tests) == (col.type == "money")
        assert any(r["test"] == "duplicate_key" for r in rules) == bool(table.key)
        order = [REASON_NAMES.index(r["reason"]) for r in rules]
        assert order == sorted(order), table.name


def test_codes_are_normalised_to_the_case_the_contract_writes() -> None:
    def col(**kw: object) -> Column:
        return Column(name="c", type="string", nullable=False, description="", **kw)  # type: ignore[arg-type]

    assert normaliser(col(allowed=("M", "K"))) == "upper"
    assert normaliser(col(allowed=("hospice", "medfinansiering"))) == "lower"
    assert normaliser(col(pattern="^D[A-Z][0-9]{2}[0-9A-Z]{0,4}$")) == "upper"
    assert normaliser(col()) == "trim"
    assert normaliser(Column("n", "integer", False, "")) is None
    assert normaliser(CONTRACT.table("practice_services").column("provider_kind")) == "lower"


def test_every_raw_table_has_one_base_model_described_once() -> None:
    doc = yaml.safe_load((REPO / BASE_YAML_PATH).read_text(encoding="utf-8"))
    names = [m["name"] for m in doc["models"]]
    assert names == [base_model(t.name) for t in CONTRACT]
    assert set(STAGING_MODELS) == {t.name for t in CONTRACT}
    on_disk = sorted(p.stem for p in (REPO / "models/staging/base").glob("*.sql"))
    assert on_disk == sorted(names)
    for model in doc["models"]:
        table = CONTRACT.table(model["name"].removeprefix("base_medfin__"))
        described = [c["name"] for c in model["columns"]]
        assert described[:2] == ["source_row_number", "delivery_month"], model["name"]
        assert described[2:-4] == list(table.column_names), model["name"]
        # Each base model calls the staging macro for its own table, nothing else.
        sql = (REPO / "models/staging/base" / f"{model['name']}.sql").read_text(encoding="utf-8")
        assert re.findall(r"staging_checked\('(\w+)'", sql) == [table.name]


def test_the_reasons_have_one_order_everywhere() -> None:
    """REASONS is the one list; the docs, the quarantine model's accepted values and its
    description follow it."""
    docs = (REPO / "docs/staging-interface.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\d+\. `(\w+)`", docs, flags=re.MULTILINE)
    assert listed == list(REASON_NAMES)
    staging_yaml = yaml.safe_load(
        (REPO / "models/staging/_medfin__models.yml").read_text(encoding="utf-8")
    )
    (quarantine,) = [m for m in staging_yaml["models"] if m["name"] == "stg_medfin__quarantine"]
    (reason,) = [c for c in quarantine["columns"] if c["name"] == "rejection_reason"]
    accepted = [t for t in reason["data_tests"] if isinstance(t, dict) and "accepted_values" in t]
    assert accepted[0]["accepted_values"]["arguments"]["values"] == list(REASON_NAMES)
    positions = [reason["description"].find(name) for name in REASON_NAMES]
    assert -1 not in positions and positions == sorted(positions)


def _staging_column_sources(model: str) -> dict[str, str]:
    """Staging column -> the base (contract) column it is, from the `base AS staging` renames of
    the staging model's select list; an unrenamed column is its own source."""
    sql = (REPO / "models" / "staging" / f"{model}.sql").read_text(encoding="utf-8")
    return {new: old for old, new in re.findall(r"^\s*(\w+) as (\w+),?\s*$", sql, re.MULTILINE)}


def _guarantee(table: Any, column: Column | None, test: str) -> str | None:
    """Which contract rule already guarantees `test` on a staged column, if one does."""
    if column is None:
        return None
    if test == "not_null" and not column.nullable:
        return "the contract requires it (null_key / missing_value)"
    if test == "unique" and list(table.key or ()) == [column.name]:
        return "it is the contract key (duplicate_key)"
    if test == "accepted_values" and column.allowed is not None:
        return "the contract lists its values (invalid_code)"
    return None


def test_staging_tests_do_not_recheck_what_the_contract_guarantees() -> None:
    """A staging row broke no rule of its base model, so a required column is never null, the key
    is unique and a coded column holds an allowed value: a dbt test of that would scan the
    largest tables again for nothing (test_staging plants a row breaking each rule instead)."""
    spec = yaml.safe_load(
        (REPO / "models" / "staging" / "_medfin__models.yml").read_text(encoding="utf-8")
    )
    tables = {table.name: table for table in load_contract()}
    models = {model: table for table, model in STAGING_MODELS.items()}
    rechecks = []
    checked_models = 0
    for model in spec["models"]:
        if model["name"] not in models:
            continue
        checked_models += 1
        table = tables[models[model["name"]]]
        columns = {c.name: c for c in table.columns}
        sources = _staging_column_sources(model["name"])
        for column in model.get("columns", []):
            source = columns.get(sources.get(column["name"], column["name"]))
            for test in column.get("data_tests") or []:
                name = test if isinstance(test, str) else next(iter(test))
                why = _guarantee(table, source, name)
                if why:
                    rechecks.append(f"{model['name']}.{column['name']}: {name} ({why})")
    assert checked_models == len(STAGING_MODELS)
    assert rechecks == [], "\n".join(rechecks)


def test_every_list_of_the_contract_tables_is_the_contract() -> None:
    """The accepted values of a `source_table` column of every raw table (quarantine, delivery
    audit, row conservation) are copies of the contract's table list: a table added to the
    contract (1.1: population_projection) must be added to each, in contract order. A list of
    some tables (residence_agreement's) names contract tables in contract order."""
    tables = [t.name for t in CONTRACT]
    required = {t.name for t in CONTRACT.required_tables}
    found = 0
    for path in sorted((REPO / "models").rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            for column in model.get("columns", []):
                if column["name"] != "source_table":
                    continue
                for test in column.get("data_tests") or []:
                    if isinstance(test, dict) and "accepted_values" in test:
                        values = test["accepted_values"]["arguments"]["values"]
                        where = f"{path.name}: {model['name']}"
                        assert values == [t for t in tables if t in values], where
                        if required <= set(values):
                            assert values == tables, where
                            found += 1
    assert found >= 3
