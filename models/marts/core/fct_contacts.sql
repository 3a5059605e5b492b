-- Grain: one row per staged DRG contact. residence_municipality_code is the CPR residence on the
-- contact's start date; municipality_agrees compares it with the municipality reported.
with contacts as (
    select * from {{ ref('int_drg_contacts_classified') }}
)

select
    contacts.contact_id,
    contacts.course_id,
    contacts.person_id,
    contacts.reported_municipality_code,
    residence.municipality_code as residence_municipality_code,
    contacts.sor_code,
    contacts.hospital_code,
    contacts.contact_type,
    contacts.priority,
    contacts.is_acute,
    contacts.contact_start,
    contacts.contact_end,
    contacts.duration_minutes,
    contacts.is_admission,
    contacts.contact_drg_code,
    contacts.action_diagnosis,
    cast(contacts.contact_start as date) as start_date,
    coalesce(residence.municipality_code = contacts.reported_municipality_code, false)
        as municipality_agrees
from contacts
left join {{ ref('stg_medfin__residence_periods') }} as residence
    on
        contacts.person_id = residence.person_id
        and {{ valid_on('residence', 'cast(contacts.contact_start as date)') }}
