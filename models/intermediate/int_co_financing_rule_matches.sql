-- Every co_financing_rules row that matches a financeable billing unit (docs/financing-rules.md):
-- same area, valid on the billing date, the unit's age group or 'all', the same provider kind,
-- and a cap unit that fits. A correct rule seed gives exactly one row per unit; units with none
-- or several go to int_financing_quarantine.
with units as (
    select * from {{ ref('int_billing_units_resolved') }}
    where resolution_issue is null
)

select
    units.billing_unit_type,
    units.billing_unit_id,
    rules.valid_from as rule_valid_from,
    rules.age_group as rule_age_group,
    rules.provider_kind as rule_provider_kind,
    rules.cap_unit,
    rules.share,
    rules.cap_dkk,
    rules.status as rule_status,
    rules.source as rule_source
from units
inner join {{ ref('co_financing_rules') }} as rules
    on
        units.rule_area = rules.area
        and {{ valid_on('rules', 'units.billing_date') }}
        and (rules.age_group = 'all' or rules.age_group = units.age_group)
        and coalesce(rules.provider_kind, '') = coalesce(units.provider_kind, '')
        and (rules.cap_unit in ('course', 'service') or rules.cap_unit = units.unit_kind)
