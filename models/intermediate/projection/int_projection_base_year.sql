-- Grain: one row, or none when the delivery has no base year: the base year of the demographic
-- projection and how far the projection reaches. The base year is the dbt var
-- projection_base_year when it is set, else the last year the delivery covers whole
-- (int_delivery_whole_years) with a population on its 1 January; either way a year the delivery
-- covers whole and has a population for. Its rates are held constant (docs/projection.md). The
-- horizon is the rule of seeds/projection_rules.csv valid on the base year's 1 January.
{%- set chosen = var('projection_base_year', none) %}
with population_years as (
    select distinct population_year
    from {{ ref('fct_population') }}
),

candidates as (
    select whole_years.activity_year as base_year
    from {{ ref('int_delivery_whole_years') }} as whole_years
    inner join population_years
        on whole_years.activity_year = population_years.population_year
    {%- if chosen is not none %}
        where whole_years.activity_year = {{ chosen | int }}
    {%- endif %}
),

base as (
    select max(base_year) as base_year
    from candidates
)

select
    base.base_year,
    {{ year_start('base.base_year') }} as base_date,
    rules.horizon_years,
    base.base_year + rules.horizon_years as last_projection_year
from base
inner join {{ ref('projection_rules') }} as rules
    on {{ valid_on('rules', year_start('base.base_year')) }}
where base.base_year is not null
