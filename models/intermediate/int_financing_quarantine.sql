-- Staged activity that cannot be financed, with the reason: no person, no residence on the
-- deciding date, overlapping residence, no tariff, or no / several matching co-financing rules.
-- Together with fct_co_financing and fct_full_financing it accounts for every billing unit.
with rule_counts as (
    select
        billing_unit_type,
        billing_unit_id,
        count(*) as rule_count
    from {{ ref('int_co_financing_rule_matches') }}
    group by billing_unit_type, billing_unit_id
),

co_financing as (
    select
        units.billing_unit_type,
        units.billing_unit_id,
        units.person_id,
        units.billing_date as deciding_date,
        coalesce(
            units.resolution_issue,
            case when rule_counts.rule_count is null then 'no_rule' else 'ambiguous_rule' end
        ) as reason
    from {{ ref('int_billing_units_resolved') }} as units
    left join rule_counts
        on
            units.billing_unit_type = rule_counts.billing_unit_type
            and units.billing_unit_id = rule_counts.billing_unit_id
    where units.resolution_issue is not null or coalesce(rule_counts.rule_count, 0) != 1
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
