-- Grain: municipality x projection year x report area x measure (contacts, admissions,
-- co_financing): the base year's figure of the municipality times its growth, for the base year
-- and the years up to the horizon that the delivered projection has (docs/projection.md):
--   rate     = the base year's figure per resident of each sex and age (single years), all the
--              delivery's municipalities together (core.fct_population on the base year's
--              1 January), so that a small municipality's rates do not rest on a handful of people;
--   expected = the sum over sex and age of rate x residents of the municipality, in the base year
--              and in the projection year (int_projection_population);
--   growth   = expected in the projection year / expected in the base year: the municipality keeps
--              its own level of the base year (indirect standardisation) and moves with its own
--              population; where the rates expect nothing of it (activity only at ages without
--              residents in the delivery), the growth of all its residents.
-- Rates, expectations and projected figures are exact decimals (fraction_type), so that their sums
-- do not depend on the order of the rows. When the projected population equals the base
-- population, both sums are the same, every growth is exactly 1 and the base year comes back to
-- the øre. Internal.
{%- set measures = projection_measures() %}
with base_year as (
    select base_year
    from {{ ref('int_projection_base_year') }}
),

population as (
    select * from {{ ref('int_projection_population') }}
),

-- Every municipality of the delivery, whether the projection covers it or not: the rates'
-- denominators.
residents as (
    select
        population.sex,
        population.age,
        sum(population.persons) as persons
    from {{ ref('fct_population') }} as population
    inner join base_year
        on population.population_year = base_year.base_year
    group by
        population.sex,
        population.age
),

activity as (
    {%- for measure, column in measures.items() %}
        {%- if not loop.first %}
            union all
        {%- endif %}
        select
            municipality_code,
            sex,
            age,
            report_area,
            '{{ measure }}' as measure,
            cast(sum({{ column }}) as {{ money_type() }}) as base_value,
            {%- if column == 'co_financing_dkk' %}
                max(case when uses_illustrative_rules then 1 else 0 end) = 1
            {%- else %}
                false
            {%- endif %} as uses_illustrative_rules
        from {{ ref('int_projection_base_activity') }}
        group by
            municipality_code,
            sex,
            age,
            report_area
    {%- endfor %}
),

rates as (
    select
        activity.sex,
        activity.age,
        activity.report_area,
        activity.measure,
        cast(cast(sum(activity.base_value) as double) / residents.persons as {{ fraction_type() }})
            as rate
    from activity
    inner join residents
        on
            activity.sex = residents.sex
            and activity.age = residents.age
    where residents.persons > 0
    group by
        activity.sex,
        activity.age,
        activity.report_area,
        activity.measure,
        residents.persons
),

expected as (
    select
        population.municipality_code,
        population.projection_year,
        rates.report_area,
        rates.measure,
        sum(rates.rate * population.base_persons) as base_expected,
        sum(rates.rate * population.projected_persons) as projected_expected
    from population
    inner join rates
        on
            population.sex = rates.sex
            and population.age = rates.age
    group by
        population.municipality_code,
        population.projection_year,
        rates.report_area,
        rates.measure
),

-- The growth of all residents of a municipality (the fallback).
municipality_growth as (
    select
        municipality_code,
        projection_year,
        cast(sum(projected_persons) as double) / sum(base_persons) as growth
    from population
    group by
        municipality_code,
        projection_year
),

figures as (
    select
        municipality_code,
        report_area,
        measure,
        sum(base_value) as base_value,
        max(case when uses_illustrative_rules then 1 else 0 end) = 1 as uses_illustrative_rules
    from activity
    group by
        municipality_code,
        report_area,
        measure
),

growth as (
    select
        figures.municipality_code,
        years.projection_year,
        figures.report_area,
        figures.measure,
        figures.base_value,
        figures.uses_illustrative_rules,
        expected.base_expected,
        expected.projected_expected,
        case when expected.base_expected > 0 then 'rates' else 'population' end as growth_basis,
        case
            when expected.base_expected > 0
                then expected.projected_expected / expected.base_expected
            else years.growth
        end as growth
    from figures
    inner join municipality_growth as years
        on figures.municipality_code = years.municipality_code
    left join expected
        on
            figures.municipality_code = expected.municipality_code
            and years.projection_year = expected.projection_year
            and figures.report_area = expected.report_area
            and figures.measure = expected.measure
)

select
    municipality_code,
    projection_year,
    report_area,
    measure,
    base_value,
    base_expected,
    projected_expected,
    growth_basis,
    growth,
    cast(cast(base_value as double) * growth as {{ fraction_type() }}) as projected_value,
    uses_illustrative_rules
from growth
