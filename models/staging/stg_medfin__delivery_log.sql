-- Published monthly updates that passed base_medfin__delivery_log, for timeliness reporting.
-- Empty when the table was not delivered.
select
    system,
    period_month,
    published_on,
    data_as_of,
    source_row_number,
    delivery_month
from {{ ref('base_medfin__delivery_log') }}
where rejection_reason is null
