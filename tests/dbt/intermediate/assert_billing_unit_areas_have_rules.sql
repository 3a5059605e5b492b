-- Every rule area and provider kind that billing units arrive with (int_billing_units) has rows
-- in seed co_financing_rules (the rules join on both, an empty provider kind matching an empty
-- one): an area or a practice kind whose rules were forgotten, or rules moved to a new area that
-- int_billing_units does not assign yet, fail here naming the pair and its units, instead of
-- every such unit going to int_financing_quarantine as no_rule (docs/financing-areas.md). A unit
-- of a year no rule covers is still no_rule; this test is about areas, not years.
select
    units.rule_area,
    units.provider_kind,
    count(*) as billing_units
from {{ ref('int_billing_units') }} as units
where
    not exists (
        select 1 from {{ ref('co_financing_rules') }} as rules
        where
            rules.area = units.rule_area
            and coalesce(rules.provider_kind, '') = coalesce(units.provider_kind, '')
    )
group by units.rule_area, units.provider_kind
