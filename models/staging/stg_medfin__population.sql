-- Residents per municipality, sex and age on a reference date that passed
-- base_medfin__population.
select
    cast(municipality_code as integer) as municipality_code,
    reference_date,
    sex,
    cast(age as integer) as age,
    persons,
    source_row_number,
    delivery_month
from {{ ref('base_medfin__population') }}
where rejection_reason is null
