-- Full-financing (fuldfinansiering) events that passed staging_rules('full_financing_events').
select
    event_id,
    person_id,
    cast(region_code as integer) as region_code,
    category,
    rehab_group,
    activity_date,
    cast(quantity as integer) as quantity,
    sor_code,
    source_row_number
from {{ ref('stg_medfin__full_financing_events_checked') }}
where rejection_reason is null
