"""Monthly increments (docs/incremental.md) at tiny scale.

The session's tiny delivery with the `dirty` defects (the `default` defects plus a malformed row
for every staging rule: null and duplicate keys, one DRG course key in May and November, bad
codes, a patient without residence) is cut into twelve month deliveries (medfin split) and loaded
one by one with `build(..., incremental=True)` into a new warehouse: once per module (`loaded`),
then copied by each test that loads more. The months loaded one by one must give the warehouse of
one full build of the year (the session's shared build), table for table; loading a month again
changes nothing; a re-delivered month replaces the month (the marts equal a full build of the
changed year, and again the first year once the month is re-delivered as it was); a month that
changes a closed year's golden figures, or that does not fit, is refused and leaves the published
files as they were.

How two warehouses are compared (`comparable`): the checksum of every table and view of schemas
core, finance, planning, reporting, quality, intermediate and staging (scripts/mart_checksums.py:
column names and types and every row), leaving out only what describes the load rather than the
data:

- run ids and wall-clock times (mart_checksums' own list: run_id, run_at, validated_at,
  published_at; and golden_published_at, when a golden figure was published);
- delivery_id: the delivery a row or check result came in (the year's id against a month's);
- sha256_manifest (staging.stg_medfin_build__delivery_audit): the checksum of the delivered
  files, one year file against twelve month files;
- quality.check_results: only the latest run is compared (the history of thirteen loads against
  one build); with `history=False` also the tables that depend on what was published before
  (quality.golden_figures, golden_figure_comparison and mart_check_results, whose
  golden_figures_unchanged is not applicable in a first build), for warehouses with different
  publication histories.

Each row's origin is compared, not left out: the full build's rows are numbered as the months
number them (delivery_month and source_row_number of the base tables and the quarantine, from
the split) before its checksums are taken.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from deliveries import rewrite_table, update_manifest
from medfin.build import BuildError, BuildResult, build, work_dir
from medfin.contract import load_contract
from medfin.contract.staging import base_model
from medfin.extract import DeliveryError, delivery_month, month_end, sha256_file, validate_delivery
from medfin.generate.months import split_into_months, split_rows
from medfin.increment import INCREMENTAL_MONTH_ENV, Load, plan, project_fingerprint, store_dir
from medfin.project import mart_schemas, project_dir
from warehouses import (
    REPO,
    STAGING_MODELS,
    built,
    digests,
    generated_delivery,
    published_copy,
    tampered_copy,
)

DEFECTS = "dirty"
SCHEMAS = [*mart_schemas(), "intermediate", "staging"]
# Besides mart_checksums' run ids and wall-clock times (see the module docstring).
LOAD_COLUMNS = frozenset({"delivery_id", "sha256_manifest", "golden_published_at"})
HISTORY_TABLES = (
    "quality.check_results",
    "quality.golden_figures",
    "quality.golden_figure_comparison",
    "quality.mart_check_results",
)
CUT = tuple(t.name for t in load_contract().by_month_tables)


def _mart_checksums() -> Any:
    spec = importlib.util.spec_from_file_location(
        "mart_checksums", REPO / "scripts" / "mart_checksums.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def comparable(
    warehouse: Path, where: Path, *, numbered_as: Path | None = None, history: bool = True
) -> dict[str, tuple[str, ...]]:
    """Checksums of a copy of `warehouse` (see the module docstring); `numbered_as`: a full
    delivery whose rows are numbered as its months number them."""
    copy = where / f"compared-{len(list(where.glob('compared-*')))}.duckdb"
    shutil.copyfile(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        if numbered_as is not None:
            _number_as_months(con, validate_delivery(numbered_as))
        con.execute(
            "delete from quality.check_results where run_id != (select run_id from"
            " quality.check_results order by run_at desc limit 1)"
        )
        if not history:
            for table in HISTORY_TABLES:
                con.execute(f"drop table {table}")
    rows = _mart_checksums().checksums(str(copy), SCHEMAS, LOAD_COLUMNS)
    return {name: tuple(rest) for name, *rest in rows}


def _number_as_months(con: duckdb.DuckDBPyConnection, delivery: Any) -> None:
    """Give each row of a full build the origin its month delivery gives it: (month, row of the
    month's file) for a table cut by month, (last month, same row) for a whole table."""
    split = split_rows(delivery)
    for table in load_contract():
        rows = delivery.tables[table.name].rows if table.name in delivery.tables else 0
        if table.name in split.rows:
            index = split.rows[table.name]
            month_row = np.zeros(rows, dtype=np.int64)
            for i in range(len(split.months)):
                picked = np.flatnonzero(index == i)
                month_row[picked] = np.arange(1, len(picked) + 1)
            months = np.array(split.months, dtype="datetime64[D]")[index]
        else:
            month_row = np.arange(1, rows + 1)
            months = np.full(rows, np.datetime64(split.months[-1], "D"))
        origin = pa.table(
            {"year_row": np.arange(1, rows + 1), "month": months, "month_row": month_row}
        )
        con.register("origin", origin)
        con.execute(
            f"update staging.{base_model(table.name)} as t set delivery_month = origin.month,"
            " source_row_number = origin.month_row from origin"
            " where t.source_row_number = origin.year_row"
        )
        con.execute(
            "update staging.stg_medfin__quarantine as t set delivery_month = origin.month,"
            " source_row_number = origin.month_row from origin"
            f" where t.source_table = '{table.name}' and t.source_row_number = origin.year_row"
        )
        con.unregister("origin")


def _judged_months(warehouse: Path) -> dict[str, set[str]]:
    """Per table cut by month, the months the last build's base model judged (its compiled SQL);
    an empty set: every row."""
    compiled = work_dir(warehouse) / "target" / "compiled" / "medfin" / "models" / "staging"
    judged = {}
    for table in CUT:
        sql = (compiled / "base" / f"{base_model(table)}.sql").read_text(encoding="utf-8")
        where = re.search(r"where raw\.delivery_month in (.*)", sql)
        judged[table] = set(re.findall(r"'(\d{4}-\d{2}-\d{2})'", where.group(1) if where else ""))
    return judged


def _store_files(warehouse: Path) -> dict[str, str]:
    folder = store_dir(warehouse)
    return {str(p.relative_to(folder)): sha256_file(p) for p in sorted(folder.rglob("*.*"))}


def _copy(warehouse: Path, where: Path) -> Path:
    """A copy of a month-loaded warehouse (published files, releases, month store)."""
    folder = shutil.copytree(
        warehouse.parent, where, symlinks=True, ignore=shutil.ignore_patterns("*.work")
    )
    return Path(folder) / warehouse.name


def _load(month: Path, warehouse: Path, **kwargs: Any) -> BuildResult:
    kwargs.setdefault("expectations", False)
    return build(month, warehouse, verbose=False, incremental=True, **kwargs)


@pytest.fixture(scope="module")
def months(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return split_into_months(generated_delivery(DEFECTS), tmp_path_factory.mktemp("months"))


@pytest.fixture(scope="module")
def loaded(months: list[Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The twelve months loaded one by one into a new warehouse (the last with the Great
    Expectations suites, as the shared full build ran them), with each load's result and the
    months its base models judged."""
    warehouse = tmp_path_factory.mktemp("loaded") / "medfin.duckdb"
    results, judged = [], []
    for i, month in enumerate(months):
        results.append(_load(month, warehouse, expectations=i == len(months) - 1))
        judged.append(_judged_months(warehouse))
    return {"warehouse": warehouse, "results": results, "judged": judged}


# --------------------------------------------------------------------------- the month deliveries
@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_delivery_is_cut_into_month_deliveries_row_for_row(fmt: str, tmp_path: Path) -> None:
    year = validate_delivery(generated_delivery(DEFECTS, fmt))
    folders = split_into_months(year.directory, tmp_path)
    split = split_rows(year)
    assert [f.name for f in folders] == [m.strftime("%Y-%m") for m in split.months]
    assert len(folders) == 12
    months = [validate_delivery(folder) for folder in folders]
    extracted = [datetime.fromisoformat(m.manifest["extracted_at"]) for m in months]
    assert [delivery_month(m.manifest) for m in months] == list(split.months)
    assert extracted == sorted(extracted)
    # the last month ends where the year ends: the same extract, so the same closed years
    assert extracted[-1] == datetime.fromisoformat(year.manifest["extracted_at"])
    # each month was extracted after it ended
    assert all(e.date() > month_end(m) for e, m in zip(extracted, split.months, strict=True))
    with duckdb.connect() as con:
        for name, delivered in year.tables.items():
            rows = _rows(con, delivered)
            if name in split.rows:
                for month, delivery in zip(split.months, months, strict=True):
                    picked = split.month_rows(name, month)
                    # the month's rows, in the order of the year's file
                    assert _rows(con, delivery.tables[name]) == [rows[i] for i in picked], name
                assert sum(m.tables[name].rows for m in months) == delivered.rows
            else:
                assert months[-1].tables[name].sha256 == delivered.sha256, name
                for delivery, when in zip(months, extracted, strict=True):
                    kept = _rows(con, delivery.tables[name])
                    assert set(kept) <= set(rows), name
                    if name == "persons":  # as_of: nobody born after the extract
                        born = [r for r in rows if r not in set(kept)]
                        assert all(_after(r[2], when) for r in born), (name, when)


def _after(value: Any, when: datetime) -> bool:
    day = value if not isinstance(value, str) else datetime.fromisoformat(value).date()
    return day is not None and day > when.date()


def _rows(con: duckdb.DuckDBPyConnection, delivered: Any) -> list[tuple[Any, ...]]:
    """The contract columns of a delivered file as text, in file order."""
    table = delivered.table
    path = str(delivered.path).replace("'", "''")
    if delivered.format == "parquet":
        relation = f"read_parquet('{path}')"
    else:
        relation = f"read_csv('{path}', delim=';', header=true, all_varchar=true, quote='\"')"
    columns = ", ".join(f"cast({c} as varchar)" for c in table.column_names)
    return con.execute(f"select {columns} from {relation}").fetchall()


# --------------------------------------------------------------------------- loading them
def test_months_loaded_one_by_one_equal_one_full_build(
    loaded: dict[str, Any], tmp_path: Path
) -> None:
    results: list[BuildResult] = loaded["results"]
    assert all(r.published for r in results)
    assert "every loaded row" in str(results[0].load_note)  # the first month starts a warehouse
    assert all("affected months only" in str(r.load_note) for r in results[1:])
    # The duplicate course key of May and November: loading November judged May again.
    november = loaded["judged"][10]
    assert november["drg_courses"] == {"2021-11-01", "2021-05-01"}
    assert november["drg_contacts"] == {"2021-11-01"}
    full = built(DEFECTS)
    assert comparable(loaded["warehouse"], tmp_path) == comparable(
        full.warehouse, tmp_path, numbered_as=full.delivery
    )


def test_a_month_loaded_again_changes_nothing(
    loaded: dict[str, Any], months: list[Path], tmp_path: Path
) -> None:
    warehouse = _copy(loaded["warehouse"], tmp_path / "again")
    published, stored = digests(warehouse), _store_files(warehouse)
    result = _load(months[5], warehouse)
    assert not result.published
    assert "loaded already with the same files" in str(result.load_note)
    assert digests(warehouse) == published
    assert _store_files(warehouse) == stored


def test_a_redelivered_month_replaces_it(
    loaded: dict[str, Any], months: list[Path], tmp_path: Path
) -> None:
    """March re-delivered with one procedure under the id of a July procedure (both are then
    duplicate_key): the marts equal a full build of the year with that change, built into the
    same published history. March re-delivered as it was makes the July procedure clean again
    (a key of the month's old version): the marts equal the first full build."""
    full = built(DEFECTS)
    warehouse = _copy(loaded["warehouse"], tmp_path / "loaded")
    changed = tampered_copy(full, tmp_path / "changed")
    split = split_rows(validate_delivery(full.delivery))
    march, july = split.months[2], split.months[6]
    procedures = pq.read_table(changed / "drg_procedures.parquet")
    ids = procedures.column("procedure_id").to_pylist()
    ids[split.month_rows("drg_procedures", march)[0]] = ids[
        split.month_rows("drg_procedures", july)[0]
    ]
    column = procedures.schema.get_field_index("procedure_id")
    rewrite_table(
        changed, "drg_procedures", procedures.set_column(column, "procedure_id", pa.array(ids))
    )
    changed_march = split_into_months(changed, tmp_path / "changed-months")[2]

    result = _load(changed_march, warehouse)
    assert result.published and "re-delivered month 2021-03" in str(result.load_note)
    assert _judged_months(warehouse)["drg_procedures"] == {"2021-03-01", "2021-07-01"}
    rebuilt = published_copy(full, tmp_path / "full")
    build(changed, rebuilt, expectations=False, verbose=False)
    assert comparable(warehouse, tmp_path) == comparable(rebuilt, tmp_path, numbered_as=changed)

    result = _load(months[2], warehouse)
    assert result.published
    assert _judged_months(warehouse)["drg_procedures"] == {"2021-03-01", "2021-07-01"}
    assert comparable(warehouse, tmp_path, history=False) == comparable(
        full.warehouse, tmp_path, numbered_as=full.delivery, history=False
    )


def test_a_month_that_changes_a_closed_year_is_refused(
    loaded: dict[str, Any], months: list[Path], tmp_path: Path
) -> None:
    """2021 is closed once December (extracted in March 2022) is loaded: a re-delivered March
    with another DRG tariff would change its golden figures, and is refused."""
    warehouse = _copy(loaded["warehouse"], tmp_path / "loaded")
    march = Path(shutil.copytree(months[2], tmp_path / "march"))
    courses = pq.read_table(march / "drg_courses.parquet")
    tariffs = courses.column("tariff_dkk").to_pylist()
    tariffs[0] += 1000
    column = courses.schema.get_field_index("tariff_dkk")
    courses = courses.set_column(
        column, "tariff_dkk", pa.array(tariffs, type=courses.schema.field("tariff_dkk").type)
    )
    rewrite_table(march, "drg_courses", courses)
    published, stored = digests(warehouse), _store_files(warehouse)
    with pytest.raises(BuildError, match="golden_figures_unchanged"):
        _load(march, warehouse)
    assert digests(warehouse) == published
    assert _store_files(warehouse) == stored


def test_months_that_do_not_fit_are_refused(
    loaded: dict[str, Any], months: list[Path], tmp_path: Path
) -> None:
    """Refused in one line before dbt runs, the published files left as they were: a month of
    another contract version, a delivery that is not one month, a month that leaves a gap, a month
    in another format, a month for a warehouse built from a full delivery."""
    warehouse = _copy(loaded["warehouse"], tmp_path / "loaded")
    published = digests(warehouse)
    gap = Path(shutil.copytree(months[0], tmp_path / "gap"))
    update_manifest(gap, lambda m: m.update(period={"from": "2022-02-01", "to": "2022-02-28"}))
    csv_month = split_into_months(generated_delivery(DEFECTS, "csv"), tmp_path / "csv")[0]
    version = Path(shutil.copytree(months[0], tmp_path / "version"))
    update_manifest(version, lambda m: m.update(contract_version=2))
    refusals = {
        version: "contract_version is 2; medfin reads version 1",
        generated_delivery(DEFECTS): "not a month delivery",
        gap: "does not join the loaded months 2021-01 to 2021-12",
        csv_month: "the month is in csv, the loaded months in parquet",
    }
    for delivery, why in refusals.items():
        with pytest.raises(DeliveryError, match=why) as refused:
            _load(delivery, warehouse)
        first_line = str(refused.value).splitlines()[0]
        assert first_line.startswith(f"delivery {delivery.resolve()} refused: ")
        assert digests(warehouse) == published
    full = published_copy(built(DEFECTS), tmp_path / "full")
    published = digests(full)
    with pytest.raises(DeliveryError, match="was built from a full delivery"):
        _load(months[0], full)
    assert digests(full) == published


def test_csv_months_number_their_own_rows(tmp_path: Path) -> None:
    """CSV month deliveries (the sources number CSV rows within each month): every staged or
    quarantined row of a table cut by month names its month and its row in that month's file,
    and a quarantined row's key is the key of that delivered row. January starts the warehouse,
    February follows (a warehouse of April or May alone fails the material-incompleteness gate:
    the missing contacts of the dirty profile are a larger share of one month than of a year)."""
    folders = split_into_months(generated_delivery(DEFECTS, "csv"), tmp_path / "months")
    warehouse = tmp_path / "loaded" / "medfin.duckdb"
    loaded = [validate_delivery(folder) for folder in folders[0:2]]
    for month in loaded:
        assert _load(month.directory, warehouse).published
    quarantined = 0
    with duckdb.connect(str(warehouse), read_only=True) as con, duckdb.connect() as files:
        for table in CUT:
            key = load_contract().table(table).key
            origins = con.execute(
                f"select delivery_month, source_row_number from staging.{STAGING_MODELS[table]}"
                " union all select delivery_month, source_row_number"
                f" from staging.stg_medfin__quarantine where source_table = '{table}'"
            ).fetchall()
            want = [
                (delivery_month(m.manifest), row)
                for m in loaded
                for row in range(1, m.tables[table].rows + 1)
            ]
            assert sorted(origins) == sorted(want), table
            rows = con.execute(
                "select delivery_month, source_row_number, record_key"
                f" from staging.stg_medfin__quarantine where source_table = '{table}'"
            ).fetchall()
            for month, number, record_key in rows:
                delivered = next(m for m in loaded if delivery_month(m.manifest) == month)
                raw = _rows(files, delivered.tables[table])[number - 1]
                if key is not None and len(key) == 1:
                    column = load_contract().table(table).column_names.index(key[0])
                    assert (raw[column] or "").strip() == (record_key or ""), (table, number)
                quarantined += 1
    assert quarantined > 0  # planted rows were checked


def test_a_changed_project_judges_every_row_again(
    loaded: dict[str, Any], months: list[Path], tmp_path: Path
) -> None:
    """A month is judged incrementally only into a warehouse the same project built: other seeds
    or rules may change any row's verdict."""
    warehouse = loaded["warehouse"]
    folder = Path(shutil.copytree(months[2], tmp_path / "march"))
    diagnoses = pq.read_table(folder / "drg_diagnoses.parquet")
    rewrite_table(folder, "drg_diagnoses", diagnoses.slice(1))  # March re-delivered, changed
    march = validate_delivery(folder)
    same = plan(march, warehouse, True, project_fingerprint(project_dir()))
    other = plan(march, warehouse, True, "another project")
    assert isinstance(same, Load) and isinstance(other, Load)
    assert same.dbt_env()[INCREMENTAL_MONTH_ENV] == "2021-03-01"
    assert INCREMENTAL_MONTH_ENV not in other.dbt_env()
