-- The LPR error list (raw lpr_error_list) rows that passed base_medfin__lpr_error_list.
-- Empty when the table was not delivered.
select
    error_id,
    cast(region_code as integer) as region_code,
    contact_id,
    error_code,
    listed_on,
    source_row_number,
    delivery_month
from {{ ref('base_medfin__lpr_error_list') }}
where rejection_reason is null
