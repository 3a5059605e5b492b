"""Print the calibration figures of a generated delivery (the README's calibration table).

Usage: .venv/bin/python scripts/calibration.py DELIVERY_DIR

Reads the delivery's Parquet files and expected.json; compares with the audited figures for Region
Midtjylland 2021 that the `region` scale is tuned to (docs/domain.md#calibration-figures):
3,305,295 DRG contacts, 26,599,942 LPR reports, a co-financing ceiling of 4,354 million kr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb


def main(delivery: Path) -> None:
    con = duckdb.connect()
    manifest = json.loads((delivery / "manifest.json").read_text(encoding="utf-8"))
    for table, entry in manifest["tables"].items():
        con.execute(
            f"create view {table} as select * from read_parquet('{delivery / entry['file']}')"
        )
    expected = json.loads((delivery / "expected.json").read_text(encoding="utf-8"))

    def one(sql: str) -> float:
        row = con.execute(sql).fetchone()
        return float(row[0]) if row and row[0] is not None else 0.0

    residents = one(
        "select sum(persons) from population where reference_date = "
        "(select min(reference_date) from population)"
    )
    co = {}
    for r in expected["totals"]["co_financing"]:
        co[r["area"]] = co.get(r["area"], 0) + r["co_financing_ore"] / 100
    full = sum(r["amount_ore"] for r in expected["totals"]["full_financing"]) / 100
    rows = [
        ("residents on 1 January", residents, None),
        ("DRG contacts", one("select count(*) from drg_contacts"), 3_305_295),
        ("DRG courses", one("select count(*) from drg_courses"), None),
        (
            "single-contact course share",
            one(
                "select avg((n = 1)::int) from (select count(*) n from drg_contacts group by "
                "course_id)"
            ),
            0.80,
        ),
        (
            "virtual contact share",
            one("select avg((contact_type = 'ALCA03')::int) from drg_contacts"),
            None,
        ),
        (
            "LPR reports (all regions)",
            one("select sum(reports) from lpr_report_counts"),
            26_599_942,
        ),
        ("LPR error list rows", one("select count(*) from lpr_error_list"), 154),
        ("co-financing, million kr", sum(co.values()) / 1e6, 4_354),
        *((f"  of which {a}, million kr", v / 1e6, None) for a, v in sorted(co.items())),
        ("full financing, million kr", full / 1e6, None),
        ("practice services", one("select count(*) from practice_services"), None),
        ("psychiatric contacts", one("select count(*) from psychiatric_contacts"), None),
    ]
    print(f"{'figure':40} {'generated':>16} {'reference':>14} {'ratio':>7}")
    for name, value, ref in rows:
        ratio = f"{value / ref:7.2f}" if ref else ""
        ref_text = f"{ref:,}" if ref else ""
        print(f"{name:40} {value:16,.2f} {ref_text:>14} {ratio}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
