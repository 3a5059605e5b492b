"""The publication gate, check history and golden figures.

The gate is described in docs/data-quality.md#the-publication-gate.

One tiny delivery is built three times into the same warehouse: twice unchanged (history grows,
closed-period totals stay equal), then with one practice service of a closed year removed, which
must stop publication and leave the published warehouse as it was. The first build is the
session's shared build of the delivery (warehouses.built), published again as a copy; the third is
built by warehouses.rebuild (dbt rebuilds what the removed service changes).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from deliveries import rewrite_table
from medfin.build import BuildError, BuildResult, build, work_dir
from medfin.contract import load_contract
from warehouses import built, published_copy, rebuild, tampered_copy


def _query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """First and second build of the same delivery, then a build of an altered copy. The first
    is the shared build, published here as a copy of its files (history included)."""
    shared = built("default")
    assert shared.result is not None
    source, first = shared.delivery, shared.result
    root = tmp_path_factory.mktemp("gate")
    warehouse = published_copy(shared, root)
    after_first = _query(warehouse, "select count(*) from quality.golden_figures")[0][0]
    candidate_left = (work_dir(first.warehouse) / "candidate.duckdb").exists()
    second = build(source, warehouse)
    published_digest = _digest(warehouse)
    marts_digest = _digest(second.marts)

    # One practice service of 2021 (a closed year) disappears from the re-delivered extract.
    altered = tampered_copy(shared, root / "altered")
    services = pq.read_table(altered / "practice_services.parquet")
    removed = services.slice(0, 1).to_pylist()[0]
    rewrite_table(altered, "practice_services", services.slice(1))
    with pytest.raises(BuildError) as failure:
        rebuild(shared, altered, warehouse)
    return {
        "warehouse": warehouse,
        "first_published": shared.warehouse,
        "first": first,
        "second": second,
        "golden_after_first": after_first,
        "candidate_left_after_first": candidate_left,
        "published_digest": published_digest,
        "marts_digest": marts_digest,
        "failure": failure.value,
        "removed": removed,
    }


def test_a_passing_build_is_published_and_its_checks_recorded(builds: dict) -> None:
    first: BuildResult = builds["first"]
    assert first.published
    # the shared build published where it was told to (builds["warehouse"] is a copy of it)
    assert first.warehouse == builds["first_published"]
    assert first.marts == builds["first_published"].with_name("medfin-marts.duckdb")
    assert not builds["candidate_left_after_first"]  # published by rename
    by_kind = dict(
        _query(
            builds["warehouse"],
            "select checked_by, count(*) from quality.check_results"
            f" where run_id = '{first.run_id}' group by checked_by",
        )
    )
    # every dbt data test of the project, and every catalogued quality-mart check
    assert by_kind["dbt_test"] > 300
    catalogue = _query(
        builds["warehouse"],
        "select count(*) from seeds.check_catalogue where checked_by = 'quality_mart'",
    )[0][0]
    assert by_kind["quality_mart"] == catalogue
    assert not [c for c in first.checks if c.blocks_publication]


def test_history_is_kept_across_builds(builds: dict) -> None:
    runs = _query(
        builds["warehouse"],
        "select run_id, count(*) from quality.check_results group by run_id order by min(run_at)",
    )
    assert [r[0] for r in runs] == [builds["first"].run_id, builds["second"].run_id]
    assert runs[0][1] == runs[1][1]


def test_closed_period_totals_become_golden_once(builds: dict) -> None:
    warehouse = builds["warehouse"]
    closed = _query(warehouse, "select count(*) from quality.closed_period_totals")[0][0]
    assert closed > 0
    # stored at the first publication, not again when nothing changed
    assert builds["golden_after_first"] == closed
    assert _query(warehouse, "select count(*) from quality.golden_figures")[0][0] == closed
    comparisons = _query(
        warehouse, "select comparison, count(*) from quality.golden_figure_comparison group by 1"
    )
    assert comparisons == [("unchanged", closed)]


def test_a_changed_closed_period_stops_publication(builds: dict) -> None:
    failure: BuildError = builds["failure"]
    names = {c.check_name for c in failure.failed_checks}
    assert "golden_figures_unchanged" in names
    message = str(failure)
    assert "golden_figures_unchanged" in message
    assert "quality.golden_figure_comparison" in message
    assert "was left as it was" in message
    # the published warehouse is untouched: same bytes, still two runs in its history
    assert _digest(builds["warehouse"]) == builds["published_digest"]
    # the analyst file is published with the warehouse or not at all
    assert _digest(builds["second"].marts) == builds["marts_digest"]
    assert failure.candidate is not None and failure.candidate.exists()

    changed = _query(
        failure.candidate,
        "select figure, breakdown, activity_year, difference_dkk, current_units - golden_units"
        " from quality.golden_figure_comparison where comparison = 'changed'",
    )
    assert len(changed) == 1
    figure, breakdown, year, difference, units = changed[0]
    assert (figure, breakdown, year, units) == ("co_financing", "praksis", 2021, -1)
    assert difference < 0
    # the failed run is in the candidate's history, next to the two published runs
    runs = _query(failure.candidate, "select count(distinct run_id) from quality.check_results")
    assert runs[0][0] == 3


def test_removed_service_is_the_difference(builds: dict) -> None:
    """The golden difference is exactly the co-financing of the removed service."""
    failure: BuildError = builds["failure"]
    removed = builds["removed"]
    published = _query(
        builds["warehouse"],
        "select co_financing_dkk from core.fct_co_financing"
        f" where billing_unit_id = '{removed['service_id']}'",
    )
    difference = _query(
        failure.candidate,
        "select difference_dkk from quality.golden_figure_comparison where comparison = 'changed'",
    )
    assert difference[0][0] == -published[0][0]


def test_delivery_audit_reaches_the_warehouse(builds: dict) -> None:
    rows = _query(
        builds["warehouse"],
        "select source_table, manifest_rows, sha256_status"
        " from staging.stg_medfin_build__delivery_audit order by source_table",
    )
    assert len(rows) == len(load_contract().tables)
    assert {r[2] for r in rows} == {"verified"}
    persons = pq.read_metadata(builds["first"].delivery.directory / "persons.parquet")
    assert {r[0]: r[1] for r in rows}["persons"] == persons.num_rows


def test_a_published_warehouse_locked_by_a_writer_is_named(tmp_path: Path) -> None:
    """The history cannot be read while another process writes the published file: the build
    stops before dbt with a message that says so (not a DuckDB traceback)."""
    import subprocess
    import sys

    warehouse = tmp_path / "medfin.duckdb"
    duckdb.connect(str(warehouse)).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]);"
            " print('open', flush=True); time.sleep(60)",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(BuildError, match="cannot read the check history"):
            build(built("none").delivery, warehouse)
    finally:
        holder.kill()
        holder.wait()
