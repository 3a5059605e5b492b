-- DRG courses (forløbstabel) that passed base_medfin__drg_courses.
select
    course_id,
    person_id,
    cast(region_code as integer) as region_code,
    drg_code,
    cast(drg_year as integer) as drg_year,
    course_start,
    course_end,
    cast(tariff_dkk as {{ contract_money_type() }}) as tariff_dkk,
    cast(long_stay_days as integer) as long_stay_days,
    source_row_number,
    delivery_month
from {{ ref('base_medfin__drg_courses') }}
where rejection_reason is null
