-- Staging loses no row and invents none: for every raw table, the rows read from the delivery
-- equal the staged rows plus the rows quarantined from that table. Returns the tables that differ.
with counts as (
    {%- for source_table, model in staging_models().items() %}
        select
            '{{ source_table }}' as source_table,
            (select count(*) from {{ source('medfin_raw', source_table) }}) as delivered_rows,
            (select count(*) from {{ ref(model) }}) as staged_rows,
            (
                select count(*) from {{ ref('stg_medfin__quarantine') }} as quarantine
                where quarantine.source_table = '{{ source_table }}'
            ) as quarantined_rows
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select
    source_table,
    delivered_rows,
    staged_rows,
    quarantined_rows
from counts
where delivered_rows != staged_rows + quarantined_rows
