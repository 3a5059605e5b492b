"""Run inside the DuckDB 1.x client venv (see requirements.txt): open each published file
read-only, read every table and view, and reflect comments through SQLAlchemy.

Usage: python probe.py FILE [FILE ...]; prints one JSON object to stdout:
{"duckdb": "1.1.3", "files": {FILE: {"objects": {"schema.name": rows}, "comments":
{"schema.table.column": comment}, "sqlalchemy_comments": {...}}}}
Deliberately standalone (no medfin import): it runs with another DuckDB than medfin's.
"""

import json
import sys

import duckdb
import sqlalchemy


def probe(path: str) -> dict:
    con = duckdb.connect(path, read_only=True)
    objects = con.execute(
        "select schema_name, table_name from duckdb_tables()"
        " where database_name = current_database() and not internal"
        " union all select schema_name, view_name from duckdb_views()"
        " where database_name = current_database() and not internal"
        " order by 1, 2"
    ).fetchall()
    counts = {}
    for schema, name in objects:
        rows = con.execute(f'select count(*) from "{schema}"."{name}"').fetchall()[0][0]
        counts[f"{schema}.{name}"] = rows
    comments = {
        f"{s}.{t}.{c}": text
        for s, t, c, text in con.execute(
            "select schema_name, table_name, column_name, comment from duckdb_columns()"
            " where database_name = current_database() and not internal"
        ).fetchall()
    }
    con.close()

    engine = sqlalchemy.create_engine(f"duckdb:///{path}", connect_args={"read_only": True})
    inspector = sqlalchemy.inspect(engine)
    reflected = {}
    table_comments = {}
    for key in counts:
        schema, name = key.split(".", 1)
        if name not in inspector.get_table_names(schema=schema):
            continue
        for column in inspector.get_columns(name, schema=schema):
            reflected[f"{key}.{column['name']}"] = column.get("comment")
        table_comments[key] = inspector.get_table_comment(name, schema=schema).get("text")
    engine.dispose()
    return {
        "objects": counts,
        "comments": comments,
        "sqlalchemy_comments": reflected,
        "sqlalchemy_table_comments": table_comments,
    }


if __name__ == "__main__":
    result = {"duckdb": duckdb.__version__, "sqlalchemy": sqlalchemy.__version__, "files": {}}
    for arg in sys.argv[1:]:
        result["files"][arg] = probe(arg)
    print(json.dumps(result))
