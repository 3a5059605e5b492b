-- Every billing unit with the rule that matches it: same area and provider kind, the unit's age
-- group or 'all', valid on the billing date, a cap unit that fits (docs/financing-rules.md).
-- Amount: least(round(share x basis, 2), cap). issue is null for a financeable unit; otherwise
-- the resolution issue, or no_rule when no rule matches. A correct rule seed gives exactly one
-- rule per unit (fct_co_financing's key test fails on several). fct_co_financing and
-- int_financing_quarantine are filters of this one table, so the joins run once.
with units as (
    select * from {{ ref('int_billing_units_resolved') }}
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
    rules.share,
    rules.cap_dkk,
    rules.cap_unit,
    rules.valid_from as rule_valid_from,
    rules.age_group as rule_age_group,
    rules.provider_kind as rule_provider_kind,
    rules.status as rule_status,
    {{ co_financing_amount('units.basis_dkk', 'rules.share', 'rules.cap_dkk') }}
        as co_financing_dkk,
    coalesce(round(units.basis_dkk * rules.share, 2) > rules.cap_dkk, false) as is_capped,
    case
        when units.resolution_issue is not null then units.resolution_issue
        when rules.share is null then 'no_rule'
    end as issue
from units
left join {{ ref('int_co_financing_rules_by_year') }} as rules
    on
        units.resolution_issue is null
        and units.rule_area = rules.area
        and coalesce(units.provider_kind, '') = rules.provider_key
        and coalesce(units.age_group, '') = rules.age_key
        and extract(year from units.billing_date) = rules.rule_year
        and {{ valid_on('rules', 'units.billing_date') }}
        and (rules.cap_unit in ('course', 'service') or units.unit_kind = rules.cap_unit)
