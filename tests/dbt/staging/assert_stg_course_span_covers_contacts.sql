-- A course spans its contacts: course_start <= contact_start and contact_end <= course_end.
-- Returns the contacts outside their course.
select
    contacts.contact_id,
    contacts.course_id,
    contacts.contact_start,
    contacts.contact_end,
    courses.course_start,
    courses.course_end
from {{ ref('stg_medfin__drg_contacts') }} as contacts
inner join {{ ref('stg_medfin__drg_courses') }} as courses
    on contacts.course_id = courses.course_id
where
    contacts.contact_start < courses.course_start
    or contacts.contact_end > courses.course_end
