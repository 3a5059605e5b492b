-- Grain: one row per staged DRG course (drg_courses), with what its contacts say about it.
-- A view: int_drg_courses_enriched holds these rows already (writing them twice cost about 3 s
-- of CPU at region scale), and this adds only the month and the money type.
{{ config(materialized='view') }}

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
