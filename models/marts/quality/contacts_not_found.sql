-- Grain: one row per contact of the region's own records (EPJ) that is missing from the delivered
-- DRG contacts (quarantined DRG rows count as delivered; see contact_completeness), with the unit
-- and hospital from dim_treatment_site (null when the SOR code is unknown there).
select
    region_contacts.region_code,
    region_contacts.contact_id,
    region_contacts.sor_code,
    sites.unit_name,
    sites.hospital_code,
    region_contacts.contact_start,
    cast(extract(year from region_contacts.contact_start) as integer) as activity_year,
    cast(extract(month from region_contacts.contact_start) as integer) as activity_month
from {{ ref('stg_medfin__epj_contacts') }} as region_contacts
left join {{ ref('dim_treatment_site') }} as sites
    on region_contacts.sor_code = sites.sor_code
where not exists (
    select 1
    from {{ ref('base_medfin__drg_contacts') }} as drg_contacts
    where drg_contacts.contact_id = region_contacts.contact_id
)
