"""Text for SQL that DuckDB cannot take as a parameter (identifiers, COMMENT ON, ATTACH paths)."""

from __future__ import annotations


def identifier(name: str) -> str:
    """A double-quoted identifier; inner double quotes are doubled."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A single-quoted string literal; inner single quotes are doubled."""
    return "'" + text.replace("'", "''") + "'"
