-- Residents per municipality, sex and age on a reference date that passed
-- staging_rules('population').
select
    cast(municipality_code as integer) as municipality_code,
    reference_date,
    sex,
    cast(age as integer) as age,
    persons,
    source_row_number
from {{ ref('stg_medfin__population_checked') }}
where rejection_reason is null
