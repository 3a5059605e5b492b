"""Where the dbt project lives, and typed access to its seeds.

The generator and the independent rule implementation read the same seed CSVs that dbt loads into
the warehouse, so a rule entered by an administrator changes both sides at once.
"""

from __future__ import annotations

import contextlib
import csv
import os
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path


class ProjectNotFoundError(RuntimeError):
    """Raised when no dbt project (a folder with dbt_project.yml) can be found."""


def project_dir() -> Path:
    """The repository root: $MEDFIN_PROJECT_DIR, else the nearest dbt_project.yml above this file or
    the working directory."""
    env = os.environ.get("MEDFIN_PROJECT_DIR")
    if env:
        return Path(env).resolve()
    starts = [Path(__file__).resolve().parent]
    with contextlib.suppress(FileNotFoundError):  # the working directory was removed under us
        starts.append(Path.cwd().resolve())
    for start in starts:
        for candidate in (start, *start.parents):
            if (candidate / "dbt_project.yml").is_file():
                return candidate
    raise ProjectNotFoundError(
        "cannot find the medfin dbt project (dbt_project.yml); set MEDFIN_PROJECT_DIR"
    )


def seeds_dir() -> Path:
    return project_dir() / "seeds"


@cache
def read_seed(name: str) -> tuple[dict[str, str], ...]:
    """All rows of seeds/<name>.csv as dicts of strings (empty string = null)."""
    path = seeds_dir() / f"{name}.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        return tuple(dict(row) for row in csv.DictReader(fh))


def as_date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def as_decimal(value: str) -> Decimal | None:
    return Decimal(value) if value else None


def as_int(value: str) -> int | None:
    return int(value) if value else None


@cache
def mart_schemas() -> tuple[str, ...]:
    """The schemas of the published marts, as dbt_project.yml configures them (models/marts/<folder>
    with its `+schema`), in that order. Tests and tools take the list from here, not a copy."""
    import yaml  # dbt's own dependency; imported here so that the seed readers need no yaml

    config = yaml.safe_load((project_dir() / "dbt_project.yml").read_text(encoding="utf-8"))
    marts = config["models"]["medfin"]["marts"]
    return tuple(
        folder_config["+schema"]
        for folder_config in marts.values()
        if isinstance(folder_config, dict) and "+schema" in folder_config
    )
