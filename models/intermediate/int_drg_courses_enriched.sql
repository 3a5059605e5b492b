-- One row per staged DRG course with what its contacts say about it: how many, whether any was
-- an admission, whether all were virtual, and the hospital and priority of its first contact.
-- min_by (DuckDB and Spark alike) picks the first contact's values in one aggregation pass.
with per_course as (
    select
        course_id,
        count(*) as contacts,
        max(case when is_admission then 1 else 0 end) = 1 as is_admission,
        min(case when contact_type = 'ALCA03' then 1 else 0 end) = 1 as is_virtual,
        min_by(hospital_code, contact_start) as hospital_code,
        min_by(sor_code, contact_start) as first_sor_code,
        min_by(is_acute, contact_start) as is_acute
    from {{ ref('int_drg_contacts_classified') }}
    group by course_id
)

select
    courses.course_id,
    courses.person_id,
    courses.region_code,
    courses.drg_code,
    courses.drg_year,
    courses.course_start,
    courses.course_end,
    courses.tariff_dkk,
    courses.long_stay_days,
    per_course.hospital_code,
    per_course.first_sor_code,
    cast(courses.course_start as date) as start_date,
    coalesce(per_course.contacts, 0) as contacts,
    coalesce(per_course.is_admission, false) as is_admission,
    coalesce(per_course.is_virtual, false) as is_virtual,
    coalesce(per_course.is_acute, false) as is_acute
from {{ ref('stg_medfin__drg_courses') }} as courses
left join per_course on courses.course_id = per_course.course_id
