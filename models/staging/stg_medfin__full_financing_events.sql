-- Full-financing (fuldfinansiering) events that passed base_medfin__full_financing_events.
select
    event_id,
    person_id,
    cast(region_code as integer) as region_code,
    category,
    rehab_group,
    activity_date,
    cast(quantity as integer) as quantity,
    sor_code,
    source_row_number,
    delivery_month
from {{ ref('base_medfin__full_financing_events') }}
where rejection_reason is null
