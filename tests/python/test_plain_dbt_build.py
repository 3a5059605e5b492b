"""A plain `dbt build`, as a user's CI runs it: a fresh clone, only MEDFIN_DELIVERY and
MEDFIN_WAREHOUSE set (plus PATH and HOME), no `medfin build` and no medfin on the path.

dbt's on-run-start makes what it needs (macros/hooks/): the history tables, a view per contract
table over the delivery as delivered, and the delivery audit from manifest.json. Its marts must be
those of `medfin build` on the same delivery.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from medfin.checks.history import HOOK_MACRO_PATH, render_hook_macro
from medfin.project import mart_schemas
from warehouses import Built, built

DBT = Path(sys.executable).with_name("dbt")
# quality holds run ids and times, which differ between any two builds.
MART_SCHEMAS = tuple(schema for schema in mart_schemas() if schema != "quality")


def test_history_hook_macro_is_in_sync(repo_root: Path) -> None:
    committed = (repo_root / HOOK_MACRO_PATH).read_text(encoding="utf-8")
    assert committed == render_hook_macro(), (
        "run `python -m medfin.checks.history --hook-macro` to regenerate"
    )


def _clone(repo_root: Path, dest: Path) -> Path:
    """The files a clone of the repository has (tracked, plus new files not yet committed and not
    ignored), copied without target/, logs/, warehouses or venvs."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=repo_root,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = repo_root / name
        if source.is_file():  # a tracked file deleted in the work tree is not copied
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def _dbt(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`dbt <args>` in `project` with nothing but `env`, PATH and HOME in the environment."""
    return subprocess.run(
        [str(DBT), *args],
        cwd=project,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(project), **env},
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="module")
def clone(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _clone(repo_root, tmp_path_factory.mktemp("clone"))


@pytest.fixture(scope="module")
def plain_build(clone: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Built, Path]:
    """The session's tiny delivery and its `medfin build`, and a plain `dbt build` of the same
    delivery into a folder that does not exist yet."""
    reference = built("default")
    warehouse = tmp_path_factory.mktemp("plain") / "not-yet" / "w.duckdb"
    result = _dbt(
        clone,
        "build",
        MEDFIN_DELIVERY=str(reference.delivery),
        MEDFIN_WAREHOUSE=str(warehouse),
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return reference, warehouse


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, str]]:
    return con.execute(
        "select schema_name, table_name from duckdb_tables()"
        " where database_name = ? and schema_name in (select unnest(?)) order by all",
        [database, list(MART_SCHEMAS)],
    ).fetchall()


def _columns(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, str, str, str]]:
    return con.execute(
        "select schema_name, table_name, column_name, data_type from duckdb_columns()"
        " where database_name = ? and schema_name in (select unnest(?))"
        " order by schema_name, table_name, column_index",
        [database, list(MART_SCHEMAS)],
    ).fetchall()


def test_plain_dbt_build_gives_the_marts_of_medfin_build(plain_build: tuple[Built, Path]) -> None:
    reference, warehouse = plain_build
    with duckdb.connect() as con:
        con.execute(f"attach '{reference.warehouse}' as medfin (read_only)")
        con.execute(f"attach '{warehouse}' as plain (read_only)")
        tables = _tables(con, "plain")
        assert tables == _tables(con, "medfin")
        assert ("finance", "co_financing_by_municipality_month") in tables
        assert _columns(con, "plain") == _columns(con, "medfin")
        for schema, table in tables:
            a, b = f"medfin.{schema}.{table}", f"plain.{schema}.{table}"
            differing = con.execute(
                f"select count(*) from ((from {a} except all from {b})"
                f" union all (from {b} except all from {a}))"
            ).fetchone()
            assert differing == (0,), f"{schema}.{table} differs from medfin build's"
        (rows,) = con.execute(
            "select count(*) from plain.finance.co_financing_by_municipality_month"
        ).fetchone() or (0,)
        assert rows > 0
        # The audit comes from manifest.json: the same tables delivered, nothing hashed or
        # validated (medfin build's audit says verified, with the time of its validation).
        audit = "from {}.staging.stg_medfin_build__delivery_audit"
        assert (
            con.execute(
                f"select source_table, delivered {audit.format('plain')} order by all"
            ).fetchall()
            == con.execute(
                f"select source_table, delivered {audit.format('medfin')} order by all"
            ).fetchall()
        )
        assert con.execute(
            f"select distinct sha256_status, validated_at {audit.format('plain')} where delivered"
        ).fetchall() == [("not_checked", None)]
        # The history tables the quality marts read exist, empty: nothing was published before.
        assert con.execute("select count(*) from plain.quality.check_results").fetchone() == (0,)


@pytest.mark.parametrize(
    ("delivery", "message"),
    [
        (None, "MEDFIN_DELIVERY is not set"),
        ("no-such-folder", "MEDFIN_DELIVERY=no-such-folder is not a delivery folder"),
    ],
)
def test_without_a_delivery_the_run_stops_with_one_clear_error(
    clone: Path, plain_build: tuple[Built, Path], delivery: str | None, message: str
) -> None:
    """Stopped in on-run-start, before any model that reads the delivery runs. (The warehouse of
    the build above again: with only MEDFIN_DELIVERY changed, dbt's partial parse is quick.)"""
    env = {"MEDFIN_WAREHOUSE": str(plain_build[1])}
    if delivery is not None:
        env["MEDFIN_DELIVERY"] = delivery
    result = _dbt(clone, "run", "--select", "source:medfin_raw.persons+1", **env)
    assert result.returncode != 0
    assert message in result.stdout, result.stdout[-3000:]
    assert "START sql" not in result.stdout


def test_a_manifest_file_outside_the_folder_is_refused(
    clone: Path, plain_build: tuple[Built, Path], tmp_path: Path
) -> None:
    """A manifest entry is a file of the delivery folder: a path or a glob pattern would read
    files from elsewhere, or several files as one."""
    manifest = json.loads((plain_build[0].delivery / "manifest.json").read_text("utf-8"))
    manifest["tables"]["persons"]["file"] = "../persons.parquet"
    manifest["tables"]["residence"]["file"] = "residence*.parquet"
    delivery = tmp_path / "delivery"
    delivery.mkdir()
    (delivery / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    env = {"MEDFIN_WAREHOUSE": str(plain_build[1]), "MEDFIN_DELIVERY": str(delivery)}
    result = _dbt(clone, "run", "--select", "source:medfin_raw.persons+1", **env)
    assert result.returncode != 0
    assert "persons: ../persons.parquet is not a plain file name" in result.stdout
    assert "residence: residence*.parquet is not a plain file name" in result.stdout
    assert "START sql" not in result.stdout


def test_a_published_warehouse_is_never_the_target(
    clone: Path, plain_build: tuple[Built, Path], tmp_path: Path
) -> None:
    """The published names are links into a release that readers may hold open."""
    release = tmp_path / "medfin.releases" / "r1"
    release.mkdir(parents=True)
    shutil.copy(plain_build[1], release / "medfin.duckdb")
    published = tmp_path / "medfin.duckdb"
    published.symlink_to(release / "medfin.duckdb")
    before = (release / "medfin.duckdb").read_bytes()
    env = {"MEDFIN_WAREHOUSE": str(published), "MEDFIN_DELIVERY": str(plain_build[0].delivery)}
    result = _dbt(clone, "run", "--select", "source:medfin_raw.persons+1", **env)
    assert result.returncode != 0
    assert "is a published warehouse" in result.stdout, result.stdout[-3000:]
    assert (release / "medfin.duckdb").read_bytes() == before
