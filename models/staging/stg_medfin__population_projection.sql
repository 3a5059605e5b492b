-- Projected residents per municipality, year, sex and age on 1 January (optional raw
-- population_projection, contract 1.1) that passed base_medfin__population_projection.
select
    cast(municipality_code as integer) as municipality_code,
    cast(year as integer) as projection_year,
    sex,
    cast(age as integer) as age,
    persons,
    source_row_number,
    delivery_month
from {{ ref('base_medfin__population_projection') }}
where rejection_reason is null
