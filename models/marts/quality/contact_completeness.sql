-- Grain: region x activity year x activity month (of the contact start) of the region's own
-- contact list (EPJ). Completeness of the DRG data: a contact of the region's records is found
-- when its contact_id is among the delivered DRG contact rows, quarantined ones included (they
-- were delivered; staging rejected them for another reason). A null id matches nothing.
with region_contacts as (
    select
        region_code,
        contact_id,
        cast(extract(year from contact_start) as integer) as activity_year,
        cast(extract(month from contact_start) as integer) as activity_month
    from {{ ref('stg_medfin__epj_contacts') }}
),

delivered_drg_contacts as (
    select distinct contact_id
    from {{ ref('base_medfin__drg_contacts') }}
    where contact_id is not null
),

counted as (
    select
        region_contacts.region_code,
        region_contacts.activity_year,
        region_contacts.activity_month,
        count(*) as contacts_in_region_records,
        count(delivered_drg_contacts.contact_id) as found_in_drg
    from region_contacts
    left join delivered_drg_contacts
        on region_contacts.contact_id = delivered_drg_contacts.contact_id
    group by
        region_contacts.region_code,
        region_contacts.activity_year,
        region_contacts.activity_month
)

select
    region_code,
    activity_year,
    activity_month,
    cast(contacts_in_region_records as bigint) as contacts_in_region_records,
    cast(found_in_drg as bigint) as found_in_drg,
    cast(contacts_in_region_records - found_in_drg as bigint) as not_found,
    cast(contacts_in_region_records - found_in_drg as double)
    / contacts_in_region_records as not_found_share
from counted
