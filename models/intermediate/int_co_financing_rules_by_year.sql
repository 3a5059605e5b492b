-- The rule seed shaped for an equality join: one row per rule, calendar year it is valid in and
-- age group it applies to ('all' rules are repeated for every age group and for units without
-- one). Joining billing units on (area, provider kind, age group, year) leaves one or two
-- candidate rules per unit instead of every rule of the area.
-- The years come from the seed and the data, not from a fixed range: from the first rule's
-- valid_from to the last rule's valid_to, or to the last billing year when a rule is still open
-- (empty valid_to).
{%- set rules_relation = ref('co_financing_rules') %}
{%- set units_relation = ref('int_billing_units') %}
{%- set first_year = "(select min(" ~ dbt.date_trunc('year', 'valid_from') ~ ") from "
    ~ rules_relation ~ ")" %}
{%- set last_rule_year = "(select max(" ~ dbt.date_trunc('year', 'valid_to') ~ ") from "
    ~ rules_relation ~ ")" %}
{%- set last_billing_year = "(select max(" ~ dbt.date_trunc('year', 'billing_date') ~ ") from "
    ~ units_relation ~ ")" %}
{%- set last_year = "coalesce(greatest(" ~ last_rule_year ~ ", " ~ last_billing_year ~ "), "
    ~ first_year ~ ")" %}
{%- set year_after_last = dbt.dateadd('year', 1, last_year) %}

with rules as (
    select * from {{ rules_relation }}
),

age_keys as (
    select distinct age_group as age_key from {{ ref('age_groups') }}
    where age_group != 'all'
    union all
    select '' as age_key
),

years as (
    select cast(extract(year from spine.date_year) as integer) as rule_year
    from ({{ medfin_date_spine('year', first_year, year_after_last) }}) as spine
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
