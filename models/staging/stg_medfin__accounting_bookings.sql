-- Amounts the region booked that passed base_medfin__accounting_bookings; negative amounts
-- (corrections) are allowed. Empty when the table was not delivered.
select
    cast(region_code as integer) as region_code,
    cast(fiscal_year as integer) as fiscal_year,
    cast(activity_year as integer) as activity_year,
    category,
    cast(amount_dkk as {{ contract_money_type() }}) as amount_dkk,
    source_row_number,
    delivery_month
from {{ ref('base_medfin__accounting_bookings') }}
where rejection_reason is null
