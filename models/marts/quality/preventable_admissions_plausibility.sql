-- Grain: municipality of residence x year: the preventable admissions published in
-- planning.preventable_admissions (all groups) against the acute admissions of citizens in the
-- indicator's age band they are taken from (intermediate.int_preventable_admissions, every acute
-- admission of the band, preventable or not). Preventable admissions are a part of those, so
-- is_within_acute_admissions is false only when an admission is counted twice (overlapping code
-- ranges, a join that fans out) or lost from the base (seeds/check_catalogue.csv judges it).
with acute as (
    select
        municipality_code,
        admission_year as activity_year,
        count(*) as acute_admissions,
        sum(case when is_preventable then 1 else 0 end) as preventable_in_base
    from {{ ref('int_preventable_admissions') }}
    group by municipality_code, admission_year
),

published as (
    select
        municipality_code,
        activity_year,
        sum(admissions) as preventable_admissions
    from {{ ref('preventable_admissions') }}
    group by municipality_code, activity_year
),

keys as (
    select
        municipality_code,
        activity_year
    from acute
    union
    select
        municipality_code,
        activity_year
    from published
)

select
    keys.municipality_code,
    cast(keys.activity_year as integer) as activity_year,
    cast(coalesce(acute.acute_admissions, 0) as bigint) as acute_admissions,
    cast(coalesce(published.preventable_admissions, 0) as bigint) as preventable_admissions,
    coalesce(published.preventable_admissions, 0) <= coalesce(acute.acute_admissions, 0)
    and coalesce(published.preventable_admissions, 0) = coalesce(acute.preventable_in_base, 0)
        as is_within_acute_admissions
from keys
left join acute
    on
        keys.municipality_code = acute.municipality_code
        and keys.activity_year = acute.activity_year
left join published
    on
        keys.municipality_code = published.municipality_code
        and keys.activity_year = published.activity_year
