-- Grain: municipality x year. Co-financing per area and in total, and per citizen, with the
-- population on 1 January of the year (core.fct_population) and the municipality's health
-- council and region, for comparing municipalities of different size.
-- The per-area columns are those the contract declares (columns with meta co_financing_area in
-- _finance__models.yml): a new area gets its columns there, not here (docs/financing-areas.md).
{%- set amount_columns = co_financing_area_columns(model) %}
{%- set per_citizen_columns = co_financing_area_columns(model, per_citizen=true) %}
{%- set amount_column_of = {} %}
{%- for column in amount_columns %}
    {%- do amount_column_of.update({column.area: column.name}) %}
{%- endfor %}
{%- for column in per_citizen_columns if column.area not in amount_column_of %}
    {{ exceptions.raise_compiler_error(
        "co_financing_per_citizen: " ~ column.name ~ " is per citizen of area " ~ column.area
        ~ ", which has no amount column in the contract"
    ) }}
{%- endfor %}

with totals as (
    select
        paying_municipality_code as municipality_code,
        extract(year from activity_month) as activity_year,
        {%- for column in amount_columns %}
            sum(case when area = '{{ column.area }}' then co_financing_dkk else 0 end)
                as {{ column.name }},
        {%- endfor %}
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
    {%- for column in amount_columns %}
        cast(coalesce(totals.{{ column.name }}, 0) as {{ money_type() }}) as {{ column.name }},
    {%- endfor %}
    cast(coalesce(totals.total_dkk, 0) as {{ money_type() }}) as total_dkk,
    {%- for column in per_citizen_columns %}
        {{ money_per_citizen('totals.' ~ amount_column_of[column.area], 'population.population') }}
            as {{ column.name }},
    {%- endfor %}
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
