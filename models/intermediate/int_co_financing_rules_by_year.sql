-- The rule seed shaped for an equality join: one row per rule, calendar year it is valid in and
-- age group it applies to ('all' rules are repeated for every age group and for units without
-- one). Joining billing units on (area, provider kind, age group, year) leaves one or two
-- candidate rules per unit instead of every rule of the area.
with rules as (
    select * from {{ ref('co_financing_rules') }}
),

age_keys as (
    select distinct age_group as age_key from {{ ref('age_groups') }}
    where age_group != 'all'
    union all
    select '' as age_key
),

years as (
    {%- for year in range(2000, 2041) %}
        select {{ year }} as rule_year{{ " union all" if not loop.last }}
    {%- endfor %}
)

select
    rules.area,
    coalesce(rules.provider_kind, '') as provider_key,
    age_keys.age_key,
    years.rule_year,
    rules.valid_from,
    rules.valid_to,
    rules.age_group,
    rules.provider_kind,
    rules.share,
    rules.cap_dkk,
    rules.cap_unit,
    rules.status,
    rules.source
from rules
inner join age_keys
    on rules.age_group = 'all' or rules.age_group = age_keys.age_key
inner join years
    on
        years.rule_year >= extract(year from rules.valid_from)
        and (rules.valid_to is null or years.rule_year <= extract(year from rules.valid_to))
