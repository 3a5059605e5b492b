from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from deliveries import update_manifest
from medfin.build import work_dir
from medfin.cli import app, parse_years

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert "dbt-core 1.11" in result.output
    assert "duckdb 2.0" in result.output


@pytest.mark.parametrize(
    ("text", "years"),
    [("2021", (2021, 2021)), ("2021-2023", (2021, 2023)), (" 2022 ", (2022, 2022))],
)
def test_parse_years(text: str, years: tuple[int, int]) -> None:
    assert parse_years(text) == years


@pytest.mark.parametrize("text", ["21", "2023-2021", "2021-", "2021..2022"])
def test_parse_years_rejects(text: str) -> None:
    with pytest.raises(typer.BadParameter):
        parse_years(text)


def test_generate_rejects_bad_options(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", "--out", str(tmp_path), "--scale", "huge"])
    assert result.exit_code != 0
    result = runner.invoke(app, ["generate", "--out", str(tmp_path), "--years", "20x1"])
    assert result.exit_code != 0


def test_build_rejects_invalid_delivery_before_dbt(parquet_delivery: Path, tmp_path: Path) -> None:
    update_manifest(parquet_delivery, lambda m: m["tables"].pop("persons"))
    warehouse = tmp_path / "wh" / "medfin.duckdb"
    result = runner.invoke(
        app, ["build", "--delivery", str(parquet_delivery), "--warehouse", str(warehouse)]
    )
    assert result.exit_code == 1
    assert "table persons: required, but missing from manifest.json" in result.output
    assert not warehouse.exists()


def test_work_dir_is_next_to_the_warehouse() -> None:
    assert work_dir(Path("/x/warehouse/medfin.duckdb")) == Path("/x/warehouse/medfin.work")
