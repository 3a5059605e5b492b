{#-
    staging_checked(table, own_rules): every row of one raw table, judged once against
    staging_rules(table, own_rules): the contract's rules and the table's own (seeds, several
    columns), given by its base model in models/staging/base/.

    Columns: source_row_number, the contract columns normalised (contract names; the normaliser
    of each is in contract_staging_spec), then
      rejection_reason  the first rule the row breaks (order of docs/staging-interface.md), or null
      rejection_column  the column that broke it (for duplicate_key: the key columns)
      record_key        the contract key as text ('|' between parts), rejected rows only
      raw_record        the raw row as delivered, JSON text, rejected rows only

    The base_medfin__<table> models materialise this once per table; the staging model takes the
    rows with a null rejection_reason, stg_medfin__quarantine the others. A monthly increment
    (macros/staging/staging_by_month.sql) adds delivery_month and judges only the affected months.
-#}

{#-
    Trim surrounding spaces; an empty string is null. Trimming only the values that need it is
    about twice as fast as trimming every value (identifiers are trimmed too: 14 M procedures at
    region scale).
-#}
{% macro _stg_trim(column) -%}
    case
        when {{ column }} like ' %' or {{ column }} like '% ' then nullif(trim({{ column }}), '')
        when {{ column }} = '' then null
        else {{ column }}
    end
{%- endmacro %}

{% macro _stg_normalise(column, how) -%}
    {%- if how == 'trim' -%}
        {{ _stg_trim(column) }}
    {%- elif how == 'upper' -%}
        upper({{ _stg_trim(column) }})
    {%- elif how == 'lower' -%}
        lower({{ _stg_trim(column) }})
    {%- elif how == 'none' -%}
        {{ column }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("staging_checked: unknown normaliser '" ~ how ~ "'") }}
    {%- endif -%}
{%- endmacro %}


{% macro staging_checked(table, own_rules=[]) -%}
    {{- staging_by_month_config(table) -}}
    {%- set rows_to_judge = staging_rows_to_judge(table, 'raw') -%}
    {%- set spec = contract_staging_spec(table) -%}
    {%- set rules = staging_rules(table, own_rules) -%}
    {%- set key = spec['key'] -%}
    {%- set columns = spec['columns'] -%}
    {%- set normalisers = dict(columns) -%}
    {%- if not rules -%}
        {{ exceptions.raise_compiler_error("staging_checked: no rules for '" ~ table ~ "'") }}
    {%- endif -%}
    {%- set key_not_null = key | join(' is not null and ') ~ ' is not null' -%}
    {#-
        Duplicate keys need every key of the table before any row can be judged. From Parquet the
        key columns are read a second time (cheap: a column scan), so that the rows need not be
        held in memory; a CSV file is parsed once, into `normalised`, which DuckDB then keeps.
    -#}
    {%- if env_var('MEDFIN_DELIVERY_FORMAT', 'parquet') | lower == 'csv' and not rows_to_judge -%}
        {%- set key_relation = 'normalised' -%}
    {%- else -%}
        {%- set key_relation = 'key_rows' -%}
    {%- endif %}
with raw_rows as (
    select
        {{ source_row_number() }} as source_row_number,
        {{ staging_delivery_month('raw') }} as delivery_month,
        {%- for column in columns %}
        raw.{{ column[0] }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ source('medfin_raw', table) }} as raw
    {%- if rows_to_judge %}
    where {{ rows_to_judge }}
    {%- endif %}
),

normalised as (
    select
        raw_rows.source_row_number,
        raw_rows.delivery_month,
        {%- for column in columns %}
        {{ _stg_normalise('raw_rows.' ~ column[0], column[1]) }} as {{ column[0] }},
        {%- endfor %}
        {#- Money as a double: CSV money is read as a wide decimal (20 places), Parquet money as
            DECIMAL(14,2) or a float; the raw record shows the same number for either. -#}
        struct_pack(
            {%- for column in columns %}
            {%- if column[0] in spec['money'] %}
            {{ column[0] }} := cast(raw_rows.{{ column[0] }} as double){{ ',' if not loop.last }}
            {%- else %}
            {{ column[0] }} := raw_rows.{{ column[0] }}{{ ',' if not loop.last }}
            {%- endif %}
            {%- endfor %}
        ) as raw_row
    from raw_rows
),
{%- if key %}
{%- if key_relation == 'key_rows' %}

key_rows as not materialized (
    select
        {%- for column in key %}
        {{ _stg_normalise('key_source.' ~ column, normalisers[column]) }}
            as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ source('medfin_raw', table) }} as key_source
),
{%- endif %}

duplicate_keys as (
    -- Keys that occur more than once (rows with an incomplete key are null_key already)
    select
        {%- for column in key %}
        {{ column }} as duplicate_key_{{ loop.index }},
        {%- endfor %}
        true as is_duplicate_key
    from {{ key_relation }}
    where {{ key_not_null }}
    group by {{ key | join(', ') }}
    having count(*) > 1
),
{%- endif %}

judged as (
    select
        normalised.*,
        case
            {%- for rule in rules %}
            when {{ rule['condition'] }} then {{ loop.index }}
            {%- endfor %}
        end as rule_index
    from normalised
    {%- if key %}
    left join duplicate_keys
        on
            {%- for column in key %}
            {{ 'and ' if not loop.first }}normalised.{{ column }}
                = duplicate_keys.duplicate_key_{{ loop.index }}
            {%- endfor %}
    {%- endif %}
)

select
    source_row_number,
    delivery_month,
    {%- for column in columns %}
    {{ column[0] }},
    {%- endfor %}
    case rule_index
        {%- for rule in rules %}
        when {{ loop.index }} then '{{ rule['reason'] }}'
        {%- endfor %}
    end as rejection_reason,
    case rule_index
        {%- for rule in rules %}
        when {{ loop.index }} then '{{ rule['column'] }}'
        {%- endfor %}
    end as rejection_column,
    case
        when rule_index is not null then
            {%- if not key %}
            cast(null as varchar)
            {%- elif key | length == 1 %}
            cast({{ key[0] }} as varchar)
            {%- else %}
            concat_ws(
                '|',
                {%- for column in key %}
                coalesce(cast({{ column }} as varchar), ''){{ ',' if not loop.last }}
                {%- endfor %}
            )
            {%- endif %}
    end as record_key,
    case when rule_index is not null then cast(to_json(raw_row) as varchar) end as raw_record
from judged
{%- endmacro %}
