-- Grain: municipality x geography level. Each municipality with the four areas whose rows of the
-- health-council data packages it counts in: itself, its health council, its region and the whole
-- country. Joining activity to this and grouping by the area counts a citizen once per area
-- (distinct citizens stay distinct at every level). Regions are today's or the 2027 regions, by
-- the build variable data_package_regions (`current` or `2027`; default from the environment
-- variable MEDFIN_DATA_PACKAGE_REGIONS, which `medfin build --regions` sets).
{%- set from_environment = env_var('MEDFIN_DATA_PACKAGE_REGIONS', 'current') %}
{%- set regions = var('data_package_regions', from_environment) | string %}
{%- if regions not in ['current', '2027'] %}
    {{ exceptions.raise_compiler_error(
        "var data_package_regions must be 'current' or '2027', not '" ~ regions ~ "'") }}
{%- endif %}
with municipalities as (
    select
        municipality_code,
        municipality_name,
        health_council_id,
        health_council,
        {%- if regions == '2027' %}
            region_2027_id as region_geo_code,
            region_2027 as region_geo_name
        {%- else %}
            cast(region_code as varchar) as region_geo_code,
            region_name as region_geo_name
        {%- endif %}
    from {{ ref('dim_municipality') }}
),

country as (
    select label_da as country_name
    from {{ ref('dim_label') }}
    where domain = 'geo_level' and code = 'country'
),

levels as (
    select
        municipality_code,
        'municipality' as geo_level,
        4 as level_rank,
        cast(municipality_code as varchar) as geo_code,
        municipality_name as geo_name,
        health_council_id as parent_geo_code
    from municipalities
    union all
    select
        municipality_code,
        'health_council' as geo_level,
        3 as level_rank,
        health_council_id as geo_code,
        health_council as geo_name,
        region_geo_code as parent_geo_code
    from municipalities
    union all
    select
        municipality_code,
        'region' as geo_level,
        2 as level_rank,
        region_geo_code as geo_code,
        region_geo_name as geo_name,
        'DK' as parent_geo_code
    from municipalities
    union all
    select
        municipalities.municipality_code,
        'country' as geo_level,
        1 as level_rank,
        'DK' as geo_code,
        country.country_name as geo_name,
        cast(null as varchar) as parent_geo_code
    from municipalities
    cross join country
)

select
    municipality_code,
    geo_level,
    geo_code,
    geo_name,
    parent_geo_code,
    -- One sort key for every area: country, regions, councils, municipalities, each by name in
    -- Danish order (Æ, Ø, Å after Z, and aa as å: Aabenraa last), which a byte sort gets wrong.
    cast(dense_rank() over (
        order by level_rank, {{ danish_sort_key('geo_name') }}, geo_code
    ) as integer) as geo_sort
from levels
