-- Grain: municipality x reference date (1 January of a year) x sex x age: the citizens of the
-- delivered population table, with the co-financing age group that applies to that age on that
-- date (the age-differentiated groups from 2018; `all` before) and the municipality's region and
-- health council. The denominator of every per-citizen and per-1,000 figure.
with population as (
    select
        municipality_code,
        reference_date,
        sex,
        age,
        persons
    from {{ ref('stg_medfin__population') }}
    where
        extract(month from reference_date) = 1
        and extract(day from reference_date) = 1
),

differentiated as (
    select
        population.municipality_code,
        population.reference_date,
        population.sex,
        population.age,
        min(age_groups.age_group) as age_group
    from population
    inner join {{ ref('dim_age_group') }} as age_groups
        on {{ in_age_group('age_groups', 'population.age', 'population.reference_date') }}
    group by
        population.municipality_code,
        population.reference_date,
        population.sex,
        population.age
)

select
    population.municipality_code,
    municipalities.municipality_name,
    municipalities.region_code,
    municipalities.region_name,
    municipalities.health_council_id,
    municipalities.health_council,
    cast(extract(year from population.reference_date) as integer) as population_year,
    population.reference_date,
    population.sex,
    population.age,
    coalesce(differentiated.age_group, 'all') as age_group,
    cast(population.persons as bigint) as persons
from population
left join differentiated
    on
        population.municipality_code = differentiated.municipality_code
        and population.reference_date = differentiated.reference_date
        and population.sex = differentiated.sex
        and population.age = differentiated.age
left join {{ ref('dim_municipality') }} as municipalities
    on population.municipality_code = municipalities.municipality_code
