-- The LPR error list (raw lpr_error_list) rows that passed staging_rules('lpr_error_list').
-- Empty when the table was not delivered.
select
    error_id,
    cast(region_code as integer) as region_code,
    contact_id,
    error_code,
    listed_on,
    source_row_number
from {{ ref('stg_medfin__lpr_errors_checked') }}
where rejection_reason is null
