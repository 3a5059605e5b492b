-- A contact and its course are the same patient's. Returns the contacts whose person differs.
select
    contacts.contact_id,
    contacts.course_id,
    contacts.person_id as contact_person_id,
    courses.person_id as course_person_id
from {{ ref('stg_medfin__drg_contacts') }} as contacts
inner join {{ ref('stg_medfin__drg_courses') }} as courses
    on contacts.course_id = courses.course_id
where contacts.person_id != courses.person_id
