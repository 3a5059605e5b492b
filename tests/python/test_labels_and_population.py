"""Labels for every code the marts carry, and the population model in core."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from medfin.contract import load_contract
from warehouses import built

SEEDS = Path(__file__).parents[2] / "seeds"


def _csv(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _labels() -> dict[str, set[str]]:
    by_domain: dict[str, set[str]] = defaultdict(set)
    for row in _csv("labels"):
        by_domain[row["domain"]].add(row["code"])
    return by_domain


def test_every_code_of_the_contract_and_the_rules_has_a_label() -> None:
    """The code lists live in the contract and the rule seeds; the labels must keep up."""
    labels = _labels()
    allowed: dict[str, set[str]] = defaultdict(set)
    for table in load_contract():
        for column in table.columns:
            if column.allowed:
                allowed[column.name].update(column.allowed)
    for domain in ("sex", "contact_type", "priority", "provider_kind", "category"):
        assert allowed[domain], domain
        assert allowed[domain] <= labels[domain], (domain, allowed[domain] - labels[domain])
    assert {r["age_group"] for r in _csv("age_groups")} <= labels["age_group"]
    assert {r["area"] for r in _csv("co_financing_rules")} <= labels["rule_area"]
    assert {r["cap_unit"] for r in _csv("co_financing_rules") if r["cap_unit"]} <= labels[
        "unit_kind"
    ]
    # and nothing is named that no source has (a stale label is a typo or a removed code)
    known = {
        "sex": allowed["sex"],
        "contact_type": allowed["contact_type"],
        "priority": allowed["priority"],
        "provider_kind": allowed["provider_kind"],
        "category": allowed["category"],
        "age_group": {r["age_group"] for r in _csv("age_groups")},
        "rule_area": {r["area"] for r in _csv("co_financing_rules")},
    }
    for domain, codes in known.items():
        assert labels[domain] <= codes, (domain, labels[domain] - codes)


def test_the_marts_name_every_code_they_carry() -> None:
    demo = built("default")
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        unnamed = con.execute(
            "select domain, code from ("
            " select distinct 'area' as domain, area as code from core.fct_co_financing"
            " union select distinct 'unit_kind', unit_kind from core.fct_co_financing"
            " union select distinct 'contact_type', contact_type from core.fct_contacts"
            " union select distinct 'priority', priority from core.fct_contacts"
            ") as used where code is not null and not exists ("
            " select 1 from core.dim_label as labels"
            " where labels.domain = used.domain and labels.code = used.code)"
        ).fetchall()
    assert unnamed == []


def test_population_model_equals_the_delivered_population() -> None:
    demo = built("default")
    delivered: dict[tuple[int, str], int] = defaultdict(int)
    table = pq.read_table(demo.delivery / "population.parquet").to_pylist()
    for row in table:
        if row["reference_date"].month == 1 and row["reference_date"].day == 1:
            delivered[(row["municipality_code"], row["sex"])] += row["persons"]
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        modelled = {
            (m, s): int(n)
            for m, s, n in con.execute(
                "select municipality_code, sex, sum(persons) from core.fct_population group by all"
            ).fetchall()
        }
        # each age sits in the one age group whose bounds hold it (2021: the four groups)
        misplaced = con.execute(
            "select count(*) from core.fct_population as p join core.dim_age_group as g"
            " using (age_group) where p.age < g.age_from or p.age > coalesce(g.age_to, 200)"
            " or p.age_group = 'all'"
        ).fetchall()[0][0]
        councils = con.execute(
            "select count(*) from core.fct_population where health_council is null"
            " or region_name is null"
        ).fetchall()[0][0]
    assert modelled == dict(delivered) and modelled
    assert misplaced == 0 and councils == 0


def test_per_citizen_by_age_group_adds_up_to_the_municipality() -> None:
    demo = built("default")
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        by_group = dict(
            con.execute(
                "select municipality_code, sum(co_financing_dkk)"
                " from finance.co_financing_per_citizen_by_age_group group by all"
            ).fetchall()
        )
        totals = dict(
            con.execute(
                "select municipality_code, total_dkk from finance.co_financing_per_citizen"
            ).fetchall()
        )
        ratio_off = con.execute(
            "select count(*) from finance.co_financing_per_citizen_by_age_group"
            " where population > 0"
            " and co_financing_per_citizen_dkk != round(co_financing_dkk / population, 2)"
        ).fetchall()[0][0]
        rows_per_group = con.execute(
            "select distinct count(*) from finance.co_financing_per_citizen_by_age_group"
            " where population is not null group by municipality_code, activity_year, age_group"
        ).fetchall()
    assert by_group == totals and by_group
    assert ratio_off == 0
    assert rows_per_group == [(3,)]  # somatik, psykiatri, praksis for every age group
