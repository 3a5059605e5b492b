-- Staged activity that cannot be financed, with the reason: no person, no residence on the
-- deciding date, no tariff, or no matching co-financing rule. Together with fct_co_financing and
-- fct_full_financing it accounts for every billing unit and event (tested).
with co_financing as (
    select
        billing_unit_type,
        billing_unit_id,
        person_id,
        billing_date as deciding_date,
        issue as reason
    from {{ ref('int_co_financing_lines') }}
    where issue is not null
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
