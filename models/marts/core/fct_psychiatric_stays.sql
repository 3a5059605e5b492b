-- Grain: one row per staged psychiatric contact: an admission (with bed-days) or a visit.
select
    contact_id,
    person_id,
    reported_municipality_code,
    sor_code,
    hospital_code,
    contact_type,
    contact_start,
    contact_end,
    start_date,
    duration_minutes,
    is_admission,
    stay_kind,
    bed_days,
    cast({{ dbt.date_trunc('month', 'start_date') }} as date) as activity_month
from {{ ref('int_psychiatric_stays') }}
