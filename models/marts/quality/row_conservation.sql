-- Grain: one row per raw contract table (every one, delivered or not). Row conservation: every row
-- the manifest declares was read, and every row read was either staged or quarantined (with the
-- reasons). The manifest's figures and the checksum status come from the build's validation
-- (stg_medfin_build__delivery_audit). An optional table that was not delivered is read as an
-- empty placeholder and is conserved with 0 rows. A data test fails the build when any table is
-- not conserved (models/marts/quality/_quality__models.yml).
with rows_read as (
    {%- for source_table in staging_models() %}
        {%- if not loop.first %}
            union all
        {%- endif %}
        select
            '{{ source_table }}' as source_table,
            count(*) as rows_read
        from {{ source('medfin_raw', source_table) }}
    {%- endfor %}
),

rows_staged as (
    {%- for source_table, model in staging_models().items() %}
        {%- if not loop.first %}
            union all
        {%- endif %}
        select
            '{{ source_table }}' as source_table,
            count(*) as rows_staged
        from {{ ref(model) }}
    {%- endfor %}
),

quarantined_by_reason as (
    select
        source_table,
        rejection_reason,
        count(*) as quarantined
    from {{ ref('stg_medfin__quarantine') }}
    group by source_table, rejection_reason
),

quarantined as (
    select
        source_table,
        sum(quarantined) as rows_quarantined,
        {{ dbt.listagg(
            dbt.concat([
                'rejection_reason', "': '", 'cast(quarantined as ' ~ dbt.type_string() ~ ')',
            ]),
            "', '",
            'order by rejection_reason'
        ) }} as quarantine_reasons
    from quarantined_by_reason
    group by source_table
),

counted as (
    select
        rows_read.source_table,
        delivery_audit.delivered,
        delivery_audit.file_name,
        delivery_audit.manifest_rows,
        delivery_audit.sha256_status,
        rows_read.rows_read,
        rows_staged.rows_staged,
        coalesce(quarantined.rows_quarantined, 0) as rows_quarantined,
        quarantined.quarantine_reasons
    from rows_read
    inner join rows_staged
        on rows_read.source_table = rows_staged.source_table
    left join quarantined
        on rows_read.source_table = quarantined.source_table
    left join {{ ref('stg_medfin_build__delivery_audit') }} as delivery_audit
        on rows_read.source_table = delivery_audit.source_table
)

select
    source_table,
    delivered,
    file_name,
    cast(manifest_rows as bigint) as manifest_rows,
    cast(rows_read as bigint) as rows_read,
    cast(rows_staged as bigint) as rows_staged,
    cast(rows_quarantined as bigint) as rows_quarantined,
    quarantine_reasons,
    cast(rows_read - rows_staged - rows_quarantined as bigint) as rows_unaccounted,
    sha256_status,
    coalesce(
        case
            when delivered then manifest_rows = rows_read
            when not delivered then rows_read = 0
        end
        and rows_read - rows_staged - rows_quarantined = 0,
        false
    ) as is_conserved
from counted
