-- Staged activity that cannot be financed, with the reason: no person, no residence on the
-- deciding date, no tariff, or no matching co-financing rule. Together with fct_co_financing and
-- fct_full_financing it accounts for every billing unit and event (tested).
with units as (
    select * from {{ ref('int_billing_units_resolved') }}
),

lines as (
    select distinct
        billing_unit_type,
        billing_unit_id
    from {{ ref('int_co_financing_lines') }}
),

co_financing as (
    select
        units.billing_unit_type,
        units.billing_unit_id,
        units.person_id,
        units.billing_date as deciding_date,
        coalesce(units.resolution_issue, 'no_rule') as reason
    from units
    left join lines
        on
            units.billing_unit_type = lines.billing_unit_type
            and units.billing_unit_id = lines.billing_unit_id
    where units.resolution_issue is not null or lines.billing_unit_id is null
),

full_financing as (
    select
        'full_financing_event' as billing_unit_type,
        event_id as billing_unit_id,
        person_id,
        activity_date as deciding_date,
        resolution_issue as reason
    from {{ ref('int_full_financing_lines') }}
    where resolution_issue is not null
)

select * from co_financing
union all
select * from full_financing
