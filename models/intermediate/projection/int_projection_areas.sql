-- Grain: municipality of the projection x level (the municipality itself, its health council):
-- the areas the projection marts show a municipality in (int_data_package_geography), with the
-- number of municipalities each area has; a council row of the marts sums only the
-- municipalities of the projection (int_projection_population).
with geography as (
    select
        municipality_code,
        geo_level,
        geo_code,
        geo_name,
        parent_geo_code,
        geo_sort
    from {{ ref('int_data_package_geography') }}
    where geo_level in ('municipality', 'health_council')
),

sizes as (
    select
        geo_level,
        geo_code,
        count(distinct municipality_code) as municipalities_in_area
    from geography
    group by
        geo_level,
        geo_code
)

select
    geography.municipality_code,
    geography.geo_level,
    geography.geo_code,
    geography.geo_name,
    geography.parent_geo_code,
    geography.geo_sort,
    cast(sizes.municipalities_in_area as integer) as municipalities_in_area
from geography
inner join sizes
    on
        geography.geo_level = sizes.geo_level
        and geography.geo_code = sizes.geo_code
where
    geography.municipality_code in (
        select population.municipality_code
        from {{ ref('int_projection_population') }} as population
    )
