-- Grain: municipality x projection year x sex x age: the residents on 1 January of the base year
-- (core.fct_population) and of the projection year (staging population_projection), 0 where
-- either has none, for the municipalities of the delivery (residents in the base year; a
-- projection of the whole country is read for them only) and the projection years from the base
-- year to the horizon (int_projection_base_year) that the delivered projection has. The
-- population side of the projection (docs/projection.md).
with base_year as (
    select
        base_year,
        last_projection_year
    from {{ ref('int_projection_base_year') }}
),

base_population as (
    select
        population.municipality_code,
        population.sex,
        population.age,
        population.persons
    from {{ ref('fct_population') }} as population
    inner join base_year
        on population.population_year = base_year.base_year
),

projected as (
    select
        projection.municipality_code,
        projection.projection_year,
        projection.sex,
        projection.age,
        projection.persons
    from {{ ref('stg_medfin__population_projection') }} as projection
    inner join base_year
        on
            projection.projection_year >= base_year.base_year
            and projection.projection_year <= base_year.last_projection_year
    where
        projection.municipality_code in (
            select base_population.municipality_code from base_population
        )
),

projection_years as (
    select distinct
        municipality_code,
        projection_year
    from projected
),

cells as (
    select
        municipality_code,
        sex,
        age
    from base_population
    union
    select
        municipality_code,
        sex,
        age
    from projected
)

select
    cells.municipality_code,
    years.projection_year,
    cells.sex,
    cells.age,
    cast(coalesce(base_population.persons, 0) as bigint) as base_persons,
    cast(coalesce(projected.persons, 0) as bigint) as projected_persons
from cells
inner join projection_years as years
    on cells.municipality_code = years.municipality_code
left join base_population
    on
        cells.municipality_code = base_population.municipality_code
        and cells.sex = base_population.sex
        and cells.age = base_population.age
left join projected
    on
        cells.municipality_code = projected.municipality_code
        and years.projection_year = projected.projection_year
        and cells.sex = projected.sex
        and cells.age = projected.age
