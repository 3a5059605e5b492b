-- Grain: one row per staged DRG course (drg_courses), with what its contacts say about it.
select
    course_id,
    person_id,
    region_code,
    drg_code,
    drg_year,
    course_start,
    course_end,
    start_date,
    hospital_code,
    contacts,
    is_admission,
    is_acute,
    is_virtual,
    long_stay_days,
    cast({{ dbt.date_trunc('month', 'start_date') }} as date) as activity_month,
    cast(tariff_dkk as {{ money_type() }}) as tariff_dkk
from {{ ref('int_drg_courses_enriched') }}
