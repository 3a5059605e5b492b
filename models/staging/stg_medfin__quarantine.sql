-- Every raw row that staging rejected, with the first rule it broke (staging_rules, in the order
-- of docs/staging-interface.md) and the raw row as delivered. Together with the staging models it
-- accounts for every delivered row. A table: small, and what an auditor opens.
{{ config(materialized='table') }}
{%- for source_table, model in staging_models().items() %}
    {%- if not loop.first %}
        union all
    {%- endif %}
    select
        '{{ source_table }}' as source_table,
        source_row_number,
        delivery_month,
        record_key,
        rejection_reason,
        rejection_column,
        raw_record
    from {{ ref('base_medfin__' ~ source_table) }}
    where rejection_reason is not null
{%- endfor %}
