-- The region's own contact list (EPJ) that passed base_medfin__epj_contacts, for the
-- completeness reconciliation against the DRG data. Empty when the table was not delivered.
select
    contact_id,
    cast(region_code as integer) as region_code,
    sor_code,
    start_ts as contact_start,
    source_row_number,
    delivery_month
from {{ ref('base_medfin__epj_contacts') }}
where rejection_reason is null
