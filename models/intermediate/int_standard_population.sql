-- Grain: year x sex x co-financing age group: the standard population of the direct age- and
-- sex-standardisation (planning.standardised_rates). It is the country's population of one year
-- of the data (every municipality of the delivery: core.fct_population, 1 January), the year
-- named by the dbt var standard_population_year (or the environment variable
-- MEDFIN_STANDARD_POPULATION_YEAR), by default the earliest population year delivered. Its
-- citizens are grouped by age with the age groups valid in each year whose rates are
-- standardised, so a year's strata and its standard always match. Empty when the named year has
-- no population (tests/dbt/intermediate/assert_standard_population_year_is_delivered.sql fails).
{%- set named_year = var(
    'standard_population_year', env_var('MEDFIN_STANDARD_POPULATION_YEAR', '')
) | string | trim %}
{%- if named_year and not named_year.isdigit() %}
    {{ exceptions.raise_compiler_error(
        "var standard_population_year must be a year, not '" ~ named_year ~ "'") }}
{%- endif %}
with standard_year as (
    {%- if named_year %}
        select {{ named_year }} as standard_year
    {%- else %}
        select min(population_year) as standard_year
        from {{ ref('fct_population') }}
    {%- endif %}
),

standard as (
    select
        population.population_year as standard_year,
        population.sex,
        population.age,
        sum(population.persons) as persons
    from {{ ref('fct_population') }} as population
    inner join standard_year
        on population.population_year = standard_year.standard_year
    group by population.population_year, population.sex, population.age
),

years as (
    select distinct population_year as activity_year
    from {{ ref('fct_population') }}
),

grouped as (
    select
        years.activity_year,
        standard.standard_year,
        standard.sex,
        standard.persons,
        {{ co_financing_age_group('standard.age', year_start('years.activity_year')) }}
            as age_group
    from years
    cross join standard
)

select
    cast(activity_year as integer) as activity_year,
    cast(standard_year as integer) as standard_year,
    sex,
    age_group,
    cast(sum(persons) as bigint) as standard_persons
from grouped
group by activity_year, standard_year, sex, age_group
