"""Regenerate `seeds/danish_public_holidays.csv`: Danish public holidays 2015-2030.

Why a seed and not Python at build time: the warehouse must build with dbt alone (no Python model,
no Python UDF) and stay portable to Spark, where `dim_date` is plain SQL over a date spine. So the
holiday calendar is computed once here, with the `holidays` package (pinned in pyproject.toml), and
committed as a CSV that dbt loads like any other reference data. Extend YEARS and re-run when the
calendar must reach further.

Which days count (working-day purposes): the package's Denmark calendar in its default `public`
category, i.e. the statutory holidays (helligdage) - Nytårsdag, Skærtorsdag, Langfredag, Påskedag,
Anden påskedag, Store bededag (until 2023; abolished from 2024 by Act no. 214 of 6 March 2023),
Kristi himmelfartsdag, Pinsedag, Anden pinsedag, Juledag, Anden juledag. Sundays among them
(Påskedag, Pinsedag) are listed too. The package puts Grundlovsdag (5 June), Juleaftensdag (24 Dec),
Nytårsaften (31 Dec) and Arbejdernes kampdag (1 May) in its `optional` category: they are days off
by agreement or custom, not public holidays, so medfin keeps the package's choice and counts them as
working days. The `source` column of every row names the package, its version and the category.

    python scripts/make_holiday_seed.py          # (re)writes seeds/danish_public_holidays.csv
    python scripts/make_holiday_seed.py --check  # exit 1 if the committed CSV is stale

Deterministic: the same package version gives a byte-identical file.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

import holidays

SEED_PATH = Path(__file__).resolve().parent.parent / "seeds" / "danish_public_holidays.csv"
YEARS: tuple[int, ...] = tuple(range(2015, 2031))
COLUMNS = ("date", "holiday_name", "source")
CATEGORY = "public"
SOURCE = (
    f"python package holidays {holidays.__version__}: holidays.Denmark(categories='{CATEGORY}'), "
    "Danish names; statutory public holidays (helligdage) only - Grundlovsdag, 24 and 31 December "
    "and 1 May are in the package's 'optional' category and are not counted"
)


def holiday_rows() -> Iterator[dict[str, str]]:
    calendar = holidays.Denmark(years=YEARS, categories=(CATEGORY,), language="da")
    for day, name in sorted(calendar.items()):
        yield {"date": day.isoformat(), "holiday_name": name, "source": SOURCE}


def render_csv(rows: Iterator[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(f"holiday seed violates an invariant: {message}")


def _validate(text: str) -> None:
    """Invariants the warehouse relies on; fail before writing a wrong calendar."""
    rows = list(csv.DictReader(io.StringIO(text)))
    days = [date.fromisoformat(r["date"]) for r in rows]
    _require(len(days) == len(set(days)), "a date occurs twice (holiday_name must be one per day)")
    _require({d.year for d in days} == set(YEARS), "a year without holidays")
    for year in YEARS:
        expected = 11 if year <= 2023 else 10  # Store bededag abolished from 2024
        count = sum(1 for d in days if d.year == year)
        _require(count == expected, f"{year} has {count} holidays, expected {expected}")
    names = {r["holiday_name"] for r in rows}
    for optional in ("Grundlovsdag", "Juleaftensdag", "Nytårsaften", "Arbejdernes kampdag"):
        # By date these can coincide with a public holiday (Anden pinsedag was 5 June 2017).
        _require(optional not in names, f"{optional} is optional in the package, not counted")


def output() -> str:
    text = render_csv(holiday_rows())
    _validate(text)
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only compare with the committed CSV")
    args = parser.parse_args(argv)
    text = output()
    if args.check:
        current = SEED_PATH.read_text(encoding="utf-8") if SEED_PATH.exists() else None
        if current != text:
            print(f"stale: {SEED_PATH} (run scripts/make_holiday_seed.py)", file=sys.stderr)
            return 1
        print(f"up to date: {SEED_PATH}")
        return 0
    SEED_PATH.write_text(text, encoding="utf-8", newline="")
    print(f"wrote {SEED_PATH} ({text.count(chr(10)) - 1} holidays)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
