"""dbt-duckdb plugin (profiles.yml): create the warehouse's folder before DuckDB opens the file.

DuckDB does not create missing folders, and `warehouse/` is not in the repository: without this, a
plain `dbt build` on a fresh clone could not open warehouse/medfin.duckdb (nor a $MEDFIN_WAREHOUSE
in a folder that does not exist yet). dbt-duckdb calls update_connection_config just before it
connects. Only dbt-duckdb is needed, not medfin, so dbt runs from a plain clone. It lives beside
the on-run-start macros so that a copy of the project's macros carries it (dbt reads only the .sql
files here).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin


class Plugin(BasePlugin):
    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        path = str(creds.path)
        if path == ":memory:" or path.startswith("md:") or "://" in path:
            return  # not a local file
        # A published warehouse is a link into its release (medfin.publish): readers may hold it
        # and it is never written in place. dbt on its own builds elsewhere.
        if Path(path).is_symlink():
            raise RuntimeError(
                f"{path} is a published warehouse (a link into its release) and is never written"
                " in place; point MEDFIN_WAREHOUSE at another file, e.g."
                " MEDFIN_WAREHOUSE=/tmp/scratch/medfin.duckdb dbt build"
            )
        Path(path).parent.mkdir(parents=True, exist_ok=True)
