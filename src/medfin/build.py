"""Build the warehouse from a delivery: validate it, then run dbt through its programmatic runner.

Layout next to the warehouse file (default `warehouse/medfin.duckdb`):

    warehouse/medfin.duckdb        the DuckDB database dbt builds
    warehouse/medfin.duckdb.tmp/   DuckDB spill folder (profiles.yml)
    warehouse/medfin.work/delivery symlinks to the delivered files + empty optional tables

DuckDB does not create the folder of its database file, so the build creates it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medfin.contract import DELIVERY_ENV, DELIVERY_FORMAT_ENV
from medfin.extract import Delivery, stage_delivery, validate_delivery
from medfin.project import project_dir

WAREHOUSE_ENV = "MEDFIN_WAREHOUSE"
DEFAULT_WAREHOUSE = Path("warehouse/medfin.duckdb")


class BuildError(RuntimeError):
    """dbt failed; the message says which step and which nodes."""


@dataclass(frozen=True)
class BuildResult:
    warehouse: Path
    delivery: Delivery
    seconds: float


def default_warehouse() -> Path:
    return Path(os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE)


def work_dir(warehouse: Path) -> Path:
    """The build's scratch folder next to the warehouse file."""
    return warehouse.with_name(f"{warehouse.stem}.work")


@contextmanager
def environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for dbt (which reads env_var() from os.environ), then restore."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def dbt_env(staged_delivery: Path, fmt: str, warehouse: Path) -> dict[str, str]:
    return {
        DELIVERY_ENV: str(staged_delivery),
        DELIVERY_FORMAT_ENV: fmt,
        WAREHOUSE_ENV: str(warehouse),
    }


class Dbt:
    """One dbtRunner reused for several commands (saves about a second per command)."""

    def __init__(self, project: Path | None = None) -> None:
        from dbt.cli.main import dbtRunner

        self.project = (project or project_dir()).resolve()
        self._runner = dbtRunner()

    def invoke(self, args: Sequence[str]) -> Any:
        """Run `dbt <args>` against the project; raise BuildError unless it succeeded."""
        full = [*args, "--project-dir", str(self.project), "--profiles-dir", str(self.project)]
        try:
            result = self._runner.invoke(full)
        finally:
            release_duckdb()
        command = " ".join(args)
        if result.exception is not None:
            raise BuildError(f"dbt {command} could not run: {result.exception}")
        if not result.success:
            raise BuildError(f"dbt {command} failed:\n{_failures(result.result)}")
        return result.result


def release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open after a command.

    dbt-duckdb 1.11 defaults to `keep_open: true`: its process-wide environment holds the database
    until the process exits, which locks the file against other processes and against opening it
    read-only (or renaming it for publication) in this one. Closing it also checkpoints the WAL.
    Uses dbt-duckdb internals (DuckDBConnectionManager._ENV), hence the defensive getattr.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager as manager
    except ImportError:  # pragma: no cover - dbt-duckdb is a dependency
        return
    with manager._LOCK:
        env = getattr(manager, "_ENV", None)
        if env is not None:
            env.close()
            manager._ENV = None


def _failures(run_result: Any) -> str:
    lines = []
    for node_result in getattr(run_result, "results", None) or []:
        status = str(getattr(node_result, "status", ""))
        if status in {"error", "fail", "runtime error"}:
            node = getattr(node_result, "node", None)
            name = getattr(node, "unique_id", "?")
            message = [
                m.strip() for m in str(getattr(node_result, "message", "") or "").splitlines()
            ]
            detail = " | ".join(m for m in message if m)[:500]
            lines.append(f"  - {status}: {name}: {detail}")
    return "\n".join(lines) or "  (see the dbt log above and logs/dbt.log)"


def build(
    delivery_dir: Path | str,
    warehouse: Path | str | None = None,
    *,
    project: Path | None = None,
    verify_sha256: bool = True,
) -> BuildResult:
    """Validate `delivery_dir`, then `dbt seed` and `dbt build` into `warehouse`.

    Raises DeliveryError for a bad delivery and BuildError when dbt fails.
    """
    started = time.perf_counter()
    delivery = validate_delivery(delivery_dir, verify_sha256=verify_sha256)
    target = Path(warehouse) if warehouse is not None else default_warehouse()
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = stage_delivery(delivery, work_dir(target) / "delivery")
    dbt = Dbt(project)
    with environ(dbt_env(staged, delivery.format, target)):
        dbt.invoke(["seed"])
        dbt.invoke(["build", "--exclude-resource-type", "seed"])
    return BuildResult(warehouse=target, delivery=delivery, seconds=time.perf_counter() - started)
