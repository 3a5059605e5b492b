{#-
    How staging judges a raw row: THE one place that renders the staging rules as SQL.

    A table's rules come from two places, each written once:
      - the contract (src/medfin/contract/raw_extract_v1.json), generated into
        contract_staging_spec(table) in contract_staging.sql: not null, person id, duplicate key,
        allowed values, patterns, bounds, money range and precision;
      - the table's base model (models/staging/base/base_medfin__<table>.sql), by hand, for rules
        that need seeds or several columns: staging_checked(table, [[reason, column, condition]]).
    staging_rules(table, own_rules) merges them in the order of staging_rejection_reasons()
    (stable within a reason: contract rules first, in contract column order); staging_checked
    evaluates the list once per row and records the first rule broken.

    Conditions may assume that not-null columns are not null (null rules come first); a condition
    on a nullable column must handle null itself (a null comparison is never a rejection).
-#}

{#- A contract rule as "the value breaks the rule". -#}
{% macro _stg_contract_condition(rule) -%}
    {%- set column, value = rule['column'], rule.get('value') -%}
    {%- if rule['test'] == 'not_null' -%}
        {{ column }} is null
    {%- elif rule['test'] == 'person_id' -%}
        {{ staging_person_id_breaks_rule() }}
    {%- elif rule['test'] == 'duplicate_key' -%}
        duplicate_keys.is_duplicate_key
    {%- elif rule['test'] == 'allowed' -%}
        {{ column }} not in ('{{ value | join("', '") }}')
    {%- elif rule['test'] == 'pattern' -%}
        not {{ matches_regex(column, value) }}
    {%- elif rule['test'] == 'minimum' -%}
        {{ column }} < {{ value }}
    {%- elif rule['test'] == 'maximum' -%}
        {{ column }} > {{ value }}
    {%- elif rule['test'] == 'money_range' -%}
        abs({{ column }}) >= {{ value }}
    {%- elif rule['test'] == 'money_precision' -%}
        {{ column }} <> round({{ column }}, {{ value }})
    {%- else -%}
        {{ exceptions.raise_compiler_error("staging: unknown rule test '" ~ rule['test'] ~ "'") }}
    {%- endif -%}
{%- endmacro %}


{% macro staging_rules(table, own_rules=[]) -%}
    {%- set spec = contract_staging_spec(table) -%}
    {%- set rules = [] -%}
    {%- for rule in spec['rules'] -%}
        {%- do rules.append([rule['reason'], rule['column'], _stg_contract_condition(rule)]) -%}
    {%- endfor -%}
    {%- do rules.extend(own_rules) -%}
    {%- set ordered = [] -%}
    {%- for reason in staging_rejection_reasons() -%}
        {%- for rule in rules if rule[0] == reason -%}
            {%- do ordered.append({'reason': rule[0], 'column': rule[1], 'condition': rule[2]}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if ordered | length != rules | length -%}
        {{ exceptions.raise_compiler_error("staging_rules: unknown rejection reason in " ~ table) }}
    {%- endif -%}
    {{ return(ordered) }}
{%- endmacro %}


{#- Hand-written rules that need a seed: the code must be in the seed. -#}

{% macro _stg_not_in_seed(column, seed, seed_column) -%}
    {{ column }} not in (select {{ seed_column }} from {{ ref(seed) }})
{%- endmacro %}

{% macro unknown_region(column='region_code') -%}
    {{ _stg_not_in_seed(column, 'regions', 'region_code') }}
{%- endmacro %}

{% macro unknown_site(column='sor_code') -%}
    {{ _stg_not_in_seed(column, 'treatment_sites', 'sor_code') }}
{%- endmacro %}

{% macro unknown_municipality(column='municipality_code') -%}
    {{ _stg_not_in_seed(column, 'municipalities', 'municipality_code') }}
{%- endmacro %}

{#-
    A birth date is out of range when the person would be older than the contract's maximum age
    at the extract, or is born after it (year 1, 1800 and 9999 were financed as 80+ before).
    The extract time is the manifest's, from the delivery audit: the same delivery always gets
    the same verdict, whatever day it is built.
-#}
{% macro implausible_birth_date(column) -%}
    {%- set extracted -%}
        (select cast(max(extracted_at) as date) from {{ ref('stg_medfin_build__delivery_audit') }})
    {%- endset -%}
    ({{ column }} > {{ extracted }}
        or {{ column }} < {{ dbt.dateadd('year', -contract_maximum_age(), extracted) }})
{%- endmacro %}


{#-
    The contract's person_id rule (person_id_pattern and cpr_like_pattern, generated into
    contract_person_id_patterns()): the id must look like a pseudonym, and its letters and digits
    (whitespace of any kind, control and format characters, dashes and prefixes removed;
    full-width digits read as digits) must not contain a day-month-year date and four digits.
-#}
{% macro staging_person_id_breaks_rule() -%}
    {%- set patterns = contract_person_id_patterns() -%}
    {{ return(
        'not ' ~ matches_regex('person_id', patterns['person_id_pattern'])
        ~ ' or ' ~ matches_regex(letters_and_digits('person_id'), patterns['cpr_like_pattern'])
    ) }}
{%- endmacro %}
