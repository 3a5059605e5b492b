"""No hidden limits in SQL: money has one type, years come from the data or the rule seeds.

A literal type or year range in a model works until the day the data leaves it; these tests fail
when one is written again (the fixes: money_type(), a range from the seed's validity or from
the delivery, as in int_co_financing_rules_by_year and dim_date).
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SQL_FOLDERS = ("models", "macros", "analyses", "tests/dbt")
MONEY_MACRO = REPO / "macros/financing/money.sql"
DECIMAL_LITERAL = re.compile(r"\bdecimal\s*\(\s*\d+\s*,\s*\d+\s*\)", re.IGNORECASE)
# A year range written into SQL or Jinja: range(2000, 2041), between 2015 and 2030, ...
YEAR_RANGE = re.compile(
    r"range\(\s*(19|20)\d\d\s*,|between\s+'?(19|20)\d\d\b.*\band\s+'?(19|20)\d\d\b", re.IGNORECASE
)


def _sql_files() -> list[Path]:
    return sorted(p for folder in SQL_FOLDERS for p in (REPO / folder).rglob("*.sql"))


def _without_comments(text: str) -> str:
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.DOTALL)
    return "\n".join(line.split("--", 1)[0] for line in text.splitlines())


def _generated(path: Path) -> bool:
    """Generated files (their source is Python: the contract, the history tables' DDL) are
    checked against their source by their own sync tests."""
    return "do not edit" in path.read_text("utf-8")[:400]


def test_money_has_one_type() -> None:
    found = {
        str(p.relative_to(REPO)): DECIMAL_LITERAL.findall(_without_comments(p.read_text("utf-8")))
        for p in _sql_files()
        if p != MONEY_MACRO and not _generated(p)
    }
    assert not {p: hits for p, hits in found.items() if hits}, "cast with money_type()"
    assert DECIMAL_LITERAL.search(MONEY_MACRO.read_text("utf-8"))


def test_no_year_range_is_written_into_sql() -> None:
    found = [
        str(p.relative_to(REPO))
        for p in _sql_files()
        if YEAR_RANGE.search(_without_comments(p.read_text("utf-8")))
    ]
    assert not found, "derive the years from the delivery or from the rule seeds' validity"


def test_the_patterns_find_what_they_forbid() -> None:
    assert DECIMAL_LITERAL.search("cast(x as decimal(18, 2))")
    assert YEAR_RANGE.search("{% for year in range(2000, 2041) %}")
    assert YEAR_RANGE.search("where year(day) between 2015 and 2030")
    assert not YEAR_RANGE.search("where age between 0 and 125")
