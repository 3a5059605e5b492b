-- Grain: municipality x year x co-financing age group x area: co-financing and billing units of
-- the citizens of that age group, the age group's population on 1 January (core.fct_population)
-- and co-financing per citizen, so municipalities of different age structure compare group by
-- group. Every age group with a population gets a row for every area (0 kr where nothing was
-- paid); co-financing of an age group without a population row keeps its row with a null
-- population. Codes come with their Danish and English names (dim_label).
with co_financing as (
    select
        paying_municipality_code as municipality_code,
        cast(extract(year from activity_month) as integer) as activity_year,
        coalesce(age_group, 'all') as age_group,
        area,
        count(*) as billing_units,
        sum(co_financing_dkk) as co_financing_dkk,
        max(case when rule_status = 'illustrative' then 1 else 0 end) = 1
            as uses_illustrative_rules
    from {{ ref('fct_co_financing') }}
    group by
        paying_municipality_code,
        cast(extract(year from activity_month) as integer),
        coalesce(age_group, 'all'),
        area
),

population as (
    select
        municipality_code,
        population_year as activity_year,
        age_group,
        sum(persons) as population
    from {{ ref('fct_population') }}
    group by municipality_code, population_year, age_group
),

areas as (
    select code as area
    from {{ ref('dim_label') }}
    where domain = 'area'
),

keys as (
    select
        municipality_code,
        activity_year,
        age_group,
        area
    from co_financing
    union
    select
        population.municipality_code,
        population.activity_year,
        population.age_group,
        areas.area
    from population
    cross join areas
)

select
    keys.municipality_code,
    municipalities.municipality_name,
    municipalities.region_code,
    municipalities.region_name,
    municipalities.health_council,
    keys.activity_year,
    keys.age_group,
    age_group_names.label_da as age_group_name_da,
    age_group_names.label_en as age_group_name_en,
    keys.area,
    area_names.label_da as area_name_da,
    area_names.label_en as area_name_en,
    cast(population.population as bigint) as population,
    cast(coalesce(co_financing.billing_units, 0) as bigint) as billing_units,
    cast(coalesce(co_financing.co_financing_dkk, 0) as {{ money_type() }}) as co_financing_dkk,
    {{ money_per_citizen('co_financing.co_financing_dkk', 'population.population') }}
        as co_financing_per_citizen_dkk,
    coalesce(co_financing.uses_illustrative_rules, false) as uses_illustrative_rules
from keys
left join co_financing
    on
        keys.municipality_code = co_financing.municipality_code
        and keys.activity_year = co_financing.activity_year
        and keys.age_group = co_financing.age_group
        and keys.area = co_financing.area
left join population
    on
        keys.municipality_code = population.municipality_code
        and keys.activity_year = population.activity_year
        and keys.age_group = population.age_group
left join {{ ref('dim_municipality') }} as municipalities
    on keys.municipality_code = municipalities.municipality_code
{{ join_label('age_group', 'keys.age_group', 'age_group_names') }}
{{ join_label('area', 'keys.area', 'area_names') }}
