-- Grain: region x activity year x activity month (of the contact start) of the region's own
-- contact list (EPJ). Completeness of the DRG data: a contact of the region's records is found
-- when its contact_id is among the delivered DRG contact rows, quarantined ones included (they
-- were delivered; staging rejected them for another reason). A null id matches nothing.
-- A month outside the delivered period (contacts of courses that run on past the period's end)
-- holds only a tail of the month's contacts: it is listed, and in_delivery_period says the
-- completeness checks do not judge it (one missing contact of a tail of 782 was 0.13 %).
with region_contacts as (
    select
        region_code,
        contact_id,
        cast(extract(year from contact_start) as integer) as activity_year,
        cast(extract(month from contact_start) as integer) as activity_month,
        cast({{ dbt.date_trunc('month', 'contact_start') }} as date) as month_start
    from {{ ref('stg_medfin__epj_contacts') }}
),

delivery as (
    select
        cast({{ dbt.date_trunc('month', 'min(period_from)') }} as date) as first_month,
        max(period_to) as period_to
    from {{ ref('stg_medfin_build__delivery_audit') }}
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
        region_contacts.month_start,
        count(*) as contacts_in_region_records,
        count(delivered_drg_contacts.contact_id) as found_in_drg
    from region_contacts
    left join delivered_drg_contacts
        on region_contacts.contact_id = delivered_drg_contacts.contact_id
    group by
        region_contacts.region_code,
        region_contacts.activity_year,
        region_contacts.activity_month,
        region_contacts.month_start
)

select
    counted.region_code,
    counted.activity_year,
    counted.activity_month,
    cast(counted.contacts_in_region_records as bigint) as contacts_in_region_records,
    cast(counted.found_in_drg as bigint) as found_in_drg,
    cast(counted.contacts_in_region_records - counted.found_in_drg as bigint) as not_found,
    cast(counted.contacts_in_region_records - counted.found_in_drg as double)
    / counted.contacts_in_region_records as not_found_share,
    coalesce(
        counted.month_start between delivery.first_month and delivery.period_to, false
    ) as in_delivery_period
from counted
cross join delivery
