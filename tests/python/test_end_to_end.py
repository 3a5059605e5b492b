"""The demo path on the command line: generate a tiny delivery, build the warehouse, read it."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from medfin.cli import app
from medfin.project import seeds_dir

runner = CliRunner()


def test_generate_then_build(tmp_path: Path) -> None:
    delivery = tmp_path / "delivery"
    result = runner.invoke(
        app,
        [
            "generate",
            "--scale",
            "tiny",
            "--years",
            "2021",
            "--seed",
            "3",
            "--out",
            str(delivery),
            "--defects",
            "dirty",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    warehouse = tmp_path / "wh" / "medfin.duckdb"
    result = runner.invoke(
        app, ["build", "--delivery", str(delivery), "--warehouse", str(warehouse)]
    )
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        seeds = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'seeds'"
            ).fetchall()
        }
        expected_seeds = {p.stem for p in seeds_dir().glob("*.csv")}
        assert seeds == expected_seeds
        for name in expected_seeds:
            with (seeds_dir() / f"{name}.csv").open(encoding="utf-8") as fh:
                rows = sum(1 for _ in csv.DictReader(fh))
            assert con.execute(f"select count(*) from seeds.{name}").fetchone() == (rows,), name
        assert con.execute("select count(*) from seeds.municipalities").fetchone() == (98,)
    finally:
        con.close()


def test_generate_refuses_to_overwrite_a_foreign_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    result = runner.invoke(app, ["generate", "--out", str(tmp_path), "--no-progress"])
    assert result.exit_code == 1
    assert "refusing to overwrite" in result.output
    assert (tmp_path / "notes.txt").exists()
