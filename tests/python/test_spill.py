"""A build that spills to disk completes (DuckDB 2.0 refuses to switch its temporary directory once
a query has spilled, and dbt-duckdb re-applied profile `settings:` on every cursor: profiles.yml
passes them once, as `config_options`, when the database is opened)."""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

from medfin.build import CANDIDATE_NAME, build, environ, work_dir
from warehouses import built, generated_delivery

# Far below what the tiny build's largest queries need, so DuckDB must spill to finish them; not
# so low that an operator that cannot spill runs out (64 MB did, in int_data_package_cells, once
# the data packages had tables 7 and 8).
SMALL_MEMORY_LIMIT = "96MB"


class _SpillWatcher(threading.Thread):
    """Polls for DuckDB's spill folder (<database>.tmp, made on the first spill, removed when the
    database closes) while a build runs."""

    def __init__(self, folder: Path) -> None:
        super().__init__(daemon=True)
        self.folder = folder
        self.spill_files: set[str] = set()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            with contextlib.suppress(OSError):  # not made yet, or removed at close
                self.spill_files.update(p.name for p in self.folder.iterdir())
            time.sleep(0.01)


def _finance(warehouse: Path) -> list[tuple[object, ...]]:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select * from finance.co_financing_by_municipality_month order by all"
        ).fetchall()


def test_a_build_that_spills_completes_with_the_same_marts(tmp_path: Path) -> None:
    delivery = generated_delivery("default")
    warehouse = tmp_path / "medfin.duckdb"
    watcher = _SpillWatcher(work_dir(warehouse) / f"{CANDIDATE_NAME}.tmp")
    watcher.start()
    try:
        with environ({"MEDFIN_MEMORY_LIMIT": SMALL_MEMORY_LIMIT}):
            result = build(delivery, warehouse, verbose=False, expectations=False)
    finally:
        watcher.done.set()
        watcher.join()
    assert result.published
    # DuckDB spilled: its temporary files appeared while the build ran.
    assert any(name.startswith("duckdb_temp") for name in watcher.spill_files), (
        f"no spill seen with memory_limit {SMALL_MEMORY_LIMIT}; lower it so the test proves"
        " something"
    )
    assert _finance(warehouse) == _finance(built("default").warehouse)
