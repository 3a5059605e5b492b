"""Nothing wrong is published: the faults of issue 10, each reproduced as it was found.

- Two builds of one warehouse at once: the second stops before it reads anything (it used to
  stage its delivery into the first build's work folder, which then published it).
- An empty delivery with a consistent manifest: refused at validation (it used to replace the
  published figures with nothing).
- A file of the delivery rewritten while dbt runs: the warehouse holds the bytes that were
  verified (they used to be read from the delivered folder, after hashing).
- A warehouse path under a file: one line, not a traceback.

Every build-level case starts from the shared tiny builds (warehouses.built) and checks that the
published files are byte-identical afterwards.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from deliveries import refresh_entry, rewrite_table
from medfin import publish
from medfin.build import BuildError, Progress, build, work_dir
from medfin.cli import app
from medfin.extract import DeliveryError
from medfin.lock import lock_path, warehouse_lock
from warehouses import built, digests, published_copy, rebuild, tampered_copy

runner = CliRunner()


def _delivery_id(warehouse: Path) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (delivery_id,) = con.execute(
            "select distinct delivery_id from staging.stg_medfin_build__delivery_audit"
        ).fetchone()  # type: ignore[misc]
    return str(delivery_id)


# --------------------------------------------------------------------------- one build at a time
def test_a_second_build_stops_before_it_reads_anything(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh" / "medfin.duckdb"
    with warehouse_lock(warehouse, "build"), pytest.raises(BuildError) as refused:
        build(built("none").delivery, warehouse, verbose=False)
    message = str(refused.value)
    assert f"{warehouse} is busy: medfin build (pid {os.getpid()}" in message
    assert "nothing was read or written" in message
    assert not work_dir(warehouse).exists()  # no staging, no candidate
    assert lock_path(warehouse).read_text(encoding="utf-8") == ""  # released, holder cleared


def test_check_does_not_run_during_a_build(tmp_path: Path) -> None:
    warehouse = tmp_path / "medfin.duckdb"
    with warehouse_lock(warehouse, "build"):
        result = runner.invoke(app, ["check", "--warehouse", str(warehouse)])
    assert result.exit_code == 1
    assert "is busy: medfin build" in " ".join(result.output.split())


def test_two_builds_at_once_publish_one_delivery_under_its_own_name(tmp_path: Path) -> None:
    """Two `medfin build` processes of one warehouse, started together with different deliveries:
    one publishes its own delivery, the other stops at once and says who holds the warehouse."""
    warehouse = tmp_path / "wh" / "medfin.duckdb"
    deliveries = {"none": built("none").delivery, "default": built("default").delivery}
    medfin = [str(Path(sys.executable).with_name("medfin"))]
    processes = {
        name: subprocess.Popen(
            [*medfin, "build", "--delivery", str(path), "--warehouse", str(warehouse)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=os.environ | {"COLUMNS": "200"},
        )
        for name, path in deliveries.items()
    }
    finished = {name: p.communicate(timeout=900)[0] for name, p in processes.items()}
    outcomes = {name: (processes[name].returncode, out) for name, out in finished.items()}
    winners = [name for name, (code, _) in outcomes.items() if code == 0]
    assert len(winners) == 1, outcomes
    (winner,) = winners
    (loser,) = set(outcomes) - {winner}
    assert outcomes[loser][0] == 1
    assert "is busy: medfin build" in " ".join(outcomes[loser][1].split())
    manifest = json.loads((deliveries[winner] / "manifest.json").read_text(encoding="utf-8"))
    assert _delivery_id(warehouse) == manifest["delivery_id"]


# --------------------------------------------------------------------------- empty deliveries
def test_an_empty_delivery_is_refused_and_the_published_files_stay(tmp_path: Path) -> None:
    published = built("none").warehouse
    before = digests(published)
    empty = tampered_copy(built("none"), tmp_path)
    for path in sorted(empty.glob("*.parquet")):
        table = pq.read_table(path)
        pq.write_table(table.schema.empty_table(), path)
        refresh_entry(empty, path.stem)
    with pytest.raises(DeliveryError) as refused:
        build(empty, published, verbose=False)
    problems = refused.value.problems
    for table in ("persons", "drg_contacts", "practice_services", "population"):
        needle = f"table {table}: required, but {table}.parquet has no rows"
        assert any(p.startswith(needle) for p in problems), table
    assert str(refused.value).splitlines()[0].endswith(problems[0])
    assert digests(published) == before


# --------------------------------------------------------------------------- verified bytes
def test_a_file_swapped_after_validation_is_not_what_is_published(tmp_path: Path) -> None:
    """The delivery's practice services are rewritten (every fee doubled) after validation, while
    dbt runs: the warehouse holds the fees that were hashed, not the swapped ones. (dbt rebuilds
    what reads the practice services, on a copy of the shared build.)"""
    base = built("none")
    delivery = tampered_copy(base, tmp_path)
    services = delivery / "practice_services.parquet"
    original = pq.read_table(services)
    fees = sum(original.column("fee_dkk").to_pylist())
    doubled = original.set_column(
        original.schema.get_field_index("fee_dkk"),
        "fee_dkk",
        pa.array(
            [f * 2 for f in original.column("fee_dkk").to_pylist()],
            original.schema.field("fee_dkk").type,
        ),
    )
    swapped: list[str] = []

    def swap_during_dbt(progress: Progress) -> None:
        if progress.phase.startswith("dbt") and not swapped:
            pq.write_table(doubled, services)
            swapped.append(progress.phase)

    warehouse = tmp_path / "wh" / "medfin.duckdb"
    result = rebuild(
        base,
        delivery,
        warehouse,
        changed=["practice_services"],
        verbose=False,
        progress=swap_during_dbt,
    )
    assert swapped, "the file was swapped while dbt ran"
    with duckdb.connect(str(result.warehouse), read_only=True) as con:
        (published,) = con.execute("select sum(fee_dkk) from core.fct_practice_services").fetchone()
        (status,) = con.execute(
            "select sha256_status from staging.stg_medfin_build__delivery_audit"
            " where source_table = 'practice_services'"
        ).fetchone()
    assert published == fees
    assert status == "verified"


# --------------------------------------------------------------------------- one clear line
def test_a_warehouse_under_a_file_is_one_line(tmp_path: Path, parquet_delivery: Path) -> None:
    """`--warehouse /etc/hostname/x.duckdb` gave a FileExistsError traceback (issue 10)."""
    a_file = tmp_path / "hostname"
    a_file.write_text("not a folder\n", encoding="utf-8")
    result = runner.invoke(
        app,
        ["build", "--delivery", str(parquet_delivery), "--warehouse", str(a_file / "x.duckdb")],
    )  # fmt: skip
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert f"cannot put a warehouse in {a_file}" in lines[0]


# --------------------------------------------------------------------------- completeness
def test_material_incompleteness_stops_publication_and_check_agrees(tmp_path: Path) -> None:
    """1 % of the region's own contacts missing from the DRG data used to be published with a
    warning. Above the material level (0.1 %) the build is refused, and `medfin check` on the
    same warehouse reaches the same verdict."""
    base = built("none")
    delivery = tampered_copy(base, tmp_path)
    own = pq.read_table(delivery / "epj_contacts.parquet")
    extra = own.slice(0, own.num_rows // 100)
    ids = pa.array(
        [f"MISSING{i:06d}" for i in range(extra.num_rows)], own.schema.field("contact_id").type
    )
    extra = extra.set_column(
        own.schema.get_field_index("contact_id"), own.schema.field("contact_id"), ids
    )
    rewrite_table(delivery, "epj_contacts", pa.concat_tables([own, extra]))

    warehouse = tmp_path / "wh" / "medfin.duckdb"
    with pytest.raises(BuildError) as refused:
        rebuild(base, delivery, warehouse, verbose=False)
    stopped = {c.check_name for c in refused.value.failed_checks}
    assert {"contacts_not_found_material"} <= stopped
    assert not warehouse.exists()  # nothing was published

    candidate = work_dir(warehouse) / "candidate.duckdb"
    result = runner.invoke(app, ["check", "--warehouse", str(candidate)])
    assert result.exit_code == 1
    assert "error check failed: contacts_not_found_material" in " ".join(result.output.split())


# --------------------------------------------------------------------------- never in place
def test_check_of_a_published_warehouse_never_writes_it_in_place(tmp_path: Path) -> None:
    """`medfin check` appended its history into the published file; killed after writing, it left
    a WAL that the next publication replayed into the wrong file (issue 10). Now it checks a copy
    and publishes that as a new release: the released file is never opened for writing."""
    warehouse = published_copy(built("none"), tmp_path / "wh")
    released = publish.current_release(warehouse)
    assert released is not None
    kept = tmp_path / "kept.duckdb"
    os.link(released / warehouse.name, kept)  # the released file's bytes, whatever happens to it
    digest = hashlib.sha256(kept.read_bytes()).hexdigest()

    result = runner.invoke(app, ["check", "--warehouse", str(warehouse)])
    assert result.exit_code == 0, result.output
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == digest
    assert publish.current_release(warehouse) != released
    with duckdb.connect(str(warehouse), read_only=True) as con:
        runs = con.execute("select count(distinct run_id) from quality.check_results").fetchone()
    assert runs == (2,)  # the build's and the check's
    assert not list(warehouse.parent.glob("*.wal"))


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p.mkdir(), "it is a folder, not a DuckDB file"),
        (lambda p: p.write_text("hello\n", encoding="utf-8"), "it is not a DuckDB database file"),
    ],
)
def test_an_unreadable_warehouse_says_why(
    tmp_path: Path, parquet_delivery: Path, make: Any, expected: str
) -> None:
    """ "Another process may have it open for writing" was printed for a folder and for a file
    that is no database (issue 10): the message now says what is there."""
    warehouse = tmp_path / "medfin.duckdb"
    make(warehouse)
    with pytest.raises(BuildError) as refused:
        build(parquet_delivery, warehouse, verbose=False)
    message = str(refused.value)
    assert expected in message
    assert "Another process" not in message
    assert len(message.splitlines()) == 1
