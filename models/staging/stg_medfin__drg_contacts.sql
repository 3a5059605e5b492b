-- DRG contacts (kontakttabel) that passed base_medfin__drg_contacts, with the hospital of the
-- treating unit. The municipality is the one reported with the contact, not the paying one.
select
    contacts.contact_id,
    contacts.course_id,
    contacts.person_id,
    cast(contacts.municipality_code as integer) as reported_municipality_code,
    contacts.sor_code,
    sites.hospital_code,
    contacts.contact_type,
    contacts.priority,
    contacts.priority = 'ATA1' as is_acute,
    contacts.start_ts as contact_start,
    contacts.end_ts as contact_end,
    contacts.contact_drg_code,
    contacts.action_diagnosis,
    contacts.source_row_number,
    contacts.delivery_month
from {{ ref('base_medfin__drg_contacts') }} as contacts
left join {{ ref('treatment_sites') }} as sites
    on contacts.sor_code = sites.sor_code
where contacts.rejection_reason is null
