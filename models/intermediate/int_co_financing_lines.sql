-- One co-financing line per billing unit that has exactly one rule:
-- least(round(share x basis, 2), cap), with the rule it used.
with matches as (
    select
        rule_matches.*,
        count(*) over (
            partition by rule_matches.billing_unit_type, rule_matches.billing_unit_id
        ) as rule_count
    from {{ ref('int_co_financing_rule_matches') }} as rule_matches
)

select
    units.billing_unit_type,
    units.billing_unit_id,
    units.finance_area,
    units.rule_area,
    units.provider_kind,
    units.unit_kind,
    units.person_id,
    units.sex,
    units.age_years,
    units.age_group,
    units.paying_municipality_code,
    units.billing_date,
    units.activity_month,
    units.drg_code,
    units.hospital_code,
    units.basis_dkk,
    matches.share,
    matches.cap_dkk,
    matches.cap_unit,
    matches.rule_valid_from,
    matches.rule_age_group,
    matches.rule_provider_kind,
    matches.rule_status,
    {{ co_financing_amount('units.basis_dkk', 'matches.share', 'matches.cap_dkk') }}
        as co_financing_dkk,
    coalesce(round(units.basis_dkk * matches.share, 2) > matches.cap_dkk, false) as is_capped
from {{ ref('int_billing_units_resolved') }} as units
inner join matches
    on
        units.billing_unit_type = matches.billing_unit_type
        and units.billing_unit_id = matches.billing_unit_id
where matches.rule_count = 1
