-- Every staged DRG contact belongs to exactly one staged course: its contact_id occurs once and its
-- course_id is a staged course. Returns the offending contacts.
with contacts as (
    select
        contact_id,
        course_id,
        count(*) over (partition by contact_id) as occurrences
    from {{ ref('stg_medfin__drg_contacts') }}
)

select
    contacts.contact_id,
    contacts.course_id,
    contacts.occurrences,
    courses.course_id is null as course_missing
from contacts
left join {{ ref('stg_medfin__drg_courses') }} as courses
    on contacts.course_id = courses.course_id
where contacts.occurrences > 1 or courses.course_id is null
