"""The staging rules the contract implies, generated for dbt (the contract is the one source).

`python -m medfin.contract.staging [--check]` writes (or checks) two files from
raw_extract_v1.json and the rejection reasons below:

- `macros/staging/contract_staging.sql`: the reasons in the order staging tests them, the raw
  table -> staging model map, and per table the spec the macro `staging_checked` evaluates (key,
  columns with their normaliser, and the rules the contract alone decides: not null, person id,
  duplicate key, allowed values, patterns, bounds, money range and precision).
- `models/staging/base/_base__models.yml`: one `base_medfin__<table>` model per raw table (every
  delivered row, normalised and judged once), described once, with the contract rules in words.

Rules that need seeds or several columns (unknown municipality, region or site, an end before its
start, a birth date against the extract) are written by hand, once each, in the base model's SQL
file, where a reader sees them beside the table's name. tests/python/test_sources.py fails when a
generated file is out of date.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from medfin.contract import Column, Contract, Table, load_contract

STAGING_MACRO_PATH = "macros/staging/contract_staging.sql"
BASE_YAML_PATH = "models/staging/base/_base__models.yml"


@dataclass(frozen=True)
class Reason:
    name: str
    meaning: str


# The quarantine reasons, in the order staging tests them: a row is recorded with the first it
# breaks. Written here once; the dbt macros, the quarantine model's accepted values, the docs and
# the synthetic generator's planted defects follow this tuple (tests keep them in step).
REASONS: tuple[Reason, ...] = (
    Reason("null_key", "a key or identifier column (`*_id`, or the table's key) is null"),
    Reason("missing_value", "another column the contract marks not nullable is null"),
    Reason(
        "cpr_like_person_id",
        "`person_id` is not a pseudonym (the contract's `person_id_pattern`) or holds a CPR "
        "number however disguised (its letters and digits contain `cpr_like_pattern`)",
    ),
    Reason(
        "duplicate_key",
        "the table's key occurs more than once (every such row: medfin cannot know which copy "
        "is right)",
    ),
    Reason(
        "invalid_code",
        "a code outside the contract's allowed values or pattern, or unknown to the seeds "
        "(region, treatment site, a rehabilitation group that does not fit its category)",
    ),
    Reason(
        "negative_value",
        "an amount, count or quantity below the contract's minimum of 0 (1 for quantities)",
    ),
    Reason(
        "out_of_range",
        "a value outside the contract's other bounds (a year outside 1900-2100, an age above "
        "`maximum_age`, a day count beyond a 32-bit integer), a birth date more than "
        "`maximum_age` years before the manifest's `extracted_at` or after it, or money beyond "
        "the contract's money type (10^12 kr or more, possible for a float in Parquet)",
    ),
    Reason(
        "excess_precision",
        "money with more than two decimals (øre); CSV money is read wider than the contract "
        "type and Parquet money may be a float, so a third decimal is quarantined, never "
        "rounded away",
    ),
    Reason("end_before_start", "an interval whose end lies before its start (death before birth)"),
    Reason("unknown_municipality", "a municipality code not in the seed `municipalities`"),
)
REASON_NAMES: tuple[str, ...] = tuple(r.name for r in REASONS)

# Raw contract table -> the staging model of the rows that pass (docs/staging-interface.md).
STAGING_MODELS: dict[str, str] = {
    "persons": "stg_medfin__persons",
    "residence": "stg_medfin__residence_periods",
    "drg_courses": "stg_medfin__drg_courses",
    "drg_contacts": "stg_medfin__drg_contacts",
    "drg_diagnoses": "stg_medfin__drg_diagnoses",
    "drg_procedures": "stg_medfin__drg_procedures",
    "psychiatric_contacts": "stg_medfin__psychiatric_contacts",
    "practice_services": "stg_medfin__practice_services",
    "full_financing_events": "stg_medfin__full_financing_events",
    "epj_contacts": "stg_medfin__epj_contacts",
    "lpr_report_counts": "stg_medfin__lpr_report_counts",
    "lpr_error_list": "stg_medfin__lpr_errors",
    "accounting_bookings": "stg_medfin__accounting_bookings",
    "population": "stg_medfin__population",
    "delivery_log": "stg_medfin__delivery_log",
    "population_projection": "stg_medfin__population_projection",
}


def base_model(table: str) -> str:
    """The model that judges every row of a raw table once (dbt's `base_` layer)."""
    return f"base_medfin__{table}"


def normaliser(column: Column) -> str | None:
    """How staging cleans a raw value before judging it.

    Strings are trimmed (an empty string is null). Codes are compared without regard to case:
    a code whose allowed values or pattern are all upper case is upper-cased, all lower case
    lower-cased. Numbers, dates and timestamps are judged as read (None).
    """
    if column.type != "string":
        return None
    letters = ""
    if column.allowed:
        letters = "".join(c for v in column.allowed for c in v if c.isalpha())
    elif column.pattern:
        # The letters a pattern admits: its character classes and literals, not its syntax.
        letters = "".join(re.findall(r"[A-Za-z]", re.sub(r"\{[^}]*\}|\\[a-z]", "", column.pattern)))
    if letters and letters == letters.upper():
        return "upper"
    if letters and letters == letters.lower():
        return "lower"
    return "trim"


def _money_limit(contract: Contract) -> tuple[int, int]:
    """(10^integer digits, scale) of the contract's money type, e.g. DECIMAL(14,2) -> (10^12, 2)."""
    match = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", contract.types["money"])
    if not match:
        raise ValueError(f"money type {contract.types['money']!r} is not DECIMAL(p,s)")
    precision, scale = int(match[1]), int(match[2])
    return 10 ** (precision - scale), scale


def _rule(reason: str, column: str, test: str, value: Any = None) -> dict[str, Any]:
    rule = {"reason": reason, "column": column, "test": test}
    return rule if value is None else {**rule, "value": value}


def contract_rules(contract: Contract, table: Table) -> list[dict[str, Any]]:
    """The rules the contract alone decides for `table`, in contract column order per reason.

    Each rule: reason, column, test (the SQL kind macros/staging/staging_rules.sql renders) and
    its value. The macro merges them with the table's hand-written rules in REASONS order.
    """
    key = table.key or ()
    limit, scale = _money_limit(contract)
    rules: list[dict[str, Any]] = []
    for col in table.columns:
        if not col.nullable:
            reason = "null_key" if col.name in key or col.name.endswith("_id") else "missing_value"
            rules.append({"reason": reason, "column": col.name, "test": "not_null"})
    if "person_id" in table.column_names:
        rules.append({"reason": "cpr_like_person_id", "column": "person_id", "test": "person_id"})
    if key:
        rules.append({"reason": "duplicate_key", "column": ", ".join(key), "test": "duplicate_key"})
    for col in table.columns:
        if col.allowed is not None:
            rules.append(_rule("invalid_code", col.name, "allowed", list(col.allowed)))
        if col.pattern is not None:
            rules.append(_rule("invalid_code", col.name, "pattern", col.pattern))
        if col.minimum is not None:
            reason = "negative_value" if col.minimum <= 1 else "out_of_range"
            rules.append(
                {"reason": reason, "column": col.name, "test": "minimum", "value": col.minimum}
            )
        if col.maximum is not None:
            rules.append(_rule("out_of_range", col.name, "maximum", col.maximum))
        if col.type == "money":
            rules.append(_rule("out_of_range", col.name, "money_range", limit))
            rules.append(_rule("excess_precision", col.name, "money_precision", scale))
    order = {name: i for i, name in enumerate(REASON_NAMES)}
    return sorted(rules, key=lambda rule: order[rule["reason"]])  # stable within a reason


def staging_spec(contract: Contract, table: Table) -> dict[str, Any]:
    return {
        "key": list(table.key or ()),
        "columns": [[col.name, normaliser(col) or "none"] for col in table.columns],
        "money": [col.name for col in table.columns if col.type == "money"],
        "rules": contract_rules(contract, table),
    }


def _jinja_literal(value: Any) -> str:
    """A Python value as a Jinja literal: JSON, which Jinja reads, as long as it has no null,
    true or false (Jinja spells them none, true, false); the specs use none of them."""

    def plain(v: Any) -> bool:
        if isinstance(v, dict):
            return all(plain(x) for x in v.values())
        if isinstance(v, list):
            return all(plain(x) for x in v)
        return isinstance(v, (str, int)) and not isinstance(v, bool)

    if not plain(value):
        raise ValueError(f"not a plain staging spec value: {value!r}")
    return json.dumps(value, ensure_ascii=False)


_GENERATED = (
    "generated by `python -m medfin.contract.staging` from src/medfin/contract/raw_extract_v1.json;"
    " do not edit"
)


def render_staging_macro(contract: Contract | None = None) -> str:
    contract = contract or load_contract()
    out = [
        "{#-",
        f"    The contract's staging rules ({_GENERATED}).",
        "    macros/staging/staging_rules.sql renders them; models/staging/base/ applies them.",
        "-#}",
        "",
        "{#- Quarantine reasons in the order staging tests them (the first broken is kept). -#}",
        "{% macro staging_rejection_reasons() -%}",
        "    {{ return([",
        *[f"        '{name}'," for name in REASON_NAMES],
        "    ]) }}",
        "{%- endmacro %}",
        "",
        "{#- Raw contract table -> staging model, in contract order. -#}",
        "{% macro staging_models() -%}",
        "    {{ return({",
        *[f"        '{t.name}': '{STAGING_MODELS[t.name]}'," for t in contract],
        "    }) }}",
        "{%- endmacro %}",
        "",
        "{#- Raw tables a month delivery cuts by month (contract by_month), in contract order. -#}",
        "{% macro contract_by_month_tables() -%}",
        "    {{ return([",
        *[f"        '{t.name}'," for t in contract.by_month_tables],
        "    ]) }}",
        "{%- endmacro %}",
        "",
        "{#- The contract's person id rule: a pseudonym, never a CPR number however disguised. -#}",
        "{% macro contract_person_id_patterns() -%}",
        "    {{ return({",
        f"        'person_id_pattern': {_jinja_literal(contract.person_id_pattern)},",
        f"        'cpr_like_pattern': {_jinja_literal(contract.cpr_like_pattern)},",
        "    }) }}",
        "{%- endmacro %}",
        "",
        "{#- The contract's money type: staged money is cast to it (marts use money_type()). -#}",
        "{% macro contract_money_type() -%}",
        f"    {contract.types['money'].lower().replace(',', ', ')}",
        "{%- endmacro %}",
        "",
        "{#- Oldest plausible resident in years (birth dates are judged against the extract). -#}",
        "{% macro contract_maximum_age() -%}",
        f"    {{{{ return({contract.maximum_age}) }}}}",
        "{%- endmacro %}",
        "",
        "{#- Per raw table: key, columns [name, normaliser], money columns, contract rules. -#}",
        "{% macro contract_staging_spec(table) -%}",
        "    {%- set specs = {",
    ]
    for table in contract:
        spec = staging_spec(contract, table)
        out.append(f"        '{table.name}': {{")
        out.append(f"            'key': {_jinja_literal(spec['key'])},")
        out.append(f"            'columns': {_jinja_literal(spec['columns'])},")
        out.append(f"            'money': {_jinja_literal(spec['money'])},")
        out.append("            'rules': [")
        out += [f"                {_jinja_literal(rule)}," for rule in spec["rules"]]
        out.append("            ],")
        out.append("        },")
    out += [
        "    } -%}",
        "    {%- if table not in specs -%}",
        '        {{ exceptions.raise_compiler_error("no contract table \'" ~ table ~ "\'") }}',
        "    {%- endif -%}",
        "    {{ return(specs[table]) }}",
        "{%- endmacro %}",
        "",
    ]
    return "\n".join(out)


def describe_rule(rule: dict[str, Any]) -> str:
    """One contract rule in words, for the base model's description."""
    column, value, test = rule["column"], rule.get("value"), rule["test"]
    if test == "not_null":
        words = f"`{column}` is null"
    elif test == "person_id":
        words = "`person_id` is not a pseudonym or holds a CPR number"
    elif test == "duplicate_key":
        words = f"the key ({column}) occurs more than once"
    elif test == "allowed":
        words = f"`{column}` not in {', '.join(value)}"
    elif test == "pattern":
        words = f"`{column}` does not match `{value}`"
    elif test == "minimum":
        words = f"`{column}` below {value}"
    elif test in ("maximum", "money_range"):
        words = f"`{column}` above {value}" if test == "maximum" else f"|`{column}`| ≥ {value:,}"
    elif test == "money_precision":
        words = f"`{column}` with more than {value} decimals"
    else:
        raise ValueError(f"unknown contract rule test {test!r}")
    return f"{rule['reason']}: {words}"


def _yaml(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def render_base_yaml(contract: Contract | None = None) -> str:
    contract = contract or load_contract()
    out = [
        f"# The base layer ({_GENERATED}).",
        "# Every delivered row of a raw table, normalised and judged once against its rules: the",
        "# contract's (listed in each description) and the ones in the model's SQL file (seeds,",
        "# several columns). The staging model keeps the rows without a rejection_reason,",
        "# stg_medfin__quarantine the others. Read by staging and the quality marts only.",
        "version: 2",
        "",
        "models:",
    ]
    first = True
    for table in contract:
        spec = staging_spec(contract, table)
        description = [
            f"Every row of raw `{table.name}` ({table.description.rstrip('.')}), normalised and",
            f"judged once; the rows without a rejection_reason make {STAGING_MODELS[table.name]}.",
            "The contract's rules, in the order they are tested (the first broken is recorded;",
            "the model's SQL file adds the rules that need seeds or several columns):",
            "",
            *[f"- {describe_rule(rule)}" for rule in spec["rules"]],
        ]
        out += [f"  - name: {base_model(table.name)}", "    description: |-"]
        out += [f"      {line}".rstrip() for line in description]
        out.append("    columns:")
        anchor = "&source_row_number " if first else "*source_row_number"
        if first:
            out += [
                "      - name: source_row_number",
                f"        description: {anchor}>-",
                "          1-based row of the delivered file (Parquet: file row number + 1;",
                "          CSV: data line, header excluded), for finding the row in the delivery.",
            ]
        else:
            out += ["      - name: source_row_number", f"        description: {anchor}"]
        if first:
            out += [
                "      - name: delivery_month",
                "        description: &delivery_month >-",
                "          The month delivery the row came in (`medfin build --incremental`: the",
                "          first day of its month); null when it came in a full delivery. With",
                "          source_row_number, where the row is in the delivered files.",
            ]
        else:
            out += ["      - name: delivery_month", "        description: *delivery_month"]
        for col in table.columns:
            how = normaliser(col)
            note = {
                "trim": " Trimmed.",
                "upper": " Trimmed, upper case.",
                "lower": " Trimmed, lower case.",
            }
            out += [
                f"      - name: {col.name}",
                f"        description: {_yaml(col.description + note.get(how or '', ''))}",
            ]
        judged = [
            ("rejection_reason", "The first rule the row breaks (REASONS order); null: passed."),
            ("rejection_column", "The column that broke it (for duplicate_key: the key columns)."),
            ("record_key", "The contract key as text ('|' between parts), rejected rows only."),
            ("raw_record", "The raw row as delivered, JSON text, rejected rows only."),
        ]
        for name, text in judged:
            out.append(f"      - name: {name}")
            if first:
                out.append(f"        description: &{name} {_yaml(text)}")
            else:
                out.append(f"        description: *{name}")
        out.append("")
        first = False
    return "\n".join(out)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_contract_markdown(contract: Contract | None = None) -> str:
    """The contract for the people who deliver and read it (docs/raw-extract-contract.md)."""
    contract = contract or load_contract()
    raw = _raw_contract()
    out = [
        f"# The raw extract contract, version {contract.release}",
        "",
        f"<!-- {_GENERATED}. -->",
        "",
        "A delivery is one folder: `manifest.json` and one file per table, all Parquet or all CSV.",
        "The manifest names the contract version, a `delivery_id`, the `extracted_at` time, the",
        "delivered `period` (`from`, `to`) and per table its `file`, `rows` and `sha256`; `medfin",
        'build` refuses a delivery whose files do not match it (README, "Operating medfin").',
        "What staging does with each rule: [staging-interface.md](staging-interface.md).",
        "",
        "## Versions",
        "",
        f"{raw['minor_version_note'][0].upper()}{raw['minor_version_note'][1:]}.",
        "",
        "| version | what changed |",
        "|---|---|",
        *[f"| {version} | {_cell(change)} |" for version, change in contract.versions.items()],
        "",
        "## Types and general rules",
        "",
        "| contract type | read as |",
        "|---|---|",
        *[f"| {name} | `{sql}` |" for name, sql in contract.types.items()],
        "",
        f"- Person ids: {raw['cpr_like_note']}.",
        f"  `person_id_pattern` = `{contract.person_id_pattern}`, `cpr_like_pattern` =",
        f"  `{contract.cpr_like_pattern}`.",
        f"- Age: {raw['maximum_age_note']} (`maximum_age` = {contract.maximum_age}).",
        f"- Bounds: {raw['bounds_note']}.",
        f"- CSV: `{contract.csv_delimiter}` between fields, `{contract.csv_decimal}` as the",
        f"  decimal mark, dates `{contract.csv_date_format}`, timestamps",
        f"  `{contract.csv_timestamp_format}`,",
        f"  a header line. {raw['csv']['quote_note']}. {raw['csv']['money_read_type_note']}.",
        f"- Month deliveries ([incremental.md](incremental.md)): {contract.month_delivery_note}.",
        "  Cut by month: "
        + "; ".join(f"`{t.name}` {_by_month_words(t)}" for t in contract.by_month_tables)
        + ". Whole in every month: "
        + ", ".join(f"`{t.name}`" for t in contract.whole_tables)
        + ".",
        "",
        "## Tables",
    ]
    for table in contract:
        need = "required" if table.required else "optional (an absent table is read as empty)"
        key = ", ".join(table.key) if table.key else "none"
        since = "" if table.added_in.endswith(".0") else f"; added in version {table.added_in}"
        out += [
            "",
            f"### {table.name}",
            "",
            f"{table.description} {need.capitalize()}; key: {key}{since}.",
            "",
            "| column | type | null | rule | meaning |",
            "|---|---|---|---|---|",
        ]
        for col in table.columns:
            rule = []
            if col.allowed is not None:
                rule.append("one of " + ", ".join(f"`{v}`" for v in col.allowed))
            if col.pattern is not None:
                rule.append(f"matches `{_cell(col.pattern)}`")
            if col.minimum is not None:
                rule.append(f"≥ {col.minimum}")
            if col.maximum is not None:
                rule.append(f"≤ {col.maximum}")
            cells = [col.name, col.type, "yes" if col.nullable else "no", "; ".join(rule)]
            out.append("| " + " | ".join([*cells, _cell(col.description)]) + " |")
    return "\n".join(out) + "\n"


def _by_month_words(table: Table) -> str:
    """How a table is cut by month, in words (contract `by_month`)."""
    by = table.by_month
    assert by is not None
    parts = []
    if by.with_table:
        parts.append(f"with its `{by.with_table}` row by `{by.with_key}`")
    if by.date:
        parts.append(f"{'else ' if parts else ''}by `{by.date}`")
    return ", ".join(parts)


def _raw_contract() -> dict[str, Any]:
    from importlib import resources

    from medfin.contract import CONTRACT_RESOURCE

    text = resources.files("medfin.contract").joinpath(CONTRACT_RESOURCE).read_text("utf-8")
    return json.loads(text)


CONTRACT_DOC_PATH = "docs/raw-extract-contract.md"

GENERATED_FILES = {
    STAGING_MACRO_PATH: render_staging_macro,
    BASE_YAML_PATH: render_base_yaml,
    CONTRACT_DOC_PATH: render_contract_markdown,
}


def main(argv: list[str] | None = None) -> int:
    """`python -m medfin.contract.staging [--check]`: write (or check) the generated files."""
    import argparse

    from medfin.project import project_dir

    parser = argparse.ArgumentParser(prog="python -m medfin.contract.staging")
    parser.add_argument("--check", action="store_true", help="fail if a file is out of date")
    args = parser.parse_args(argv)
    stale = 0
    for relative, render in GENERATED_FILES.items():
        path = project_dir() / relative
        text = render()
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                print(f"{relative} is out of date; run `python -m medfin.contract.staging`")
                stale += 1
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {relative}")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
