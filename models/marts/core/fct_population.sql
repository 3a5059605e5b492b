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
    {{ co_financing_age_group('population.age', 'population.reference_date') }} as age_group,
    cast(population.persons as bigint) as persons
from population
left join {{ ref('dim_municipality') }} as municipalities
    on population.municipality_code = municipalities.municipality_code
