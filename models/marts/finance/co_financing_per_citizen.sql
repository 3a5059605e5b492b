-- Grain: municipality x year. Co-financing per area and in total, and per citizen, with the
-- population on 1 January of the year (core.fct_population) and the municipality's health
-- council and region, for comparing municipalities of different size.
with totals as (
    select
        paying_municipality_code as municipality_code,
        extract(year from activity_month) as activity_year,
        sum(case when area = 'somatik' then co_financing_dkk else 0 end) as somatic_dkk,
        sum(case when area = 'psykiatri' then co_financing_dkk else 0 end) as psychiatric_dkk,
        sum(case when area = 'praksis' then co_financing_dkk else 0 end) as practice_dkk,
        sum(co_financing_dkk) as total_dkk,
        max(case when rule_status = 'illustrative' then 1 else 0 end) = 1
            as uses_illustrative_rules
    from {{ ref('fct_co_financing') }}
    group by paying_municipality_code, extract(year from activity_month)
),

population as (
    select
        municipality_code,
        population_year as activity_year,
        cast(sum(persons) as bigint) as population
    from {{ ref('fct_population') }}
    group by municipality_code, population_year
),

keys as (
    select
        municipality_code,
        activity_year
    from totals
    union
    select
        municipality_code,
        activity_year
    from population
)

select
    keys.municipality_code,
    municipalities.municipality_name,
    municipalities.region_code,
    municipalities.region_name,
    municipalities.health_council,
    cast(keys.activity_year as integer) as activity_year,
    population.population,
    cast(coalesce(totals.somatic_dkk, 0) as {{ money_type() }}) as somatic_dkk,
    cast(coalesce(totals.psychiatric_dkk, 0) as {{ money_type() }}) as psychiatric_dkk,
    cast(coalesce(totals.practice_dkk, 0) as {{ money_type() }}) as practice_dkk,
    cast(coalesce(totals.total_dkk, 0) as {{ money_type() }}) as total_dkk,
    {{ money_per_citizen('totals.somatic_dkk', 'population.population') }}
        as somatic_per_citizen_dkk,
    {{ money_per_citizen('totals.psychiatric_dkk', 'population.population') }}
        as psychiatric_per_citizen_dkk,
    {{ money_per_citizen('totals.practice_dkk', 'population.population') }}
        as practice_per_citizen_dkk,
    {{ money_per_citizen('totals.total_dkk', 'population.population') }}
        as total_per_citizen_dkk,
    coalesce(totals.uses_illustrative_rules, false) as uses_illustrative_rules
from keys
left join totals
    on
        keys.municipality_code = totals.municipality_code
        and keys.activity_year = totals.activity_year
left join population
    on
        keys.municipality_code = population.municipality_code
        and keys.activity_year = population.activity_year
left join {{ ref('dim_municipality') }} as municipalities
    on keys.municipality_code = municipalities.municipality_code
