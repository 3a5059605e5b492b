-- Grain: area (each municipality of the projection, and its health council) x projection year x
-- age band (seeds/report_age_bands: Under 65, 65+, 80+, overlapping; and `all`, every age): the
-- residents on 1 January of the projection year and of the base year (int_projection_population),
-- with the smaller positive of the two as the observations discretion judges (both are published
-- in one row). A council sums the municipalities of the projection. Unsuppressed: never
-- published (projection.population_projection is).
{%- set area = projection_area_columns() %}
with base_year as (
    select
        base_year,
        base_date
    from {{ ref('int_projection_base_year') }}
),

bands as (
    select
        age_bands.age_band,
        age_bands.age_from,
        age_bands.age_to
    from {{ ref('report_age_bands') }} as age_bands
    cross join base_year
    where {{ valid_on('age_bands', 'base_year.base_date') }}
    union all
    select
        'all' as age_band,
        0 as age_from,
        cast(null as integer) as age_to
),

summed as (
    select
        {%- for column in area %}
            areas.{{ column }},
        {%- endfor %}
        population.projection_year,
        bands.age_band,
        count(distinct population.municipality_code) as municipalities,
        sum(population.projected_persons) as persons,
        sum(population.base_persons) as base_persons
    from {{ ref('int_projection_population') }} as population
    inner join bands
        on
            population.age >= bands.age_from
            and (bands.age_to is null or population.age <= bands.age_to)
    inner join {{ ref('int_projection_areas') }} as areas
        on population.municipality_code = areas.municipality_code
    group by
        {%- for column in area %}
            areas.{{ column }},
        {%- endfor %}
        population.projection_year,
        bands.age_band
)

select
    {%- for column in area %}
        summed.{{ column }},
    {%- endfor %}
    cast(summed.municipalities as integer) as municipalities,
    base_year.base_year,
    base_year.base_date as period_start,
    summed.projection_year,
    summed.age_band,
    case
        when
            summed.persons > 0
            and (summed.base_persons = 0 or summed.persons <= summed.base_persons)
            then summed.persons
        else summed.base_persons
    end as observations,
    cast(summed.persons as bigint) as persons,
    cast(summed.base_persons as bigint) as base_persons
from summed
cross join base_year
