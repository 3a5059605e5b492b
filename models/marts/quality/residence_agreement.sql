-- Grain: one row per DRG or psychiatric contact whose reported municipality differs from the CPR
-- residence on the contact's start date, or that has no residence on that date. The residence is
-- resolved where the core layer resolves it: fct_contacts for DRG contacts, and for psychiatric
-- contacts the paying municipality of their billing unit (int_billing_units_resolved: residence on
-- the start date). region_code is the region owning the treating unit (dim_treatment_site).
with drg_contacts as (
    select
        'drg_contacts' as source_table,
        contact_id,
        person_id,
        contact_start,
        sor_code,
        reported_municipality_code,
        residence_municipality_code
    from {{ ref('fct_contacts') }}
    where not municipality_agrees
),

psychiatric_contacts as (
    select
        'psychiatric_contacts' as source_table,
        stays.contact_id,
        stays.person_id,
        stays.contact_start,
        stays.sor_code,
        stays.reported_municipality_code,
        units.paying_municipality_code as residence_municipality_code
    from {{ ref('fct_psychiatric_stays') }} as stays
    inner join {{ ref('int_billing_units_resolved') }} as units
        on
            units.billing_unit_type = 'psychiatric_contact'
            and stays.contact_id = units.billing_unit_id
    where not coalesce(units.paying_municipality_code = stays.reported_municipality_code, false)
),

disagreeing as (
    select * from drg_contacts
    union all
    select * from psychiatric_contacts
)

select
    disagreeing.source_table,
    disagreeing.contact_id,
    disagreeing.person_id,
    disagreeing.contact_start,
    sites.region_code,
    disagreeing.reported_municipality_code,
    disagreeing.residence_municipality_code,
    case
        when disagreeing.residence_municipality_code is null then 'no_residence'
        else 'different_municipality'
    end as reason
from disagreeing
left join {{ ref('dim_treatment_site') }} as sites
    on disagreeing.sor_code = sites.sor_code
