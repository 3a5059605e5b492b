"""Great Expectations on DuckDB: the one patch medfin applies to GX, and GX's set-up.

GX 1.24 has no DuckDB dialect and reads query results after closing its SQLAlchemy connection;
`keep_duckdb_connection_open` works around that and raises `CheckError` as soon as GX's internals
no longer look as expected (tests/python/test_checks_gx.py proves the workaround is still needed
and still works). The rest opens and closes GX's ephemeral context and DuckDB datasource.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from medfin.checks.results import CheckError

DATA_DOCS_SITE = "medfin"
_DUCKDB_DIALECT = "duckdb"


class _DialectName(str):
    """A dialect name usable where GX expects a `GXSqlDialect` member (it reads `.value`)."""

    @property
    def value(self) -> str:
        return str(self)


def keep_duckdb_connection_open() -> None:
    """Make GX 1.24 keep one SQLAlchemy connection open for DuckDB, as it does for SQLite.

    Why: GX's `SqlAlchemyExecutionEngine.execute_query` runs each metric query inside
    `with self.get_connection() as connection:` and calls `.fetchall()` on the result only after
    the block has closed the connection. Most drivers have buffered the rows by then; duckdb-engine
    has not, so every metric comes back empty and *every* expectation fails with an empty result
    ("list index out of range"), passing ones included. GX keeps a single, persistent connection
    (StaticPool, never closed by `get_connection`) only for the dialects in the module-level tuple
    `_PERSISTED_CONNECTION_DIALECTS`; adding DuckDB there makes results readable. It must run
    before the datasource's execution engine is created (the pool is chosen then).

    GX compares the tuple's members with the engine's dialect name (`name in tuple`) and reads
    `member.value` when matching a connection string, so the added member is a str with `.value`.
    Idempotent. Raises CheckError when GX's internals no longer look as expected: then this
    workaround must be revisited (docs/data-quality.md, "Great Expectations on DuckDB").
    """
    try:
        from great_expectations.execution_engine import sqlalchemy_execution_engine as module
    except ImportError as exc:  # pragma: no cover - great-expectations is a dependency
        raise CheckError(f"great_expectations cannot be imported: {exc}") from exc
    dialects = getattr(module, "_PERSISTED_CONNECTION_DIALECTS", None)
    engine_class = getattr(module, "SqlAlchemyExecutionEngine", None)
    if (
        not isinstance(dialects, tuple)
        or not callable(getattr(module, "_dialect_requires_persisted_connection", None))
        or not callable(getattr(engine_class, "get_connection", None))
    ):
        raise CheckError(
            "great_expectations changed: sqlalchemy_execution_engine no longer has the tuple"
            " _PERSISTED_CONNECTION_DIALECTS (and _dialect_requires_persisted_connection) that"
            " medfin extends so GX keeps one DuckDB connection open; without it every expectation"
            " fails on an empty result. Revisit medfin.checks.gx_compat.keep_duckdb_connection_open"
            " for this GX version."
        )
    if any(dialect == _DUCKDB_DIALECT for dialect in dialects):
        return
    module._PERSISTED_CONNECTION_DIALECTS = (*dialects, _DialectName(_DUCKDB_DIALECT))


def gx_context(docs_dir: Path) -> Any:
    """An ephemeral GX context: in-memory stores, no analytics, no progress bars, one docs site."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites={
            DATA_DOCS_SITE: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def duckdb_url(warehouse: Path) -> str:
    from sqlalchemy.engine import URL

    return URL.create("duckdb", database=str(warehouse)).render_as_string(hide_password=False)


def close_datasource(datasource: Any) -> None:
    """Close GX's DuckDB connections so the warehouse can be opened again in this process."""
    engine = getattr(datasource, "_execution_engine", None)
    if engine is not None:
        connection = getattr(engine, "_connection", None)
        if connection is not None:
            connection.close()
            engine._connection = None
        engine.engine.dispose()
    sa_engine = getattr(datasource, "_engine", None)
    if sa_engine is not None:
        sa_engine.dispose()
